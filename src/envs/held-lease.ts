/**
 * A held slot inside the holding process: heartbeat timer, idempotent release, release at process end.
 */
import { trackForExit, untrackForExit } from "./exit-release.js";
import type { Holder } from "./host.js";
import type { AcquireOptions, Lease, Slot } from "./slot-pool-api.js";

/** What a lease needs from its pool. */
export interface LeaseOwner {
  readonly heartbeatMs: number;
  heartbeat(name: string, token: string): boolean;
  releaseToken(name: string, token: string): Promise<boolean>;
  releaseTokenSync(name: string, token: string): void;
}

/**
 * The {@link Lease} the pool hands out. Its heartbeat timer is unref'd (it never keeps a process alive); a
 * heartbeat that finds the lease no longer ours marks it `lost` and calls `onLost` once.
 */
export class HeldLease implements Lease {
  lost = false;
  private done: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: LeaseOwner,
    readonly slot: Slot,
    readonly holder: Holder,
    opts: AcquireOptions,
  ) {
    if (opts.heartbeat ?? true) {
      this.timer = setInterval(() => {
        let ok = true;
        try {
          ok = pool.heartbeat(slot.name, holder.token);
        } catch {
          return; // a transient I/O error (NFS hiccup): try again next beat
        }
        if (ok) return;
        this.lost = true;
        this.stop();
        opts.onLost?.(slot);
      }, pool.heartbeatMs);
      this.timer.unref();
    }
    if (opts.releaseOnExit ?? true) trackForExit(this);
  }

  release(): Promise<void> {
    this.done ??= (async () => {
      this.stop();
      untrackForExit(this);
      if (!this.lost) await this.pool.releaseToken(this.slot.name, this.holder.token);
    })();
    return this.done;
  }

  releaseSync(): void {
    if (this.done) return;
    this.done = Promise.resolve();
    this.stop();
    if (!this.lost) this.pool.releaseTokenSync(this.slot.name, this.holder.token);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

