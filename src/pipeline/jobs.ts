/**
 * The ledger side of `rplpipe run` (docs/ledger.md): each planned output is a job of its day's ledger; a
 * channel's jobs are claimed just before its samples are read, and each claimed job is marked done when the
 * worker reports its file renamed into place, or failed with the failure's code, message and stack.
 *
 * A day whose ledger cannot be written (a read-only day directory) runs as before, without a ledger, with a
 * warning: concurrent runs of it may then do the same work twice (never write a wrong file).
 */
import { dirname } from "node:path";
import { RplpipeError } from "../errors.js";
import { openLedger, type Ledger } from "../ledger/ledger.js";
import { keyText, type JobKey } from "../ledger/key.js";
import type { DoneInfo, FailInfo, Reservation } from "../ledger/reservation.js";
import type { OutputKind } from "./channel-task.js";
import type { ChannelPlan, SessionPlan, Stage } from "./plan.js";

export const kKinds = ["raw", "lfp", "highpass"] as const;
export const kStageOf = { raw: "split", lfp: "lfp", highpass: "highpass" } as const satisfies Record<OutputKind, Stage>;

/** A job this process runs: its reservation, or null when its day has no ledger (the job simply runs). */
export type Claim = Reservation | null;

/** A channel with the outputs this process claimed (`plan.outputs` narrowed to them). */
export interface ClaimedChannel {
  plan: ChannelPlan;
  claims: Partial<Record<OutputKind, Claim>>;
}

/** held: another live process holds the job; done / error: another process finished / failed it during this run. */
export type SkipReason = "held" | "done" | "error";

/** A job to run (with its claim), or skipped because another process holds it or has done it. */
export type ClaimResult = { claim: Claim } | { skip: SkipReason };

export interface RunJobsOptions {
  redo: boolean;
  /**
   * Start of the run (or of its batch), ms: jobs another process finished since then are not run again, not
   * even with redo, and jobs it failed since then are not retried at once.
   */
  since: number;
  /** Parameter hash per stage. */
  hashes: Record<Stage, string>;
  warn(message: string): void;
  /** A job skipped because another process holds it or finished it after this run planned. */
  onSkip(stage: Stage, session: string, electrodeId: number | undefined, reason: SkipReason): void;
}

function zero(): Record<Stage, number> {
  return { split: 0, lfp: 0, highpass: 0, parallel: 0, sort: 0 };
}

const kStageOfFile = (path: string): Stage => (/rplraw_/.test(path) ? "split" : /rpllfp_/.test(path) ? "lfp" : "highpass");

export class RunJobs {
  /** Jobs skipped because another live process holds them. */
  readonly heldByOthers = zero();
  /** Jobs skipped because another process finished them after this run planned. */
  readonly doneByOthers = zero();
  /** Jobs skipped because another process of the same batch failed them since this run started. */
  readonly failedByOthers = zero();
  private readonly ledgers = new Map<string, Ledger | null>();
  private readonly errorKeys = new Map<string, Set<string>>();

  constructor(private readonly o: RunJobsOptions) {}

  /** The ledger of `day`, or null once it failed (that day then runs without one). */
  ledger(day: string): Ledger | null {
    if (!this.ledgers.has(day)) this.ledgers.set(day, openLedger(day));
    return this.ledgers.get(day)!;
  }

  /** Beats the leases of `day`'s live reservations now (after a long blocking read). */
  heartbeat(day: string): void {
    try {
      this.ledger(day)?.heartbeat();
    } catch {
      /* the timer retries */
    }
  }

  /**
   * --retry-errors: narrows the plan (made as with redo) to the jobs whose record says error.
   * @throws {RplpipeError} ERR_LEDGER when a day's ledger cannot be read: without it nothing can be retried.
   */
  keepOnlyErrors(sessions: SessionPlan[]): void {
    for (const s of sessions) {
      const errs = this.errorsOf(dirname(s.path));
      for (const c of s.channels) {
        for (const k of kKinds) if (c.outputs[k] && !errs.has(keyText({ stage: kStageOf[k], session: s.name, channel: c.info.electrodeId }))) delete c.outputs[k];
        c.existing = [];
      }
      if (s.parallel && !errs.has(keyText({ stage: "parallel", session: s.name, channel: null }))) s.parallel = undefined;
    }
  }

  /** True when the ledger of `day` says `key` failed (for --retry-errors). */
  isError(day: string, key: JobKey): boolean {
    return this.errorsOf(day).has(keyText(key));
  }

  /**
   * Records outputs found present and kept as done in the ledger when it does not say so yet (written by a
   * run killed before it recorded them, or before the ledger existed). See Ledger.adopt.
   */
  adoptExisting(sessions: SessionPlan[], parallelKept: (s: SessionPlan) => string | undefined): void {
    for (const s of sessions) {
      const day = dirname(s.path);
      for (const c of s.channels)
        for (const p of c.existing) this.adopt(day, { stage: kStageOfFile(p), session: s.name, channel: c.info.electrodeId }, p);
      const par = parallelKept(s);
      if (par) this.adopt(day, { stage: "parallel", session: s.name, channel: null }, par);
    }
  }

