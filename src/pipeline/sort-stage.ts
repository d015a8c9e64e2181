/**
 * The `sort` stage of `rplpipe run`: after every session's spike band is written, each day's channels are
 * sorted over all its sessions (src/sort), at most as many at once as the slot pool has free slots.
 *
 * Which sorter environment: `sort.prefix` (one environment, used as the only slot), else `sort.pool`, else
 * $RPLPIPE_ENV_POOL, else the nearest `.rplpipe/envs` pool at or above the day directory. With none, the stage
 * is skipped with a warning when it was only implied (all stages by default) and fails when asked for.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { openSlotPool } from "../envs/slot-pool.js";
import type { Slot } from "../envs/slot-pool.js";
import { sortDay } from "../sort/sort-day.js";
import type { SlotPoolLike, SortChannelResult } from "../sort/sort-channel.js";

export interface SortStageOptions {
  sorter?: "ms4" | "ms5";
  /** A slot pool directory (rplpipe envs init). */
  pool?: string;
  /** One sorter environment prefix (e.g. made by `rplpipe envs create-sorter`). */
  prefix?: string;
  /** Per channel; default none. */
  timeoutMs?: number;
  /** Channels sorted at once (they still wait for free slots); default 4 with a pool, 1 with a prefix. */
  jobs?: number;
}

/** The pool directory to use when none is given, or undefined. */
export function findPool(from: string): string | undefined {
  if (process.env.RPLPIPE_ENV_POOL) return resolve(process.env.RPLPIPE_ENV_POOL);
  for (let d = resolve(from); ; d = dirname(d)) {
    const cand = join(d, ".rplpipe", "envs");
    if (existsSync(join(cand, "pool.json"))) return cand;
    if (dirname(d) === d) return undefined;
  }
}

export interface SortStageResult {
  sorted: number;
  /** Channels skipped because `claim` refused them. */
  skipped: number[];
  failures: { electrodeId: number; code: string; message: string }[];
  bytes: number;
}

/** Per-channel hooks of the sort stage. */
export interface SortStageHooks {
  /**
   * Called just before a channel's sort starts (its ledger reservation); false skips the channel (another
   * process holds it or has sorted it). Not called for a stage that has no sorter environment.
   */
  claim?: (electrodeId: number) => boolean | Promise<boolean>;
  /** Each sorted or failed channel, as it ends. */
  onChannel?: (r: SortChannelResult) => void;
}

/**
 * Sorts `channels` (all the day's channel directories when undefined) of `day`.
 * @returns undefined when there is no sorter environment to use (nothing claimed then).
 */
export async function runSortStage(
  day: string,
  o: SortStageOptions,
  channels: number[] | undefined,
  hooks: SortStageHooks = {},
): Promise<SortStageResult | undefined> {
  let where: { pool: SlotPoolLike } | { slot: Slot };
  let scratch: string | undefined;
  if (o.prefix) {
    scratch = mkdtempSync(join(tmpdir(), "rplpipe-sort-"));
    where = { slot: { name: "prefix", prefix: resolve(o.prefix), scratch } };
  } else {
    const dir = o.pool ? resolve(o.pool) : findPool(day);
    if (!dir) return undefined;
    where = { pool: openSlotPool(dir) };
  }
  try {
    const s = await sortDay(day, {
      ...where,
      sorter: o.sorter ?? "ms4",
      ...(channels ? { channels } : {}),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.jobs ? { jobs: o.jobs } : {}),
      ...(hooks.claim ? { claim: hooks.claim } : {}),
      ...(hooks.onChannel ? { onChannel: hooks.onChannel } : {}),
    });
    return {
      sorted: s.channels.filter((c) => c.ok).length,
      failures: s.failures.map((f) => ({
        electrodeId: f.electrodeId,
        code: f.code,
        message: f.stderrTail ? `${f.message}; sorter stderr: ${f.stderrTail.split("\n").filter(Boolean).slice(-3).join(" | ")}` : f.message,
      })),
      skipped: s.skipped,
      bytes: 0,
    };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
