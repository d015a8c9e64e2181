/**
 * Piscina worker entry: one group of channels per call (see channel-task.ts). Loaded from dist/ by the pool.
 * The worker reads its group's samples itself and keeps its channel buffers from task to task.
 */
import { runGroupTask, type GroupTask } from "./channel-task.js";
import { loadH5 } from "../hdf5/h5.js";

// Piscina imports this module when the worker starts: h5wasm starts loading now (~0.3 s on the 2-core VM,
// most of it compiling the wasm module) and finishes while the first task reads its group, which needs no
// HDF5; the first write awaits the same promise. (Awaiting it here held every worker's first task back by
// that long.) A failure to load surfaces on the first write, as the task's error.
loadH5().catch(() => undefined);

export default function (task: GroupTask) {
  return runGroupTask(task);
}
