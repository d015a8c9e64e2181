/** Piscina worker entry: one channel task per call (see channel-task.ts). Loaded from dist/ by the pool. */
import { runChannelTask, type ChannelTask } from "./channel-task.js";

export default function (task: ChannelTask) {
  return runChannelTask(task);
}
