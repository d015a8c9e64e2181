/**
 * Public types of the slot pool (see slot-pool.ts) and the validation of what callers pass in.
 */
import { checkInteger, checkKnownKeys, checkNumber, checkString, isPlainObject } from "../validate.js";
import type { Holder } from "./host.js";
import { checkSlotName, type SlotInfo } from "./pool-state.js";

export interface SlotPoolOptions {
  /** How often a holder refreshes its lease, ms (default 10 000). */
  heartbeatMs?: number;
  /** A lease of ANOTHER host whose heartbeat is older than this is reclaimed, ms (default 120 000). */
  heartbeatTimeoutMs?: number;
  /** A pool mutex older than this is presumed abandoned, ms (default 30 000). */
  mutexStaleMs?: number;
  /** Give up waiting for the pool mutex after this long, ms (default 120 000). */
  mutexTimeoutMs?: number;
  /** Where slot scratch directories live (default `<pool>/scratch`); a node-local disk is faster. */
  scratchRoot?: string;
}

/** An environment prefix plus its own scratch directory (created). `prefix` is "" when not resolved. */
export interface Slot {
  name: string;
  prefix: string;
  scratch: string;
}

export interface AcquireOptions {
  /** Wait at most this long for a free slot, ms (default Infinity; 0 = one attempt). */
  timeoutMs?: number;
  /** Retry interval while all slots are held, ms (default 1000, jittered). */
  pollMs?: number;
  /** The process whose life the lease follows (default this process; the CLI uses its calling shell). */
  holderPid?: number;
  /** Refresh the lease from this process every heartbeatMs (default true). */
  heartbeat?: boolean;
  /** Release on process exit and on SIGINT/SIGTERM/SIGHUP (default true). */
  releaseOnExit?: boolean;
  /** Resolve a conda env name to its prefix (default true; false leaves `prefix` "" for unresolved slots). */
  resolvePrefix?: boolean;
  /** Called once if the lease is found reclaimed by someone else (this holder stalled past the timeout). */
  onLost?: (slot: Slot) => void;
}

/** A held slot. */
export interface Lease {
  readonly slot: Slot;
  readonly holder: Holder;
  /** True once the heartbeat found the lease taken over (this process stalled past the reclaim timeout). */
  readonly lost: boolean;
  /** Gives the slot back (idempotent: later calls return the first call's promise). */
  release(): Promise<void>;
}

export interface SlotStatus {
  name: string;
  prefix: string | null;
  state: "free" | "held";
  /** Place in the free order (0 = next to be handed out among free slots; held slots keep theirs). */
  position: number;
  holder: (Omit<Holder, "token"> & { heartbeatAt: string; heartbeatAgeMs: number }) | null;
}

export type InitSpec = { slots: SlotInfo[] } | { prefix: string; count: number };

export interface SlotPool {
  readonly dir: string;
  /**
   * Creates the pool or resets its slot list (`merge`: adds/updates slots, keeping the others). Leases on
   * slots that stay are kept. Resolves to the slot names and those still held.
   * @throws TypeError/RangeError for bad names, a count outside 1..10000, duplicate names.
   */
  init(spec: InitSpec, opts?: { merge?: boolean }): Promise<{ slots: string[]; held: string[] }>;
  /**
   * Takes the least recently released free slot, reclaiming abandoned leases first; waits while all are held.
   * @throws RplpipeError ERR_NO_SLOT after timeoutMs, ERR_NO_POOL, ERR_ENV_UNRESOLVED (conda name unknown).
   */
  acquire(opts?: AcquireOptions): Promise<Lease>;
  /**
   * Releases slot `name` whoever holds it (the envlist.py `envlist NAME` form). Resolves to whether it was held.
   * @throws RplpipeError ERR_NO_SUCH_SLOT when the pool has no such slot and no lease of that name exists.
   */
  release(name: string): Promise<{ wasHeld: boolean; inPool: boolean }>;
  /** Every slot in free order, after reclaiming abandoned leases. @throws RplpipeError ERR_NO_POOL. */
  status(): Promise<SlotStatus[]>;
  /** Heartbeat for a lease held on another process's behalf (the CLI keeper); false once it is not ours. */
  heartbeat(name: string, token: string): boolean;
  /** True while the lease of `name` carries `token` (read only; no heartbeat). */
  holds(name: string, token: string): boolean;
  /** Releases `name` only if its lease still carries `token`. Resolves to whether it was removed. */
  releaseToken(name: string, token: string): Promise<boolean>;
}

/** Validated slot list of an init spec. @throws TypeError/RangeError. */
export function checkSpec(spec: InitSpec): SlotInfo[] {
  if (!isPlainObject(spec)) throw new TypeError("Expected an object for spec");
  let slots: SlotInfo[];
  if ("slots" in spec) {
    if (!Array.isArray(spec.slots)) throw new TypeError("Expected an array for spec.slots");
    checkInteger("spec.slots.length", spec.slots.length, 1, 10_000);
    slots = spec.slots.map((s, i) => ({
      name: checkSlotName(`spec.slots[${i}].name`, s.name),
      prefix: s.prefix === null ? null : checkString(`spec.slots[${i}].prefix`, s.prefix),
    }));
  } else {
    checkString("spec.prefix", spec.prefix);
    const count = checkInteger("spec.count", spec.count, 1, 10_000);
    slots = Array.from({ length: count }, (_, i) => ({ name: checkSlotName("spec.prefix", `${spec.prefix}${i}`), prefix: null }));
  }
  const seen = new Set<string>();
  for (const s of slots) {
    if (seen.has(s.name)) throw new RangeError(`Duplicate slot name "${s.name}" in spec`);
    seen.add(s.name);
  }
  return slots;
}

/** @throws TypeError/RangeError for bad acquire options. */
export function checkAcquireOptions(o: AcquireOptions): void {
  if (!isPlainObject(o)) throw new TypeError("Expected an object for options");
  checkKnownKeys("options", o, ["timeoutMs", "pollMs", "holderPid", "heartbeat", "releaseOnExit", "resolvePrefix", "onLost"]);
  if (o.timeoutMs !== undefined) checkNumber("options.timeoutMs", o.timeoutMs, 0, Infinity);
  if (o.pollMs !== undefined) checkNumber("options.pollMs", o.pollMs, 1, 3_600_000);
  if (o.holderPid !== undefined) checkInteger("options.holderPid", o.holderPid, 1, 2 ** 31 - 1);
}

/** @throws TypeError/RangeError for bad pool options. */
export function checkPoolOptions(opts: SlotPoolOptions): void {
  if (!isPlainObject(opts)) throw new TypeError("Expected an object for options");
  checkKnownKeys("options", opts, ["heartbeatMs", "heartbeatTimeoutMs", "mutexStaleMs", "mutexTimeoutMs", "scratchRoot"]);
  for (const k of ["heartbeatMs", "heartbeatTimeoutMs", "mutexStaleMs", "mutexTimeoutMs"] as const)
    if (opts[k] !== undefined) checkNumber(`options.${k}`, opts[k], 1, 86_400_000);
  if (opts.scratchRoot !== undefined) checkString("options.scratchRoot", opts.scratchRoot);
}