  adopt(day: string, key: JobKey, output: string): void {
    const l = this.ledger(day);
    if (!l) return;
    try {
      l.adopt(key, { paramsHash: this.o.hashes[key.stage], outputs: [output] });
    } catch (e) {
      this.disable(day, e);
    }
  }

  /**
   * Claims a channel's planned outputs in stage order. The first job found held by another process ends the
   * claim: that process claims a channel's jobs in the same order, so it holds or will take the rest, and
   * reading the channel here too would be wasted. Those later jobs come back as `rest`, to be tried once more
   * after the session's other channels (`final`: that second try; a held job is then simply skipped).
   */
  claimChannel(s: SessionPlan, c: ChannelPlan, final: boolean): { run?: ClaimedChannel; rest?: ChannelPlan } {
    const outputs: ChannelPlan["outputs"] = {};
    const claims: ClaimedChannel["claims"] = {};
    const kinds = kKinds.filter((k) => c.outputs[k]);
    for (let i = 0; i < kinds.length; i++) {
      const k = kinds[i]!;
      const got = this.claim(dirname(s.path), { stage: kStageOf[k], session: s.name, channel: c.info.electrodeId }, s.name);
      if ("claim" in got) {
        outputs[k] = c.outputs[k];
        claims[k] = got.claim;
        continue;
      }
      if (!final && got.skip === "held" && i + 1 < kinds.length) {
        const later: ChannelPlan["outputs"] = {};
        for (const x of kinds.slice(i + 1)) later[x] = c.outputs[x];
        const run = Object.keys(outputs).length ? { plan: { ...c, outputs }, claims } : undefined;
        return { ...(run ? { run } : {}), rest: { ...c, outputs: later } };
      }
    }
    return Object.keys(outputs).length ? { run: { plan: { ...c, outputs }, claims } } : {};
  }

  /** Claims the markers job of a session. */
  claimParallel(s: SessionPlan): ClaimResult {
    return this.claim(dirname(s.path), { stage: "parallel", session: s.name, channel: null }, s.name);
  }

  /** Claims the sort job of a day's channel. */
  claimSort(day: string, electrodeId: number): ClaimResult {
    return this.claim(day, { stage: "sort", session: null, channel: electrodeId }, day);
  }

  /**
   * Waits while another live process holds any of `keys` (e.g. the spike bands a sort joins), polling the
   * ledger. Ends for sure: a holder finishes, fails, or dies, and a dead holder's reservation is stale.
   */
  async waitWhileHeld(day: string, keys: JobKey[], pollMs = 500): Promise<void> {
    const l = this.ledger(day);
    if (!l) return;
    for (;;) {
      let held = false;
      try {
        held = keys.some((k) => l.get(k)?.liveness === "live");
      } catch {
        return; // unreadable ledger: go on; the sort reports missing input itself
      }
      if (!held) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Marks a claimed job done (after its output was renamed into place). */
  done(day: string, c: Claim | undefined, info: DoneInfo): void {
    if (!c) return;
    try {
      c.done(info);
    } catch (e) {
      // The output is in place; the record stays "reserved" (stale once we exit) and the next run adopts it.
      this.o.warn(`ledger: could not record ${keyText(c.key)} as done: ${(e as Error).message}`);
    }
  }

  /** Marks a claimed job failed. */
  fail(day: string, c: Claim | undefined, err: FailInfo): void {
    if (!c) return;
    try {
      c.fail(err);
    } catch (e) {
      this.o.warn(`ledger: could not record the failure of ${keyText(c.key)}: ${(e as Error).message}`);
    }
  }

  private claim(day: string, key: JobKey, where: string): ClaimResult {
    const l = this.ledger(day);
    if (!l) return { claim: null };
    try {
      const r = l.reserve(key, { paramsHash: this.o.hashes[key.stage], redo: this.o.redo, since: this.o.since });
      if (r.status === "reserved") return { claim: r.reservation };
      (r.status === "held" ? this.heldByOthers : r.status === "done" ? this.doneByOthers : this.failedByOthers)[key.stage]++;
      this.o.onSkip(key.stage, where, key.channel ?? undefined, r.status);
      return { skip: r.status };
    } catch (e) {
      this.disable(day, e);
      return { claim: null };
    }
  }

  private errorsOf(day: string): Set<string> {
    let set = this.errorKeys.get(day);
    if (!set) {
      try {
        set = new Set(openLedger(day).errors().map((e) => keyText(e.key)));
      } catch (e) {
        throw new RplpipeError("ERR_LEDGER", `cannot read the ledger of ${day} to find failed jobs: ${(e as Error).message}`, { cause: e });
      }
      this.errorKeys.set(day, set);
    }
    return set;
  }

  private disable(day: string, e: unknown): void {
    this.ledgers.set(day, null);
    this.o.warn(`ledger of ${day} not usable (${(e as Error).message}): running without it, so a concurrent run may repeat this run's work`);
  }
}
