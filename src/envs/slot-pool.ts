/**
 * The crash-safe environment slot pool: N environment prefixes (conda envs or venvs) shared by all jobs on all
 * nodes through one directory, each held by at most one process at a time. Replaces PyHipp's envlist.py, whose
 * list lost an environment for good whenever a job died between taking and returning it.
 * See docs/envs.md for the protocol; files: pool-state.ts (layout), lease-lock.ts (NFS-safe primitives),
 * pool-mutex.ts, host.ts (holder identity and liveness), exit-release.ts.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RplpipeError } from "../errors.js";
import { checkString } from "../validate.js";
import { resolveCondaEnv } from "./conda.js";
import { HeldLease, type LeaseOwner } from "./held-lease.js";
import { leaseAbandoned, makeHolder, parseHolder, type Holder } from "./host.js";
import { jitter, linkCreate, readSnapshot, removeIf, sleep, touchIfToken, type FileSnapshot } from "./lease-lock.js";
import { PoolMutex, withMutex, withMutexSync } from "./pool-mutex.js";
import * as S from "./pool-state.js";
import type { SlotInfo } from "./pool-state.js";
import {
  checkAcquireOptions,
  checkPoolOptions,
  checkSpec,
  type AcquireOptions,
  type InitSpec,
  type Lease,
  type Slot,
  type SlotPool,
  type SlotPoolOptions,
  type SlotStatus,
} from "./slot-pool-api.js";

export type { SlotInfo } from "./pool-state.js";
export type { Holder } from "./host.js";
export type { AcquireOptions, InitSpec, Lease, Slot, SlotPool, SlotPoolOptions, SlotStatus } from "./slot-pool-api.js";

const tokenOf = (text: string): string | null => parseHolder(text)?.token ?? null;

class PoolImpl implements SlotPool, LeaseOwner {
  readonly dir: string;
  readonly p: S.PoolPaths;
  readonly o: Required<Omit<SlotPoolOptions, "scratchRoot">>;
  readonly mutex: PoolMutex;
  readonly heartbeatMs: number;

  constructor(dir: string, opts: SlotPoolOptions) {
    this.p = S.poolPaths(dir, opts.scratchRoot);
    this.dir = this.p.dir;
    this.o = {
      heartbeatMs: opts.heartbeatMs ?? 10_000,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 120_000,
      mutexStaleMs: opts.mutexStaleMs ?? 30_000,
      mutexTimeoutMs: opts.mutexTimeoutMs ?? 120_000,
    };
    this.heartbeatMs = this.o.heartbeatMs;
    this.mutex = new PoolMutex(this.p.mutexFile, this.p.tmpDir, {
      staleMs: this.o.mutexStaleMs,
      timeoutMs: this.o.mutexTimeoutMs,
    });
  }

  async init(spec: InitSpec, opts: { merge?: boolean } = {}): Promise<{ slots: string[]; held: string[] }> {
    const slots = checkSpec(spec);
    S.makePoolDirs(this.p);
    return withMutex(this.mutex, () => {
      const old = S.isPool(this.dir) ? S.readState(this.p) : null;
      let st: S.PoolState = { format: S.kPoolFormat, version: 1, slots, order: slots.map((s) => s.name) };
      if (opts.merge && old) {
        const merged = old.slots.map((s) => slots.find((n) => n.name === s.name) ?? s);
        for (const s of slots) if (!merged.some((m) => m.name === s.name)) merged.push(s);
        st = { ...st, slots: merged, order: [...old.order, ...slots.map((s) => s.name)] };
        st = { ...st, order: [...new Set(st.order)] };
      }
      S.writeState(this.p, st);
      const held = st.slots.map((s) => s.name).filter((n) => readSnapshot(S.leasePath(this.p, n)) !== null);
      return { slots: st.slots.map((s) => s.name), held };
    });
  }

  async acquire(opts: AcquireOptions = {}): Promise<Lease> {
    checkAcquireOptions(opts);
    const timeoutMs = opts.timeoutMs ?? Infinity;
    const deadline = Date.now() + timeoutMs;
    const holder = makeHolder(opts.holderPid ?? process.pid);
    this.requirePool();
    for (;;) {
      const got = await withMutex(this.mutex, (mh) => this.takeFirstFree(holder, mh));
      if (got) {
        try {
          const slot = this.slotOf(got, opts.resolvePrefix ?? true);
          return new HeldLease(this, slot, holder, opts);
        } catch (e) {
          await this.releaseToken(got.name, holder.token);
          throw e;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new RplpipeError("ERR_NO_SLOT", `no free environment slot in ${this.dir} within ${timeoutMs} ms`);
      }
      await sleep(Math.min(jitter(opts.pollMs ?? 1000), left));
    }
  }

  async release(name: string): Promise<{ wasHeld: boolean; inPool: boolean }> {
    S.checkSlotName("slot name", name);
    this.requirePool();
    return withMutex(this.mutex, (mh) => {
      const st = S.readState(this.p);
      const inPool = st.slots.some((s) => s.name === name);
      const lp = S.leasePath(this.p, name);
      const snap = readSnapshot(lp);
      if (!inPool && snap === null)
        throw new RplpipeError("ERR_NO_SUCH_SLOT", `the pool in ${this.dir} has no slot "${name}"`);
      const wasHeld = snap !== null && removeIf(lp, (s) => s.ino === snap.ino && s.text === snap.text, this.p.tmpDir);
      if (wasHeld && inPool) this.commitMove(st, [name], mh);
      return { wasHeld, inPool };
    });
  }

  async status(): Promise<SlotStatus[]> {
    this.requirePool();
    return withMutex(this.mutex, (mh) => {
      const st = S.readState(this.p);
      this.commitMove(st, this.reclaim(st), mh);
      const now = Date.now();
      let free = 0;
      return st.order.map((name, i): SlotStatus => {
        const snap = readSnapshot(S.leasePath(this.p, name));
        const h = snap ? parseHolder(snap.text) : null;
        const prefix = st.slots.find((s) => s.name === name)?.prefix ?? null;
        if (snap === null) return { name, prefix, state: "free", position: free++, holder: null };
        const { token: _t, ...who } = h ?? { host: "?", pid: 0, pidStart: null, slurmJobId: null, startedAt: "", token: "" };
        const holder = { ...who, heartbeatAt: new Date(snap.mtimeMs).toISOString(), heartbeatAgeMs: now - snap.mtimeMs };
        return { name, prefix, state: "held", position: i, holder };
      });
    });
  }

  holds(name: string, token: string): boolean {
    const snap = readSnapshot(S.leasePath(this.p, name));
    return snap !== null && tokenOf(snap.text) === token;
  }

  /** Fails early and clearly (the mutex would fail with ENOENT on the missing tmp/ directory). */
  private requirePool(): void {
    if (!S.isPool(this.dir)) S.readState(this.p); // throws ERR_NO_POOL
  }

  heartbeat(name: string, token: string): boolean {
    return touchIfToken(S.leasePath(this.p, name), token, tokenOf);
  }

  async releaseToken(name: string, token: string): Promise<boolean> {
    try {
      return await withMutex(this.mutex, (mh) => this.removeToken(name, token, mh));
    } catch (e) {
      if ((e as RplpipeError).code !== "ERR_POOL_BUSY") throw e;
      // No mutex: still free the slot (exclusivity does not need the mutex), only its queue place is kept.
      return removeIf(S.leasePath(this.p, name), (s) => tokenOf(s.text) === token, this.p.tmpDir);
    }
  }

  /** Synchronous release for exit handlers: bounded mutex wait, then the lease alone. */
  releaseTokenSync(name: string, token: string): void {
    try {
      withMutexSync(this.mutex, 2000, (mh) => this.removeToken(name, token, mh));
    } catch {
      removeIf(S.leasePath(this.p, name), (s) => tokenOf(s.text) === token, this.p.tmpDir);
    }
  }

  private removeToken(name: string, token: string, mh: Holder): boolean {
    const removed = removeIf(S.leasePath(this.p, name), (s) => tokenOf(s.text) === token, this.p.tmpDir);
    if (removed && S.isPool(this.dir)) this.commitMove(S.readState(this.p), [name], mh);
    return removed;
  }

  /** Under the mutex: reclaim, then link a lease for the first free slot in order. */
  private takeFirstFree(holder: Holder, mh: Holder): SlotInfo | null {
    const st = S.readState(this.p);
    const reclaimed = this.reclaim(st);
    for (const n of reclaimed) S.moveToEnd(st, n);
    let got: SlotInfo | null = null;
    for (const name of st.order) {
      const lp = S.leasePath(this.p, name);
      if (readSnapshot(lp) !== null) continue;
      if (linkCreate(lp, JSON.stringify(holder), this.p.tmpDir)) {
        got = st.slots.find((s) => s.name === name) ?? null;
        break;
      }
    }
    if (reclaimed.length > 0 && this.mutex.stillHeld(mh)) S.writeState(this.p, st);
    return got;
  }

  /** Removes abandoned leases of pool slots; returns their names (not yet moved in `st`). */
  private reclaim(st: S.PoolState): string[] {
    const out: string[] = [];
    const now = Date.now();
    for (const name of st.order) {
      const lp = S.leasePath(this.p, name);
      const snap = readSnapshot(lp);
      if (snap === null || !this.isStale(snap, now)) continue;
      if (removeIf(lp, (s) => s.ino === snap.ino && s.text === snap.text, this.p.tmpDir)) out.push(name);
    }
    return out;
  }

  /** Same host: the holder process is gone. Other host: no heartbeat for heartbeatTimeoutMs. */
  private isStale(snap: FileSnapshot, now: number): boolean {
    return leaseAbandoned(snap, this.o.heartbeatTimeoutMs, now);
  }

  private commitMove(st: S.PoolState, names: string[], mh: Holder): void {
    if (names.length === 0) return;
    for (const n of names) S.moveToEnd(st, n);
    // A mutex broken under us (we stalled past mutexStaleMs) means someone else may be writing: keep theirs.
    if (this.mutex.stillHeld(mh)) S.writeState(this.p, st);
  }

  slotOf(info: SlotInfo, resolve: boolean): Slot {
    const scratch = join(this.p.scratchRoot, info.name);
    mkdirSync(scratch, { recursive: true });
    // Temp files a crashed holder left (a killed MountainSort leaves a whole-channel HDF5 copy) are ours to
    // drop now that we hold the slot alone. ml-db (MountainLab's database) is kept: it is a cache.
    for (const d of ["tmp", "ml-tmp"]) {
      try {
        rmSync(join(scratch, d), { recursive: true, force: true });
      } catch {
        /* e.g. an NFS silly-renamed file still open somewhere: harmless, runInSlot recreates what it needs */
      }
    }
    const prefix = info.prefix ?? (resolve ? resolveCondaEnv(info.name) : "");
    return { name: info.name, prefix, scratch };
  }
}

/**
 * Opens the pool in `dir` (nothing is read until the first call; create it with {@link SlotPool.init}).
 * @throws TypeError/RangeError for bad options.
 */
export function openSlotPool(dir: string, opts: SlotPoolOptions = {}): SlotPool {
  checkString("dir", dir);
  checkPoolOptions(opts);
  return new PoolImpl(dir, opts);
}
