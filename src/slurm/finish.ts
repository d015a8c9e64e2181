/**
 * The finisher job of a submission round (`rplpipe job finish MANIFEST`), run by Slurm after every job of the
 * round ended, whatever their exit codes (afterany). It reads the day's ledger: every expected job that is
 * not done (failed, never started because its dependency failed, or its process died) is resubmitted as the
 * next round while rounds remain; otherwise (all done, or retries used up) --notify-cmd runs, once.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { linkCreate } from "../envs/lease-lock.js";
import { keyText, openLedger, type JobKey } from "../ledger/index.js";
import { expectedKeys } from "../jobs/expected.js";
import { readManifest, type Manifest } from "./manifest.js";
import { submitRound } from "./submit.js";

export interface FinishResult {
  /** Expected jobs not done at the end of this round. */
  outstanding: JobKey[];
  action: "retry" | "notified" | "done";
  next?: Manifest;
  /** Exit code of --notify-cmd (null: none given, or it could not start). */
  notifyStatus?: number | null;
}

/** Jobs of the manifest's day that are not done in its ledger. */
export function outstandingJobs(m: Manifest): JobKey[] {
  const done = new Set(openLedger(m.day).list({ state: "done" }).map((e) => keyText(e.key)));
  return expectedKeys(m.sessions, m.options.stages, m.allSortChannels).filter((k) => !done.has(keyText(k)));
}

function notify(m: Manifest, outstanding: JobKey[]): number | null {
  const cmd = m.options.notifyCmd;
  if (!cmd) return null;
  // Exactly once per submission, even if Slurm runs this finisher twice (requeue): the first creator of the
  // marker notifies.
  const marker = join(m.dir, "notified");
  if (!linkCreate(marker, `${new Date().toISOString()} ${process.env.SLURM_JOB_ID ?? process.pid}\n`, m.dir)) return null;
  const state = outstanding.length === 0 ? "done" : "failed";
  const summary = outstanding.length === 0 ? `rplpipe: ${m.day} done` : `rplpipe: ${m.day} finished with ${outstanding.length} job(s) not done: ${outstanding.slice(0, 10).map(keyText).join(", ")}`;
  const r = spawnSync("/bin/sh", ["-c", cmd], {
    env: { ...process.env, RPLPIPE_DAY: m.day, RPLPIPE_STATE: state, RPLPIPE_OUTSTANDING: String(outstanding.length), RPLPIPE_SUMMARY: summary },
    encoding: "utf8",
    timeout: 300_000,
  });
  appendFileSync(join(m.dir, "notify.log"), `${new Date().toISOString()} state=${state} exit=${r.status}\n${r.stdout ?? ""}${r.stderr ?? ""}`);
  return r.status;
}

export async function finishRound(manifestPath: string): Promise<FinishResult> {
  const m = readManifest(manifestPath);
  const outstanding = outstandingJobs(m);
  if (outstanding.length > 0 && m.round <= m.options.retries) {
    const sessions = [...new Set(outstanding.filter((k) => k.session !== null).map((k) => k.session!))];
    const sortChannels = outstanding.filter((k) => k.stage === "sort").map((k) => k.channel!);
    mkdirSync(dirname(m.dir), { recursive: true });
    const next = await submitRound(
      { day: m.day, round: m.round + 1, splitSessions: sessions, sortChannels },
      { ...m.options, rplpipe: m.rplpipe },
      { sessions: m.sessions, warnings: [] },
    );
    return { outstanding, action: "retry", next };
  }
  const status = notify(m, outstanding);
  return { outstanding, action: m.options.notifyCmd ? "notified" : "done", notifyStatus: status };
}
