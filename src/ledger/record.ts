/**
 * A job's record: the one JSON file per key in `<day>/.rplpipe/ledger/jobs/`, what it says and how it is read.
 * Records are replaced whole (temp file + rename), so a reader sees the old or the new record, never half.
 */
import { checkJobKey, type JobKey } from "./key.js";

export type JobState = "reserved" | "done" | "error";

/** Why a job failed. */
export interface JobError {
  /** Stable error code (ERR_WRITE, ERR_TRUNCATED, ERR_SORTER_FAILED, …). */
  code: string;
  message: string;
  /** The stack, or the last lines the failing program wrote to stderr; at most {@link kTailBytes} bytes. */
  tail: string;
}

export interface JobRecord {
  /** Format of this record (1). */
  version: 1;
  key: JobKey;
  /**
   * reserved: a process took the job and has not reported yet (running, or died: see the entry's liveness);
   * done: its outputs were renamed into place; error: it failed, see `error`.
   */
  state: JobState;
  /** Host id of the process that reserved the job (RPLPIPE_HOST_ID, else the host name). */
  host: string;
  pid: number;
  /** Linux start time of `pid` (tells a reused pid apart); null off Linux. */
  pidStart: string | null;
  slurmJobId: string | null;
  slurmArrayJobId: string | null;
  slurmArrayTaskId: string | null;
  /** The reservation's token; its lease file carries the same one while the reservation is live. */
  token: string;
  /** ISO time of the last sign of life: the record's last write (a live entry of list() shows the lease's mtime). */
  heartbeat: string;
  /** ISO time the job was reserved. */
  startedAt: string;
  /** ISO time it ended (done or error); null while reserved. */
  endedAt: string | null;
  /** Hash of the parameters the outputs depend on; a done job with other parameters is not done for these. */
  paramsHash: string;
  /** How many times the key was reserved for execution (1 for a job that ran once). */
  attempt: number;
  error: JobError | null;
  /** Output files, relative to the day directory when inside it. */
  outputs?: string[];
  bytes?: number;
  seconds?: number;
  /** Done because its outputs were found present by a run that did not make them (attempt not counted). */
  adopted?: boolean;
}

/** Largest `tail` (and `message`) kept in a record, bytes. */
export const kTailBytes = 4096;

/** The last `max` bytes of `s` (UTF-8), without a split character at the start. */
export function clipTail(s: string, max: number = kTailBytes): string {
  const b = Buffer.from(s, "utf8");
  if (b.length <= max) return s;
  return b.subarray(b.length - max).toString("utf8").replace(/^\uFFFD+/, "");
}

/** The first `max` bytes of `s` (UTF-8). */
function clipHead(s: string, max: number = kTailBytes): string {
  const b = Buffer.from(s, "utf8");
  if (b.length <= max) return s;
  return b.subarray(0, max).toString("utf8").replace(/\uFFFD+$/, "") + "…";
}

/** A JobError with clipped message and tail. */
export function jobError(e: { code: string; message: string; tail?: string }): JobError {
  return { code: e.code || "ERR_INTERNAL", message: clipHead(e.message), tail: clipTail(e.tail ?? "") };
}

/**
 * A JobError from anything thrown: its `code` (else `fallbackCode`), its message, and as tail its
 * `stderrTail` (a sorter's) when it has one, else its stack.
 */
export function jobErrorFrom(e: unknown, fallbackCode = "ERR_INTERNAL"): JobError {
  if (!(e instanceof Error)) return jobError({ code: fallbackCode, message: String(e) });
  const x = e as Error & { code?: unknown; stderrTail?: unknown };
  const tail = typeof x.stderrTail === "string" && x.stderrTail.length > 0 ? x.stderrTail : (x.stack ?? "");
  return jobError({ code: typeof x.code === "string" ? x.code : fallbackCode, message: x.message, tail });
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Parses a record file; null for anything that is not a well-formed record (treated as no record). */
export function parseRecord(text: string): JobRecord | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null || v.version !== 1) return null;
  let key: JobKey;
  try {
    key = checkJobKey("key", v.key);
  } catch {
    return null;
  }
  const state = v.state;
  if (state !== "reserved" && state !== "done" && state !== "error") return null;
  if (typeof v.host !== "string" || typeof v.pid !== "number" || typeof v.token !== "string" || typeof v.attempt !== "number") return null;
  const err = v.error as Partial<JobError> | null | undefined;
  const r: JobRecord = {
    version: 1,
    key,
    state,
    host: v.host,
    pid: v.pid,
    pidStart: str(v.pidStart),
    slurmJobId: str(v.slurmJobId),
    slurmArrayJobId: str(v.slurmArrayJobId),
    slurmArrayTaskId: str(v.slurmArrayTaskId),
    token: v.token,
    heartbeat: str(v.heartbeat) ?? "",
    startedAt: str(v.startedAt) ?? "",
    endedAt: str(v.endedAt),
    paramsHash: str(v.paramsHash) ?? "",
    attempt: v.attempt,
    error: err && typeof err === "object" ? { code: String(err.code ?? ""), message: String(err.message ?? ""), tail: String(err.tail ?? "") } : null,
  };
  if (Array.isArray(v.outputs)) r.outputs = v.outputs.filter((o): o is string => typeof o === "string");
  if (typeof v.bytes === "number") r.bytes = v.bytes;
  if (typeof v.seconds === "number") r.seconds = v.seconds;
  if (v.adopted === true) r.adopted = true;
  return r;
}

/** Serialises a record (one line of JSON plus a newline: small, and easy to grep). */
export function formatRecord(r: JobRecord): string {
  return JSON.stringify(r) + "\n";
}
