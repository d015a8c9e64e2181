/**
 * One channel's work, run inside a pool worker: from the channel's raw samples (µV, transferred from the
 * reading thread, never re-read from a .hkl) write the rplraw, LFP and spike-band files PyHipp would write.
 * Every file goes to a temporary name and is renamed into place by writeHickle.
 */
import { writeHickle } from "../hdf5/hickle-write.js";
import { highpassChain, lfpChain, type HighpassChainOptions, type LfpChainOptions } from "../dsp/chains.js";
import { rplHighpassObject, rplLfpObject, rplRawObject, type ChannelInfo } from "./objects.js";

export interface ChannelTask {
  session: string;
  info: ChannelInfo;
  /** PyHipp's `dirs` entry (DPT normpath of the channel directory). */
  dirs: string;
  /** Raw samples in µV (float32), as neo's rescaling gives them. */
  data: Float32Array;
  /** Output paths; a missing key means that output is not wanted (or already exists). */
  outputs: { raw?: string; lfp?: string; highpass?: string };
  lfp: Required<LfpChainOptions>;
  highpass: Required<HighpassChainOptions>;
}

export interface ChannelResult {
  session: string;
  electrodeId: number;
  written: { kind: "raw" | "lfp" | "highpass"; path: string; bytes: number; seconds: number }[];
  /** Peak RSS of the worker process seen after this task (bytes). */
  rss: number;
}

export async function runChannelTask(task: ChannelTask): Promise<ChannelResult> {
  const written: ChannelResult["written"] = [];
  const timed = async (kind: "raw" | "lfp" | "highpass", path: string, make: () => Parameters<typeof writeHickle>[1]) => {
    const t0 = performance.now();
    const r = await writeHickle(path, make());
    written.push({ kind, path, bytes: r.bytes, seconds: (performance.now() - t0) / 1000 });
  };
  const { data, info, dirs, outputs } = task;
  if (outputs.raw) await timed("raw", outputs.raw, () => rplRawObject(data, info, dirs));
  if (outputs.lfp) {
    const p = task.lfp;
    await timed("lfp", outputs.lfp, () =>
      rplLfpObject(lfpChain(data, p), { resampleRate: p.resampleRate, lfpOrder: p.lfpOrder, lowPassFrequency: p.lowPassFrequency }, info, dirs),
    );
  }
  if (outputs.highpass) {
    const p = task.highpass;
    await timed("highpass", outputs.highpass, () =>
      rplHighpassObject(highpassChain(data, p), { highOrder: p.highOrder, highPassFrequency: p.highPassFrequency }, info, dirs),
    );
  }
  return { session: task.session, electrodeId: info.electrodeId, written, rss: process.memoryUsage().rss };
}
