/**
 * The pool directory layout and its one state file. Layout (all on one shared file system, so link/rename
 * are atomic between its parts):
 *   pool.json          slots (name + prefix, or null for a conda env resolved by name) and the free order
 *   leases/NAME.json   present while NAME is held; the holder record; its mtime is the last heartbeat
 *   mutex              present while someone changes pool.json
 *   tmp/               unique temp files for link()/rename() (never read by name)
 *   scratch/NAME/      per-slot scratch (TMPDIR, MountainLab temp and database) unless a scratch root is given
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { invalidOption, RplpipeError } from "../errors.js";
import { readSnapshot, writeAtomic } from "./lease-lock.js";

export const kPoolFormat = "rplpipe-env-pool";

/** One slot as configured: a name and the environment prefix (null: a conda env name, resolved when used). */
export interface SlotInfo {
  name: string;
  prefix: string | null;
}

export interface PoolState {
  format: typeof kPoolFormat;
  version: 1;
  slots: SlotInfo[];
  /** Every slot name once, least recently released first: acquire takes the first free one. */
  order: string[];
}

export interface PoolPaths {
  dir: string;
  stateFile: string;
  leasesDir: string;
  tmpDir: string;
  mutexFile: string;
  scratchRoot: string;
}

/** Paths of the pool in `dir`; `scratchRoot` defaults to `<dir>/scratch`. */
export function poolPaths(dir: string, scratchRoot?: string): PoolPaths {
  const d = resolve(dir);
  return {
    dir: d,
    stateFile: join(d, "pool.json"),
    leasesDir: join(d, "leases"),
    tmpDir: join(d, "tmp"),
    mutexFile: join(d, "mutex"),
    scratchRoot: resolve(scratchRoot ?? join(d, "scratch")),
  };
}

/** Creates the pool's directories (idempotent). */
export function makePoolDirs(p: PoolPaths): void {
  for (const d of [p.dir, p.leasesDir, p.tmpDir, p.scratchRoot]) mkdirSync(d, { recursive: true });
}

export function leasePath(p: PoolPaths, name: string): string {
  return join(p.leasesDir, `${name}.json`);
}

const kNameRe = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

/**
 * A slot name becomes a file name in every node's view of the pool, so it is restricted to a portable set.
 * @throws TypeError for a name outside [A-Za-z0-9][A-Za-z0-9._+-]{0,99}.
 */
export function checkSlotName(what: string, name: unknown): string {
  if (typeof name !== "string" || !kNameRe.test(name))
    throw invalidOption(what, "slot name of letters, digits, '.', '_', '+', '-' (not starting with a symbol)", name);
  return name;
}

/** True when `dir` holds an initialised pool. */
export function isPool(dir: string): boolean {
  return existsSync(poolPaths(dir).stateFile);
}

/**
 * Reads pool.json, repairing `order` so it lists every slot exactly once.
 * @throws RplpipeError ERR_NO_POOL when the pool was never initialised, ERR_POOL_CORRUPT for an unreadable file.
 */
export function readState(p: PoolPaths): PoolState {
  const snap = readSnapshot(p.stateFile);
  if (snap === null)
    throw new RplpipeError("ERR_NO_POOL", `no environment pool in ${p.dir} (create one with: rplpipe envs init)`);
  let v: Partial<PoolState>;
  try {
    v = JSON.parse(snap.text) as Partial<PoolState>;
  } catch (e) {
    throw new RplpipeError("ERR_POOL_CORRUPT", `${p.stateFile} is not JSON`, { cause: e });
  }
  if (v.format !== kPoolFormat || !Array.isArray(v.slots) || !Array.isArray(v.order))
    throw new RplpipeError("ERR_POOL_CORRUPT", `${p.stateFile} is not an rplpipe environment pool`);
  const slots = v.slots.filter((s): s is SlotInfo => typeof s?.name === "string" && kNameRe.test(s.name));
  const names = new Set(slots.map((s) => s.name));
  const order = [...new Set(v.order.filter((n) => names.has(n)))];
  for (const s of slots) if (!order.includes(s.name)) order.push(s.name);
  return { format: kPoolFormat, version: 1, slots, order };
}

/** Writes pool.json atomically. */
export function writeState(p: PoolPaths, s: PoolState): void {
  writeAtomic(p.stateFile, JSON.stringify(s, null, 1) + "\n", p.tmpDir);
}

/** Moves `name` to the end of the free order (it was just released or reclaimed). */
export function moveToEnd(s: PoolState, name: string): void {
  const i = s.order.indexOf(name);
  if (i < 0) return;
  s.order.splice(i, 1);
  s.order.push(name);
}
