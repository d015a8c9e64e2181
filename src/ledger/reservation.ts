/**
 * A reserved job inside the process that reserved it: it ends exactly once, as done, failed or abandoned, and
 * its lease is given up then. Until then the ledger's heartbeat keeps the lease fresh; when the process ends
 * first (exit, SIGINT/SIGTERM/SIGHUP) the lease is dropped and the record left as it is (state reserved,
 * which list() shows as stale), never marked done.
 */
import { trackForExit, untrackForExit } from "../envs/exit-release.js";
import type { JobKey } from "./key.js";
import { jobError, type JobError, type JobRecord } from "./record.js";
import type { LedgerStore } from "./store.js";

/** What a job made, recorded with its done state. */
export interface DoneInfo {
  /** Output files (absolute, or relative to the day directory); stored relative to the day when inside it. */
  outputs?: readonly string[];
  bytes?: number;
  seconds?: number;
}

/** Why a job failed. `tail`: the stack, or a program's stderr tail (clipped to 4 kB). */
export interface FailInfo {
  code: string;
  message: string;
  tail?: string;
  seconds?: number;
}

/** What a reservation needs from its ledger. */
export interface ReservationOwner {
  readonly store: LedgerStore;
  forget(r: Reservation): void;
}

export class Reservation {
  /** Set when the lease was found to belong to someone else (reclaimed after a stall); nothing is written then. */
  lost = false;
  private ended = false;

  constructor(
    private readonly owner: ReservationOwner,
    /** The record as written at reservation (state reserved). */
    readonly record: JobRecord,
    /** The record file's text before this reservation (null: there was none), put back by abandon(). */
    private readonly previous: string | null,
  ) {
    trackForExit(this);
  }

  get key(): JobKey {
    return this.record.key;
  }

  get token(): string {
    return this.record.token;
  }

  /** True until done(), fail(), abandon() or the process-exit release. */
  get live(): boolean {
    return !this.ended;
  }

  /**
   * Marks the job done. Call it after the outputs were renamed into place: a done record promises them.
   * @returns the record written, or null when the reservation had already ended or its lease was lost.
   */
  done(info: DoneInfo = {}): JobRecord | null {
    const outputs = info.outputs?.map((p) => this.owner.store.dayRelative(p));
    return this.end({
      state: "done",
      error: null,
      ...(outputs ? { outputs } : {}),
      ...(info.bytes !== undefined ? { bytes: info.bytes } : {}),
      ...(info.seconds !== undefined ? { seconds: info.seconds } : {}),
    });
  }

  /**
   * Marks the job failed (`code`, `message`, `tail`: a stack or a stderr tail, clipped to 4 kB).
   * @returns the record written, or null when the reservation had already ended or its lease was lost.
   */
  fail(info: FailInfo): JobRecord | null {
    const error: JobError = jobError(info);
    return this.end({ state: "error", error, ...(info.seconds !== undefined ? { seconds: info.seconds } : {}) });
  }

  /**
   * Gives the job back without having run it: the record is put back as it was before the reservation (or
   * removed when there was none), so `attempt` does not count it, and the lease is dropped.
   */
  abandon(): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    const store = this.owner.store;
    try {
      if (store.holds(this.key, this.token)) store.restoreRecord(this.key, this.previous, this.token);
      else this.lost = true;
    } finally {
      store.dropLease(this.key, this.token);
    }
  }

  /** Process-exit path (exit-release.ts): drops the lease only; the record stays "reserved" (list(): stale). */
  releaseSync(): void {
    if (this.ended) return;
    this.ended = true;
    this.owner.forget(this);
    this.owner.store.dropLease(this.key, this.token);
  }

  /** The heartbeat found the lease taken over: stop, write nothing more. */
  markLost(): void {
    if (this.ended) return;
    this.lost = true;
    this.ended = true;
    this.detach();
  }

  private end(change: Partial<JobRecord>): JobRecord | null {
    if (this.ended) return null;
    this.ended = true;
    this.detach();
    const store = this.owner.store;
    // Only the lease holder writes the record: after a stall long enough for another host to reclaim the
    // lease, the job is theirs now and this result is not recorded (its output file is still valid).
    if (!store.holds(this.key, this.token)) {
      this.lost = true;
      return null;
    }
    const now = new Date();
    const r: JobRecord = { ...this.record, ...change, heartbeat: now.toISOString(), endedAt: now.toISOString() };
    try {
      store.writeRecord(r);
    } finally {
      // The record first, then the lease: a crash in between leaves a done record and a stale lease, which the
      // next reserve reclaims and then finds done.
      store.dropLease(this.key, this.token);
    }
    return r;
  }

  private detach(): void {
    this.owner.forget(this);
    untrackForExit(this);
  }
}
