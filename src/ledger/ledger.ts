/**
 * The job ledger of a recording day: DataJoint's `populate(reserve_jobs=True, suppress_errors=True)`
 * bookkeeping without a database, in `<day>/.rplpipe/ledger/`, correct across hosts on NFS without flock.
 *
 *   const ledger = openLedger(day);
 *   const r = ledger.reserve({ stage: "lfp", session: "session01", channel: 9 }, { paramsHash: h });
 *   if (r.status === "reserved") {
 *     try { write(); r.reservation.done({ outputs: [path] }); }
 *     catch (e) { r.reservation.fail(jobErrorFrom(e)); }
 *   }                                     // "done": someone finished it; "held": someone is doing it now
 *
 * Rules (docs/ledger.md): a key is held through a lease file made with link(2); a lease whose holder is gone
 * is reclaimed (same host: the pid died; other host: no heartbeat for `staleMs`); the record is written only
 * by the lease holder, atomically; "done" is judged after taking the lease, so a job finished by another
 * process between planning and reserving is never run again.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { invalidOption } from "../errors.js";
import { leaseAbandoned, makeHolder, parseHolder, type Holder } from "../envs/host.js";
import { checkInteger, checkKnownKeys, checkString, isPlainObject } from "../validate.js";
import { checkJobKey, type JobKey, type JobStage } from "./key.js";
import { Reservation } from "./reservation.js";
import type { JobRecord, JobState } from "./record.js";
import { LedgerStore } from "./store.js";

export interface LedgerOptions {
  /** How often live reservations touch their leases, ms (default 10 000). */
  heartbeatMs?: number;
  /**
   * A lease of another host whose heartbeat is older than this is reclaimed, ms (default 120 000). Must
   * exceed `heartbeatMs` and any time the holder's event loop may be blocked.
   */
  staleMs?: number;
}

export interface ReserveOptions {
  /** The parameters the job's outputs depend on (see paramsHash()); a done record for others is not done. */
  paramsHash: string;
  /** Recompute even when done, unless it was done at or after `since` (by a concurrent --redo run). */
  redo?: boolean;
  /**
   * Start of this run or batch (ms since the epoch, Date or ISO string). A job that ended at or after it, by
   * another process of the batch, is not run again: done counts as done even with `redo`, and a failure is
   * answered "error" instead of being retried at once. Without `since`, an error is always retried.
   */
  since?: number | Date | string;
}

export type ReserveResult =
  /** The job is ours: run it, then call done() or fail(). `previous`: the record before (null: none). */
  | { status: "reserved"; reservation: Reservation; previous: JobRecord | null }
  /** Done with these parameters (and outputs present; with redo, done since `since`): nothing to do. */
  | { status: "done"; record: JobRecord }
  /** A live process holds it now. `record` may lag (null: the holder has not written it yet). */
  | { status: "held"; record: JobRecord | null; holder: Holder | null }
  /** It failed at or after `since` (a concurrent run of the batch tried it): not retried by this reserve. */
  | { status: "error"; record: JobRecord };

/** A record as list() shows it. */
export interface LedgerEntry extends JobRecord {
  /**
   * For state "reserved": "live" while the lease exists and its holder is alive, "stale" when the holder is
   * gone (killed, crashed, node down) and the job will be reclaimed by the next reserve. null otherwise.
   */
  liveness: "live" | "stale" | null;
}

export interface ListFilter {
  stage?: JobStage;
  session?: string | null;
  state?: JobState | "stale";
}

const kKnown = ["heartbeatMs", "staleMs"];

function sinceMs(v: ReserveOptions["since"]): number | undefined {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(v) : v;
  if (typeof ms !== "number" || !Number.isFinite(ms)) throw invalidOption("options.since", "a time (ms, Date or ISO string)", v);
  return ms;
}

export class Ledger {
  readonly store: LedgerStore;
  readonly heartbeatMs: number;
  readonly staleMs: number;
  private readonly live = new Set<Reservation>();
  private timer: NodeJS.Timeout | null = null;

  constructor(dayDir: string, o: Required<LedgerOptions>) {
    this.store = new LedgerStore(dayDir);
    this.heartbeatMs = o.heartbeatMs;
    this.staleMs = o.staleMs;
  }

