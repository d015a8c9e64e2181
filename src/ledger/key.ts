/**
 * Job keys: what one job of a day is (stage, session, channel), their checks, their text form for messages
 * and maps, and the file name of their record and lease in the ledger.
 */
import { invalidOption } from "../errors.js";
import { checkOneOf, isPlainObject } from "../validate.js";

/** The pipeline's stages, in the order `rplpipe run` does them. */
export const kJobStages = ["split", "lfp", "highpass", "parallel", "sort"] as const;
export type JobStage = (typeof kJobStages)[number];

/**
 * One job. split/lfp/highpass: a session's channel; parallel: a session (channel null); sort: a channel of the
 * whole day (session null).
 */
export interface JobKey {
  stage: JobStage;
  /** Session directory name, e.g. "session01"; null for day-level jobs (sort). */
  session: string | null;
  /** Electrode id; null for session-level jobs (parallel). */
  channel: number | null;
}

function checkSession(name: string, v: unknown): string {
  // A directory name: never a path, never empty, never "." or "..".
  if (typeof v !== "string" || v.length === 0 || v === "." || v === ".." || /[/\\\0]/.test(v))
    throw invalidOption(name, "a session directory name (e.g. \"session01\")", v, typeof v === "string");
  return v;
}

function checkChannel(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535)
    throw invalidOption(name, "an electrode id (integer between 0 and 65535)", v, typeof v === "number");
  return v;
}

/**
 * Checks a key and returns a clean copy (only the three fields).
 * @throws {TypeError|RangeError} naming the bad field: an unknown stage, a session on a sort job, a channel on a
 *   parallel job, a missing session or channel elsewhere.
 */
export function checkJobKey(name: string, k: unknown): JobKey {
  if (!isPlainObject(k)) throw invalidOption(name, "a job key {stage, session, channel}", k);
  const stage = checkOneOf(`${name}.stage`, k.stage, kJobStages);
  if (stage === "sort") {
    if (k.session !== null) throw invalidOption(`${name}.session`, "null (sort jobs belong to the day)", k.session, true);
    return { stage, session: null, channel: checkChannel(`${name}.channel`, k.channel) };
  }
  const session = checkSession(`${name}.session`, k.session);
  if (stage === "parallel") {
    if (k.channel !== null) throw invalidOption(`${name}.channel`, "null (parallel jobs belong to the session)", k.channel, true);
    return { stage, session, channel: null };
  }
  return { stage, session, channel: checkChannel(`${name}.channel`, k.channel) };
}

/** Text form for maps and messages: `split/session01/9`, `parallel/session01/-`, `sort/-/9`. */
export function keyText(k: JobKey): string {
  return `${k.stage}/${k.session ?? "-"}/${k.channel ?? "-"}`;
}

/**
 * File name (without extension) of the key's record and lease: `split.session01.009`, `parallel.session01.-`,
 * `sort.-.009`. Injective: the stage and the channel hold no dot, the session is URI-encoded (no "/").
 */
export function keyFileName(k: JobKey): string {
  const session = k.session === null ? "-" : encodeURIComponent(k.session);
  const channel = k.channel === null ? "-" : String(k.channel).padStart(3, "0");
  return `${k.stage}.${session}.${channel}`;
}

/** True when both name the same job. */
export function sameKey(a: JobKey, b: JobKey): boolean {
  return a.stage === b.stage && a.session === b.session && a.channel === b.channel;
}
