/**
 * Sorting tests' access to a sorter environment, and a stand-in slot pool with the shape src/envs provides
 * (`acquire() → Lease {slot: {name, prefix, scratch}, release()}`): fixed slots, FIFO waiting, and counters so
 * tests can check every lease was released.
 *
 * The sorter environment is RPLPIPE_SORTER_PREFIX, else <repo>/.venv-sort (made by
 * `python3 -m venv .venv-sort && .venv-sort/bin/pip install -r src/envs/sorter-requirements.txt`). Without it
 * the sorter tests skip loudly; in CI (CI=true) they fail.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "./reference.js";
import type { Slot } from "../../src/envs/slot-pool.js";
import type { LeaseLike as Lease, SlotPoolLike } from "../../src/sort/sort-channel.js";

export function sorterPrefix(what: string): string | undefined {
  const prefix = resolve(process.env.RPLPIPE_SORTER_PREFIX ?? join(repoRoot, ".venv-sort"));
  if (existsSync(join(prefix, "bin", "python"))) return prefix;
  const msg = `${what}: no sorter environment at ${prefix} (set RPLPIPE_SORTER_PREFIX or make .venv-sort, docs/sorting.md)`;
  if (process.env.CI) throw new Error(`CI: ${msg}`);
  const bar = "!".repeat(Math.min(100, msg.length + 8));
  process.stderr.write(`\n${bar}\n!!! SKIPPED: ${msg}\n${bar}\n`);
  return undefined;
}

export class StandInPool implements SlotPoolLike {
  private free: Slot[];
  private waiting: ((slot: Slot) => void)[] = [];
  acquired = 0;
  released = 0;
  maxHeld = 0;

  constructor(slots: { name: string; prefix: string }[], scratchRoot: string) {
    this.free = slots.map((s) => {
      const scratch = join(scratchRoot, s.name);
      mkdirSync(scratch, { recursive: true });
      return { ...s, scratch };
    });
  }

  get held(): number {
    return this.acquired - this.released;
  }

  private lease(slot: Slot): Lease {
    this.acquired++;
    this.maxHeld = Math.max(this.maxHeld, this.held);
    let done = false;
    return {
      slot,
      release: () => {
        if (done) return;
        done = true;
        this.released++;
        const next = this.waiting.shift();
        if (next) next(slot);
        else this.free.push(slot);
      },
    };
  }

  acquire(): Promise<Lease> {
    const slot = this.free.shift();
    if (slot) return Promise.resolve(this.lease(slot));
    return new Promise((resolveLease) => this.waiting.push((s) => resolveLease(this.lease(s))));
  }
}
