/**
 * Piscina worker entry: one group of channels per call (see channel-task.ts). Loaded from dist/ by the pool.
 * The worker reads its group's samples itself and keeps its channel buffers from task to task.
 */
import { runGroupTask, type GroupTask } from "./channel-task.js";
import { loadH5 } from "../hdf5/h5.js";

// Piscina imports this module when the worker starts, before its first task: load h5wasm (~0.15 s) now,
// not on the first task's critical path.
await loadH5();

export default function (task: GroupTask) {
  return runGroupTask(task);
}
