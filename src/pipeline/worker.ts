/** Piscina worker entry: one group of channels per call (see channel-task.ts). Loaded from dist/ by the pool. */
import { runGroupTask, type GroupTask } from "./channel-task.js";

export default function (task: GroupTask) {
  return runGroupTask(task);
}
