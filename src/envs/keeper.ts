/**
 * Lease keeper for `rplpipe envs acquire` / `envlist`: that command prints a slot name and exits, while the
 * shell script that called it (the lease's holder pid) goes on using the environment, possibly for hours. Other
 * hosts can only see that the holder is alive through the lease heartbeat, so this small detached process
 * refreshes the lease for the holder, and gives the slot back as soon as the holder process is gone (a job that
 * crashed before its `envlist NAME`). It exits when the lease is released or taken over.
 *
 * Run as: node keeper.js '<KeeperArgs as JSON>' (see spawnKeeper).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { holderProcessAlive, type Holder } from "./host.js";
import { openSlotPool, type SlotPoolOptions } from "./slot-pool.js";

export interface KeeperArgs {
  dir: string;
  name: string;
  holder: Pick<Holder, "pid" | "pidStart" | "token">;
  pool: SlotPoolOptions;
  /** After a stop signal, how long to wait for the holder to end too, ms (default 10 000). */
  termWaitMs?: number;
}

/** How long a signalled keeper waits for its holder to die too (Slurm gives 30 s between SIGTERM and SIGKILL). */
const kTermWaitMs = 10_000;

/**
 * Keeps `args.name` alive until released, taken over, or its holder process ends; then returns. `signal`
 * (set when the keeper is told to stop, e.g. by scancel, which signals every process of the job) makes it
 * wait up to 10 s for the holder to end as well, release if it did, and otherwise stop without releasing:
 * a keeper killed alone must not free a slot still in use.
 */
export async function keepLease(
  args: KeeperArgs,
  signal: { stopping: boolean } = { stopping: false },
): Promise<"released" | "holder-gone" | "stopped"> {
  const pool = openSlotPool(args.dir, args.pool);
  const beat = args.pool.heartbeatMs ?? 10_000;
  // Look more often than we beat: a dead holder's slot should come back promptly, and a released lease
  // should not leave its keeper behind. A look is one small read; a beat also sets the mtime.
  const tick = Math.min(beat, 1000);
  let sinceBeat = 0;
  let stopAt = Infinity;
  for (;;) {
    if (!holderProcessAlive({ pid: args.holder.pid, pidStart: args.holder.pidStart })) {
      await pool.releaseToken(args.name, args.holder.token);
      return "holder-gone";
    }
    if (signal.stopping && stopAt === Infinity) stopAt = Date.now() + (args.termWaitMs ?? kTermWaitMs);
    if (Date.now() >= stopAt) return "stopped";
    try {
      if (sinceBeat <= 0) {
        if (!pool.heartbeat(args.name, args.holder.token)) return "released";
        sinceBeat = beat;
      } else if (!pool.holds(args.name, args.holder.token)) {
        return "released";
      }
    } catch {
      /* transient I/O error: retry at the next tick */
    }
    const wait = signal.stopping ? Math.min(tick, 200) : tick;
    await new Promise((r) => setTimeout(r, wait));
    sinceBeat -= wait;
  }
}

/**
 * Starts a detached keeper for a lease just taken on behalf of another process. Returns false (and starts
 * nothing) when the compiled keeper is not available, e.g. when running from TypeScript sources.
 */
export function spawnKeeper(args: KeeperArgs): boolean {
  const script = fileURLToPath(new URL("./keeper.js", import.meta.url));
  if (!existsSync(script)) return false;
  const child = spawn(process.execPath, [script, JSON.stringify(args)], {
    detached: true, // own session: a Ctrl-C meant for the foreground job does not stop the keeper
    stdio: "ignore",
    env: process.env,
  });
  child.unref();
  return true;
}

const invoked = process.argv[1] ? process.argv[1] : "";
if (invoked === fileURLToPath(import.meta.url) && process.argv[2]) {
  const signal = { stopping: false };
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => (signal.stopping = true));
  keepLease(JSON.parse(process.argv[2]) as KeeperArgs, signal).then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
