/**
 * Who holds a slot: host identity, process liveness and the holder record written into a lease.
 * Same-host liveness is decided by the pid (exact, instant); other hosts only by the lease heartbeat, since a
 * pid means nothing across machines.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** What a lease (or the pool mutex) says about its holder. Written once when the file is created. */
export interface Holder {
  /** Host identity: RPLPIPE_HOST_ID, else os.hostname(). */
  host: string;
  /** The process whose life the lease follows (the library caller, or the shell that ran `envs acquire`). */
  pid: number;
  /** Linux start time of `pid` (clock ticks since boot, /proc/PID/stat field 22): tells a reused pid apart. */
  pidStart: string | null;
  /** SLURM_JOB_ID of the holder, when it runs under Slurm. */
  slurmJobId: string | null;
  /** ISO time the lease was taken. */
  startedAt: string;
  /** Random id of this holding; release and heartbeat act only on a lease that still carries it. */
  token: string;
}

/** This node's identity. RPLPIPE_HOST_ID overrides os.hostname() (tests use it to stand in for a second node). */
export function hostId(): string {
  const id = process.env.RPLPIPE_HOST_ID;
  return id && id.length > 0 ? id : hostname();
}

/** True while `pid` exists on this host. EPERM (a process of another user) still means it exists. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** State letter and start time of `pid` from /proc/PID/stat (Linux); null where /proc is absent or it is gone. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Fields are counted after the ")" that closes the command name (which may itself hold spaces or ")"):
    // fields[0] is field 3 (state), so field 22 (start time in clock ticks since boot) is fields[19].
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", start: fields[19] ?? "" };
  } catch {
    return null;
  }
}

/** Start time of `pid` (an opaque string, stable for the life of the process), or null when unknown. */
export function pidStartTime(pid: number): string | null {
  return procStat(pid)?.start || null;
}

/**
 * True when the process a holder names is still the same live process on this host: the pid exists, is not a
 * zombie (dead, not yet reaped by its parent: kill(pid, 0) still succeeds on it) and, when both start times are
 * known, is not a later process that reused the pid.
 */
export function holderProcessAlive(h: Pick<Holder, "pid" | "pidStart">): boolean {
  if (!pidAlive(h.pid)) return false;
  const now = procStat(h.pid);
  if (now === null) return true;
  if (now.state === "Z" || now.state === "X") return false;
  return h.pidStart === null || now.start === h.pidStart;
}

/**
 * The reclaim rule of every lease (slot pool, job ledger): a lease of this host is abandoned when its holder
 * process is gone ({@link holderProcessAlive}); a lease of another host (or one whose record cannot be read)
 * when its heartbeat, the file's mtime, is older than `timeoutMs`.
 */
export function leaseAbandoned(lease: { text: string; mtimeMs: number }, timeoutMs: number, now: number = Date.now()): boolean {
  const h = parseHolder(lease.text);
  if (h !== null && h.host === hostId()) return !holderProcessAlive(h);
  return now - lease.mtimeMs > timeoutMs;
}

/** A fresh holder record for `pid` (default: this process) on this host. */
export function makeHolder(pid: number = process.pid): Holder {
  return {
    host: hostId(),
    pid,
    pidStart: pidStartTime(pid),
    slurmJobId: process.env.SLURM_JOB_ID ?? null,
    startedAt: new Date().toISOString(),
    token: randomBytes(12).toString("hex"),
  };
}

/** A name unique across hosts and processes, for temporary files next to the ones we link or rename. */
export function uniqueName(tag: string): string {
  return `.${tag}.${hostId().replace(/[^A-Za-z0-9_-]/g, "_")}.${process.pid}.${randomBytes(6).toString("hex")}`;
}

/** Parses a holder record; null for anything that is not one (a lease is judged by its mtime alone then). */
export function parseHolder(text: string): Holder | null {
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    if (typeof v.host !== "string" || typeof v.pid !== "number" || typeof v.token !== "string") return null;
    return {
      host: v.host,
      pid: v.pid,
      pidStart: typeof v.pidStart === "string" ? v.pidStart : null,
      slurmJobId: typeof v.slurmJobId === "string" ? v.slurmJobId : null,
      startedAt: typeof v.startedAt === "string" ? v.startedAt : "",
      token: v.token,
    };
  } catch {
    return null;
  }
}
