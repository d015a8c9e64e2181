/**
 * Piscina worker entry: one group of channels per call (see channel-task.ts). Loaded from dist/ by the pool.
 * The worker reads its group's samples itself and keeps its channel buffers from task to task.
 */
import { runGroupTask, type GroupTask } from "./channel-task.js";
import { loadH5 } from "../hdf5/h5.js";

// Piscina imports this module when the worker starts: h5wasm is loaded before the worker takes its first task,
// so the task's channel buffers can live in the wasm heap and be written without a copy (channel-buffers.ts).
// On the bench session that wait costs nothing measurable (2 vCPUs, both busy either way; 8 alternating runs:
// median 3.19 s with it, 3.24 s with the load left to overlap the first read). A failure to load surfaces on
// the first write, as the task's error (the buffers are then ordinary arrays).
await loadH5().catch(() => undefined);

export default function (task: GroupTask) {
  return runGroupTask(task);
}
