/**
 * The pool mutex: a short critical section around every change of the pool state (queue order, reclaim,
 * init). It is a file created with {@link linkCreate} carrying a holder record. A holder normally keeps it for
 * a few milliseconds; a mutex whose holder is gone (same host: dead pid) or that is older than `staleMs` (any
 * host; the holder crashed or hangs) is broken with {@link removeIf}, so two breakers cannot both break it and a
 * breaker never removes a fresh mutex taken in between.
 *
 * Slot exclusivity does not rest on this mutex: a lease is itself created with link(2), so even a wrongly broken
 * mutex cannot give one slot two holders; it can only disturb the FIFO order.
 */
import { RplpipeError } from "../errors.js";
import { holderProcessAlive, hostId, makeHolder, parseHolder, type Holder } from "./host.js";
import { jitter, linkCreate, readSnapshot, removeIf, sleep, sleepSync } from "./lease-lock.js";

export interface MutexOptions {
  /** Age after which a held mutex is presumed abandoned, ms. Must exceed any real critical section. */
  staleMs: number;
  /** Give up waiting after this long, ms. */
  timeoutMs: number;
}

export class PoolMutex {
  constructor(
    private readonly path: string,
    private readonly tmpDir: string,
    private readonly opts: MutexOptions,
  ) {}

  /** One attempt (breaking a stale mutex first if there is one); the holder record on success. */
  tryLock(): Holder | null {
    const me = makeHolder();
    const text = JSON.stringify(me);
    if (linkCreate(this.path, text, this.tmpDir)) return me;
    const snap = readSnapshot(this.path);
    if (snap === null) return linkCreate(this.path, text, this.tmpDir) ? me : null;
    const h = parseHolder(snap.text);
    const deadHere = h !== null && h.host === hostId() && !holderProcessAlive(h);
    if (!deadHere && Date.now() - snap.mtimeMs <= this.opts.staleMs) return null;
    removeIf(this.path, (s) => s.ino === snap.ino && s.text === snap.text, this.tmpDir);
    return linkCreate(this.path, text, this.tmpDir) ? me : null;
  }

  /**
   * Waits for the mutex.
   * @throws RplpipeError ERR_POOL_BUSY after `timeoutMs`.
   */
  async lock(): Promise<Holder> {
    const deadline = Date.now() + this.opts.timeoutMs;
    let wait = 2;
    for (;;) {
      const h = this.tryLock();
      if (h) return h;
      if (Date.now() >= deadline) throw this.busy();
      await sleep(jitter(wait));
      wait = Math.min(wait * 2, 50);
    }
  }

  /**
   * Synchronous {@link lock} for process-exit handlers, bounded by `timeoutMs`.
   * @throws RplpipeError ERR_POOL_BUSY after `timeoutMs`.
   */
  lockSync(timeoutMs: number): Holder {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = this.tryLock();
      if (h) return h;
      if (Date.now() >= deadline) throw this.busy();
      sleepSync(jitter(5));
    }
  }

  /** True while the mutex file is still the one `h` created (false if it was broken as stale). */
  stillHeld(h: Holder): boolean {
    const snap = readSnapshot(this.path);
    return snap !== null && parseHolder(snap.text)?.token === h.token;
  }

  /** Releases the mutex if it is still ours. */
  unlock(h: Holder): void {
    removeIf(this.path, (s) => parseHolder(s.text)?.token === h.token, this.tmpDir);
  }

  private busy(): RplpipeError {
    return new RplpipeError(
      "ERR_POOL_BUSY",
      `could not take the environment pool mutex ${this.path} within ${this.opts.timeoutMs} ms`,
    );
  }
}

/** Runs `fn` holding the mutex; `fn` gets the holder record to check {@link PoolMutex.stillHeld} before writing. */
export async function withMutex<T>(m: PoolMutex, fn: (h: Holder) => T): Promise<T> {
  const h = await m.lock();
  try {
    return fn(h);
  } finally {
    m.unlock(h);
  }
}

/** Synchronous {@link withMutex}, for process-exit handlers. */
export function withMutexSync<T>(m: PoolMutex, timeoutMs: number, fn: (h: Holder) => T): T {
  const h = m.lockSync(timeoutMs);
  try {
    return fn(h);
  } finally {
    m.unlock(h);
  }
}
