/** `rplpipe status DIR` and `rplpipe errors DIR`: a day's ledger (docs/ledger.md, docs/cluster.md). */
import { discover } from "../../layout/discover.js";
import { kJobStages, openLedger, type LedgerEntry } from "../../ledger/index.js";
import { dayStatus, type DayStatus } from "../../jobs/status.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage-error.js";

function days(dir: string): string[] {
  const d = discover(dir);
  if (d.ancestors.day) return [d.ancestors.day];
  if (d.days.length === 0) throw new UsageError(`no recording day under ${dir}`);
  return d.days.map((x) => x.path);
}

function who(e: LedgerEntry): string {
  const slurm = e.slurmArrayJobId && e.slurmArrayTaskId ? ` Slurm ${e.slurmArrayJobId}_${e.slurmArrayTaskId}` : e.slurmJobId ? ` Slurm ${e.slurmJobId}` : "";
  return `${e.host} pid ${e.pid}${slurm}`;
}

function what(e: LedgerEntry): string {
  const k = e.key;
  return `${k.stage.padEnd(8)} ${(k.session ?? "(day)").padEnd(11)} ${k.channel === null ? "   -" : `ch${String(k.channel).padStart(3, "0")}`}`;
}

function statusText(s: DayStatus): string {
  const cols = ["done", "running", "stale", "error", "pending"] as const;
  const lines = [s.day, `  ${"stage".padEnd(9)}${cols.map((c) => c.padStart(8)).join("")}`];
  for (const st of kJobStages) lines.push(`  ${st.padEnd(9)}${cols.map((c) => String(s.stages[st][c]).padStart(8)).join("")}`);
  if (s.slurm) {
    lines.push(`  Slurm, round ${s.slurm.round} submitted ${s.slurm.createdAt}${s.slurmReachable ? "" : " (squeue/sacct not reachable)"}:`);
    for (const j of s.slurm.jobs) {
      const states = Object.entries(j.states).map(([k, v]) => `${v} ${k}`).join(", ") || (s.slurmReachable ? "unknown to Slurm" : "?");
      lines.push(`    ${j.what.padEnd(18)} job ${j.id.padEnd(8)} ${states}${j.reasons.length ? ` (${j.reasons.join(", ")})` : ""}`);
    }
  }
  for (const e of s.reserved)
    lines.push(`  ${e.liveness === "stale" ? "stale  " : "running"} ${what(e)} on ${who(e)}${e.slurmState ? ` [${e.slurmState}]` : ""} since ${e.startedAt}, heartbeat ${e.heartbeat}`);
  if (s.errors) lines.push(`  ${s.errors} failed job(s): rplpipe errors ${s.day}; rerun them with rplpipe run ${s.day} --retry-errors`);
  return lines.join("\n");
}

export const statusCommand: Command = {
  name: "status",
  summary: "jobs of a day by stage and state (done, running, stale, error, pending), with Slurm's view",
  usage: [
    "Usage: rplpipe status DIR [--json]",
    "",
    "DIR is a day (or a directory above days). Reads the day's ledger (DAY/.rplpipe/ledger) and counts its jobs",
    "(stage × session × channel) by state: done, running (reserved by a live process), stale (reserved by a",
    "process that is gone; the next run takes it over), error, pending (expected, no record yet). When the day",
    "was submitted with rplpipe submit, also shows what Slurm says of its jobs (squeue, sacct).",
  ].join("\n"),
  options: { json: { type: "boolean" } },
  async run({ positionals, values, stdout }) {
    if (positionals.length !== 1) throw new UsageError(`expected one DIR, got ${positionals.length}`);
    const all = days(positionals[0]!).map(dayStatus);
    stdout.write(values.json ? `${JSON.stringify(all, null, 2)}\n` : `${all.map(statusText).join("\n\n")}\n`);
    return 0;
  },
};

export const errorsCommand: Command = {
  name: "errors",
  summary: "failed jobs of a day with their causes (message and stderr or stack tail)",
  usage: [
    "Usage: rplpipe errors DIR [--json] [--lines N]",
    "",
    "Lists every job of the day's ledger in state error: stage, session, channel, host, Slurm job, attempt,",
    "error code and message, and the last N (default 8) lines of the stack or the sorter's stderr.",
    "Rerun only these with `rplpipe run DIR --retry-errors`. Exit code 1 when there are failures.",
  ].join("\n"),
  options: { json: { type: "boolean" }, lines: { type: "string" } },
  async run({ positionals, values, stdout }) {
    if (positionals.length !== 1) throw new UsageError(`expected one DIR, got ${positionals.length}`);
    const n = values.lines === undefined ? 8 : Number(values.lines);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--lines expects a whole number, got "${String(values.lines)}"`);
    const out = days(positionals[0]!).map((day) => ({ day, errors: openLedger(day).errors() }));
    if (values.json) stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else {
      const lines: string[] = [];
      for (const d of out) {
        lines.push(`${d.day}: ${d.errors.length} failed job(s)`);
        for (const e of d.errors) {
          lines.push(`  ${what(e)}  attempt ${e.attempt} on ${who(e)}, ended ${e.endedAt ?? "?"}`);
          lines.push(`    [${e.error?.code ?? "?"}] ${e.error?.message ?? ""}`);
          for (const l of (e.error?.tail ?? "").split("\n").filter(Boolean).slice(-n)) lines.push(`      | ${l}`);
        }
      }
      stdout.write(`${lines.join("\n")}\n`);
    }
    return out.some((d) => d.errors.length > 0) ? 1 : 0;
  },
};
