/**
 * One task of a day's sort array (`rplpipe job sort-task MANIFEST`): Slurm's SLURM_ARRAY_TASK_ID picks the
 * channel from the manifest; the channel is sorted as `rplpipe run DAY --stages sort --channels N` would,
 * reserving its ledger job, so a task rerun by hand or by a retry round never sorts a channel twice at once.
 */
import { RplpipeError } from "../errors.js";
import { runPipeline, type RunEvent, type RunSummary } from "../pipeline/run.js";
import type { SortStageOptions } from "../pipeline/sort-stage.js";
import { readManifest } from "./manifest.js";

export interface SortTaskOptions {
  /** Sorter environment for this task (the node-local pool with --from-pack); default the manifest's. */
  sortPool?: string;
  sortPrefix?: string;
  /** Default process.env.SLURM_ARRAY_TASK_ID. */
  taskId?: string;
  onEvent?: (e: RunEvent) => void;
}

/** @throws RplpipeError ERR_NO_TASK when the task id is missing or outside the array */
export async function runSortTask(manifestPath: string, o: SortTaskOptions = {}): Promise<{ channel: number; summary: RunSummary }> {
  const m = readManifest(manifestPath);
  const id = o.taskId ?? process.env.SLURM_ARRAY_TASK_ID;
  if (id === undefined || !/^\d+$/.test(id))
    throw new RplpipeError("ERR_NO_TASK", `SLURM_ARRAY_TASK_ID is ${id === undefined ? "not set" : `"${id}"`}: \`rplpipe job sort-task\` runs inside the array job rplpipe submit made (${manifestPath})`);
  const channel = m.sortChannels[Number(id)];
  if (channel === undefined) throw new RplpipeError("ERR_NO_TASK", `array task ${id} is outside ${manifestPath}'s ${m.sortChannels.length} channel(s)`);
  const sort: SortStageOptions = { sorter: m.options.sorter };
  const pool = o.sortPool ?? m.options.sortPool;
  const prefix = o.sortPrefix ?? (o.sortPool ? undefined : m.options.sortPrefix);
  if (prefix) sort.prefix = prefix;
  else if (pool) sort.pool = pool;
  if (m.options.sortTimeoutS) sort.timeoutMs = m.options.sortTimeoutS * 1000;
  const summary = await runPipeline(m.day, { stages: ["sort"], channels: [channel], sort, workers: 1, ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
  return { channel, summary };
}