  /** The day directory (absolute). */
  get dayDir(): string {
    return this.store.dayDir;
  }

  /** The ledger directory, `<day>/.rplpipe/ledger`. */
  get dir(): string {
    return this.store.dir;
  }

  /** Reservations of this process not yet ended. */
  get reservations(): number {
    return this.live.size;
  }

  /**
   * Reserves `key` for execution by this process.
   * @throws {TypeError|RangeError} for a bad key or options; the fs error when the ledger cannot be written
   *   (e.g. EACCES on the day directory).
   */
  reserve(key: JobKey, options: ReserveOptions): ReserveResult {
    const k = checkJobKey("key", key);
    if (!isPlainObject(options)) throw invalidOption("options", "an options object", options);
    checkKnownKeys("options", options, ["paramsHash", "redo", "since"]);
    const paramsHash = checkString("options.paramsHash", options.paramsHash);
    const since = sinceMs(options.since);
    const redo = options.redo === true;
    this.store.ensure();
    const holder = makeHolder();
    const took = this.store.takeLease(k, holder, this.staleMs);
    if (!took.took) return { status: "held", record: this.store.readRecord(k)?.record ?? null, holder: took.holder };
    let reservation: Reservation;
    let previous: JobRecord | null;
    try {
      // Judged only now, holding the lease: whoever finished the job before us wrote its record first.
      const prev = this.store.readRecord(k);
      previous = prev?.record ?? null;
      if (previous && this.isDone(previous, paramsHash, redo, since)) {
        this.store.dropLease(k, holder.token);
        return { status: "done", record: previous };
      }
      if (previous && this.failedSince(previous, paramsHash, since)) {
        this.store.dropLease(k, holder.token);
        return { status: "error", record: previous };
      }
      const now = new Date().toISOString();
      const record: JobRecord = {
        version: 1,
        key: k,
        state: "reserved",
        ...this.who(holder),
        heartbeat: now,
        startedAt: now,
        endedAt: null,
        paramsHash,
        attempt: (previous?.attempt ?? 0) + 1,
        error: null,
      };
      this.store.writeRecord(record);
      reservation = new Reservation(this, record, prev?.snap.text ?? null);
    } catch (e) {
      this.store.dropLease(k, holder.token);
      throw e;
    }
    this.live.add(reservation);
    this.startTimer();
    return { status: "reserved", reservation, previous };
  }

  /**
   * Records `key` as done (adopted, attempt not counted) because its outputs exist although this process did
   * not make them: outputs renamed into place by a process killed before it wrote "done", or made before the
   * ledger existed. Only a key with no record or a dead reservation is adopted; done and error records are
   * left as they are, and so is a key a live process holds.
   * @returns true when the record was written.
   */
  adopt(key: JobKey, info: { paramsHash: string; outputs: readonly string[] }): boolean {
    const k = checkJobKey("key", key);
    const paramsHash = checkString("info.paramsHash", info.paramsHash);
    const first = this.store.readRecord(k)?.record;
    if (first && first.state !== "reserved") return false;
    this.store.ensure();
    const holder = makeHolder();
    if (!this.store.takeLease(k, holder, this.staleMs).took) return false;
    try {
      const prev = this.store.readRecord(k)?.record ?? null;
      if (prev && prev.state !== "reserved") return false;
      const now = new Date().toISOString();
      const outputs = info.outputs.map((p) => this.store.dayRelative(p));
      this.store.writeRecord({
        version: 1,
        key: k,
        state: "done",
        ...this.who(holder),
        heartbeat: now,
        startedAt: prev?.startedAt || now,
        endedAt: now,
        paramsHash,
        attempt: prev?.attempt ?? 0,
        error: null,
        outputs,
        adopted: true,
      });
      return true;
    } finally {
      this.store.dropLease(k, holder.token);
    }
  }

  /** The record of `key` with its liveness; null when the key has none. */
  get(key: JobKey): LedgerEntry | null {
    const r = this.store.readRecord(checkJobKey("key", key))?.record;
    return r ? this.entry(r, Date.now()) : null;
  }

