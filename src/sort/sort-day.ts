/**
 * Sorting every channel of a day (or the chosen ones): channels run side by side, each in its own sorter slot
 * (leased from the pool for the sorter run only). A failed channel is recorded and the others go on.
 */
import { resolve } from "node:path";
import { RplpipeError } from "../errors.js";
import { scanDay } from "../layout/discover.js";
import { checkInteger, checkKnownKeys, isPlainObject } from "../validate.js";
import { invalidOption } from "../errors.js";
import { isSortSession } from "./join.js";
import { sortChannel, type SortChannelOptions, type SortChannelResult, type SortError, type Sorter } from "./sort-channel.js";

export interface SortDayOptions extends Omit<SortChannelOptions, "dayDir" | "electrodeId"> {
  /** Electrode ids; default every channel directory found in the day's sessions. */
  channels?: readonly number[];
  /** Channels sorted at once (default 1 with a single slot, else 4); each holds a slot only while its sorter runs. */
  jobs?: number;
  /**
   * Called just before a channel is sorted; false skips it (e.g. another process holds its ledger job). May
   * wait (return a promise). Channels are claimed one at a time as sorting proceeds, not all at the start.
   */
  claim?: (electrodeId: number) => boolean | Promise<boolean>;
  onChannel?: (r: SortChannelResult) => void;
}

export interface SortDaySummary {
  dayDir: string;
  sorter: Sorter;
  channels: SortChannelResult[];
  failures: SortError[];
  /** Channels `claim` refused. */
  skipped: number[];
  seconds: number;
}

/**
 * Electrode ids with a channel directory in any of the day's sort sessions, ascending.
 * @throws {RplpipeError} from discovery (ERR_NOT_A_DIRECTORY, ERR_NOT_A_LEVEL)
 */
export function dayChannels(dayDir: string, sessions?: readonly string[]): number[] {
  const ids = new Set<number>();
  for (const s of scanDay(dayDir).sessions) {
    if (!isSortSession(s.name) || (sessions && !sessions.includes(s.name))) continue;
    for (const a of s.arrays) for (const c of a.channels) if (c.electrode !== undefined) ids.add(c.electrode);
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * Sorts and exports the channels of a day.
 * @throws {TypeError|RangeError} bad options
 * @throws {RplpipeError} ERR_NO_CHANNEL for a requested channel no session has (the message lists those that
 *   exist), ERR_NO_SESSION when no sort session holds a channel, discovery errors for a bad day directory
 */
export async function sortDay(dayDir: string, options: SortDayOptions): Promise<SortDaySummary> {
  const raw: unknown = options;
  if (!isPlainObject(raw)) throw invalidOption("options", "an options object", options);
  const { channels, jobs, claim, onChannel, ...channelOptions } = options;
  checkKnownKeys("options", raw, ["channels", "jobs", "claim", "onChannel", "sessions", "slot", "pool", "sorter", "timeoutMs", "exportCells", "keepDataset", "driverArgs"]);
  const day = resolve(dayDir);
  const t0 = performance.now();
  const present = dayChannels(day, options.sessions);
  if (present.length === 0) throw new RplpipeError("ERR_NO_SESSION", `no channel directories in the sessions of ${day}; run rplpipe run first`);
  const todo = channels ? [...channels] : present;
  const missing = todo.filter((c) => !present.includes(c));
  if (missing.length) throw new RplpipeError("ERR_NO_CHANNEL", `channel${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not found under ${day}; channels: ${present.join(", ")}`);
  const width = jobs === undefined ? (options.pool ? 4 : 1) : checkInteger("options.jobs", jobs, 1, 1024);
  const results: SortChannelResult[] = [];
  const skipped: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const electrodeId = todo[next++]!;
      if (claim && !(await claim(electrodeId))) {
        skipped.push(electrodeId);
        continue;
      }
      const r = await sortChannel({ ...channelOptions, dayDir: day, electrodeId });
      results.push(r);
      onChannel?.(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, todo.length) }, worker));
  results.sort((a, b) => a.electrodeId - b.electrodeId);
  return {
    dayDir: day,
    sorter: options.sorter ?? "ms4",
    channels: results,
    failures: results.flatMap((r) => (r.failure ? [r.failure] : [])),
    skipped: skipped.sort((a, b) => a - b),
    seconds: (performance.now() - t0) / 1000,
  };
}
