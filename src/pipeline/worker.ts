/**
 * Piscina worker entry: one group of channels per call (see channel-task.ts). Loaded from dist/ by the pool.
 * The task's channel buffers are moved back with the result (not cloned), so the reading thread refills them
 * for its next group instead of faulting in fresh memory for every channel.
 */
import { Piscina } from "piscina";
import { runGroupTask, type GroupTask, type GroupResult } from "./channel-task.js";
import { loadH5 } from "../hdf5/h5.js";

// Piscina imports this module when the worker starts, before its first task: load h5wasm (~0.15 s) now,
// while the main thread reads the first channels, not on the task's critical path.
await loadH5();

export default async function (task: GroupTask) {
  const result: GroupResult = await runGroupTask(task);
  const buffers = [...new Set(task.data.map((d) => d.buffer as ArrayBuffer))];
  result.buffers = task.data;
  return Piscina.move({ [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: result } as never);
}