  /** Every record (optionally filtered), with liveness; `state: "stale"` selects dead reservations. */
  list(filter: ListFilter = {}): LedgerEntry[] {
    const now = Date.now();
    return this.store
      .readAll()
      .map((r) => this.entry(r, now))
      .filter((e) => {
        if (filter.stage !== undefined && e.key.stage !== filter.stage) return false;
        if (filter.session !== undefined && e.key.session !== filter.session) return false;
        if (filter.state === "stale") return e.liveness === "stale";
        return filter.state === undefined || e.state === filter.state;
      });
  }

  /** The failed jobs. */
  errors(): LedgerEntry[] {
    return this.list({ state: "error" });
  }

  /** Touches the leases of every live reservation now (also done by the timer every `heartbeatMs`). */
  heartbeat(): void {
    for (const r of [...this.live]) {
      let ours = true;
      try {
        ours = this.store.beat(r.key, r.token);
      } catch {
        continue; // a transient I/O error (NFS hiccup): try again next beat
      }
      if (!ours) r.markLost();
    }
  }

  /** @internal Called by a reservation that ended. */
  forget(r: Reservation): void {
    this.live.delete(r);
    if (this.live.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref(); // never keeps the process alive
  }

  private who(h: Holder): Pick<JobRecord, "host" | "pid" | "pidStart" | "slurmJobId" | "slurmArrayJobId" | "slurmArrayTaskId" | "token"> {
    const env = process.env;
    return {
      host: h.host,
      pid: h.pid,
      pidStart: h.pidStart,
      slurmJobId: h.slurmJobId,
      slurmArrayJobId: env.SLURM_ARRAY_JOB_ID ?? null,
      slurmArrayTaskId: env.SLURM_ARRAY_TASK_ID ?? null,
      token: h.token,
    };
  }

  private isDone(r: JobRecord, paramsHash: string, redo: boolean, since: number | undefined): boolean {
    if (r.state !== "done" || r.paramsHash !== paramsHash) return false;
    if (redo && (since === undefined || !(Date.parse(r.endedAt ?? "") >= since))) return false;
    // A done record promises its outputs; one that lost them (deleted by hand) is not done any more.
    return (r.outputs ?? []).every((p) => existsSync(isAbsolute(p) ? p : join(this.dayDir, p)));
  }

  private failedSince(r: JobRecord, paramsHash: string, since: number | undefined): boolean {
    return r.state === "error" && r.paramsHash === paramsHash && since !== undefined && Date.parse(r.endedAt ?? "") >= since;
  }

  private entry(r: JobRecord, now: number): LedgerEntry {
    if (r.state !== "reserved") return { ...r, liveness: null };
    const lease = this.store.lease(r.key);
    if (lease === null || leaseAbandoned(lease, this.staleMs, now)) return { ...r, liveness: "stale" };
    // A lease with another token: a new holder is taking the key over right now; it is alive either way.
    const mine = parseHolder(lease.text)?.token === r.token;
    return { ...r, liveness: "live", heartbeat: mine ? new Date(lease.mtimeMs).toISOString() : r.heartbeat };
  }
}

/**
 * Opens the ledger of the recording day `dayDir` (nothing is created until the first reserve or adopt, so
 * reading a day never writes to it).
 * @throws {TypeError|RangeError} for a bad directory or options (staleMs must exceed heartbeatMs).
 */
export function openLedger(dayDir: string, options: LedgerOptions = {}): Ledger {
  checkString("dayDir", dayDir);
  if (!isPlainObject(options)) throw invalidOption("options", "an options object", options);
  checkKnownKeys("options", options, kKnown);
  const heartbeatMs = options.heartbeatMs === undefined ? 10_000 : checkInteger("options.heartbeatMs", options.heartbeatMs, 10, 3_600_000);
  const staleMs = options.staleMs === undefined ? 120_000 : checkInteger("options.staleMs", options.staleMs, 20, 86_400_000);
  if (staleMs <= heartbeatMs) throw invalidOption("options.staleMs", `a time longer than options.heartbeatMs (${heartbeatMs} ms)`, staleMs, true);
  return new Ledger(dayDir, { heartbeatMs, staleMs });
}
