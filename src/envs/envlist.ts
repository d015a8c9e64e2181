/**
 * PyHipp envlist.py compatibility (spec pyhipp.md §5.1). Its three calling forms, with the same stdout:
 *   envlist              acquire: print one environment name (envlist.py: `clist.pop(0)`)
 *   envlist NAME         release NAME (envlist.py: `clist.append(NAME)`); prints nothing
 *   envlist PREFIX N     reset the pool to PREFIX0 … PREFIX{N-1}; prints nothing
 * Differences, all on purpose: acquire waits for a free slot instead of dying with IndexError on an empty list
 * (a job script would then `conda activate ""`), a crashed job's slot comes back by itself, and releasing a
 * name twice does not put it in the list twice.
 */
import { RplpipeError } from "../errors.js";
import { checkInteger } from "../validate.js";
import { pidAlive } from "./host.js";
import { spawnKeeper } from "./keeper.js";
import { checkSlotName } from "./pool-state.js";
import type { SlotPool, SlotPoolOptions } from "./slot-pool.js";

export type EnvlistForm =
  | { kind: "acquire" }
  | { kind: "release"; name: string }
  | { kind: "reset"; prefix: string; count: number };

/**
 * The envlist.py form of a positional argument list.
 * @throws TypeError/RangeError for more than two arguments, a bad name or a count that is not 1..10000.
 */
export function parseEnvlistArgs(args: string[]): EnvlistForm {
  if (args.length === 0) return { kind: "acquire" };
  if (args.length === 1) return { kind: "release", name: checkSlotName("NAME", args[0]) };
  if (args.length === 2) {
    const count = Number(args[1]);
    checkInteger("COUNT", Number.isNaN(count) ? args[1] : count, 1, 10_000);
    checkSlotName("PREFIX", `${args[0]}0`);
    return { kind: "reset", prefix: args[0]!, count };
  }
  throw new TypeError("Expected at most 2 arguments: envlist [NAME | PREFIX COUNT]");
}

export interface CallerAcquireOptions {
  /** The process the lease follows (default: our parent, i.e. the shell that ran the command). */
  holderPid?: number;
  timeoutMs?: number;
  pollMs?: number;
  /** Options the keeper opens the pool with (heartbeat interval, timeouts, scratch root). */
  poolOptions?: SlotPoolOptions;
}

/**
 * Acquires a slot on behalf of the calling shell, which goes on using it after this process exits: the lease
 * follows `holderPid` (same host) and a detached keeper heartbeats it for other hosts (see keeper.ts).
 * Resolves to the slot name and whether a keeper runs (false only when running from TypeScript sources).
 * @throws RplpipeError ERR_NO_SLOT after timeoutMs; ERR_NO_POOL; RangeError for a holder pid that is not alive.
 */
export async function acquireForCaller(
  pool: SlotPool,
  o: CallerAcquireOptions = {},
): Promise<{ name: string; keeper: boolean }> {
  const pid = o.holderPid ?? process.ppid;
  if (!pidAlive(pid))
    throw new RangeError(`Expected a running process for the holder pid but received ${pid}`);
  const lease = await pool.acquire({
    holderPid: pid,
    timeoutMs: o.timeoutMs,
    pollMs: o.pollMs,
    heartbeat: false,
    releaseOnExit: false,
    resolvePrefix: false,
  });
  const keeper = spawnKeeper({
    dir: pool.dir,
    name: lease.slot.name,
    holder: { pid, pidStart: lease.holder.pidStart, token: lease.holder.token },
    pool: o.poolOptions ?? {},
  });
  return { name: lease.slot.name, keeper };
}

/**
 * Runs one envlist form against `pool`; resolves to what envlist.py would print (the name and a newline for
 * acquire, nothing otherwise) and notes for stderr.
 * @throws RplpipeError ERR_NO_SUCH_SLOT (release of a name the pool never had), ERR_NO_SLOT, ERR_NO_POOL.
 */
export async function runEnvlist(
  pool: SlotPool,
  form: EnvlistForm,
  o: CallerAcquireOptions = {},
): Promise<{ stdout: string; notes: string[] }> {
  switch (form.kind) {
    case "acquire": {
      const r = await acquireForCaller(pool, o);
      const notes = r.keeper ? [] : ["no lease keeper (running from sources): other hosts see no heartbeat"];
      return { stdout: `${r.name}\n`, notes };
    }
    case "release": {
      const r = await pool.release(form.name);
      const notes: string[] = [];
      if (!r.wasHeld) notes.push(`slot "${form.name}" was not held; nothing to release`);
      if (!r.inPool) notes.push(`"${form.name}" is no longer a slot of this pool (reset since it was taken)`);
      return { stdout: "", notes };
    }
    case "reset": {
      const r = await pool.init({ prefix: form.prefix, count: form.count });
      const notes = r.held.length ? [`still held, returned when released: ${r.held.join(" ")}`] : [];
      return { stdout: "", notes };
    }
    default:
      throw new RplpipeError("ERR_INTERNAL", "unknown envlist form");
  }
}
