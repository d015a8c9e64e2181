/**
 * A group of channels' work, run inside a pool worker: from the channels' raw samples (µV, transferred from
 * the reading thread, never re-read from a .hkl) write the rplraw, LFP and spike-band files PyHipp would
 * write. The spike band of the group is filtered in one call, one channel per SIMD lane, in place over the raw
 * samples once those are written. Every file goes to a temporary name and is renamed into place once synced
 * (beginWriteHickle, then commit in the background while the next file is made).
 */
import { beginWriteHickle } from "../hdf5/hickle-write.js";
import { highpassChainChannels, lfpChain, type HighpassChainOptions, type LfpChainOptions } from "../dsp/chains.js";
import { rplHighpassObject, rplLfpObject, rplRawObject, type ChannelInfo } from "./objects.js";

export interface ChannelJob {
  info: ChannelInfo;
  /** PyHipp's `dirs` entry (DPT normpath of the channel directory). */
  dirs: string;
  /** Output paths; a missing key means that output is not wanted (or already exists). */
  outputs: { raw?: string; lfp?: string; highpass?: string };
}

export interface GroupTask {
  session: string;
  channels: ChannelJob[];
  /** Raw samples in µV (float32) per channel, as neo's rescaling gives them. */
  data: Float32Array[];
  lfp: Required<LfpChainOptions>;
  highpass: Required<HighpassChainOptions>;
}

export type OutputKind = "raw" | "lfp" | "highpass";

export interface GroupResult {
  session: string;
  written: { electrodeId: number; kind: OutputKind; path: string; bytes: number; seconds: number }[];
  /** Failures of single channels (the others of the group are still written). */
  failed: { electrodeId: number; kind: OutputKind; code: string; message: string; stack?: string }[];
  /** RSS of the process seen after this task (bytes). */
  rss: number;
  /** The task's channel buffers, moved back to the reading thread for its next read (see worker.ts). */
  buffers?: Float32Array[];
}

export async function runGroupTask(task: GroupTask): Promise<GroupResult> {
  const res: GroupResult = { session: task.session, written: [], failed: [], rss: 0 };
  // Each file is written (HDF5 phase, awaited: the samples are copied out before the buffers change) and
  // then committed — synced and renamed — in the background while the next file is computed and written.
  const commits: Promise<void>[] = [];
  const failed = (c: ChannelJob, kind: OutputKind, e: unknown) => {
    const err = e as Error & { code?: string };
    res.failed.push({ electrodeId: c.info.electrodeId, kind, code: err.code ?? "ERR_INTERNAL", message: err.message, stack: err.stack });
  };
  const write = async (c: ChannelJob, kind: OutputKind, make: () => Parameters<typeof beginWriteHickle>[1]) => {
    const path = c.outputs[kind]!;
    const t0 = performance.now();
    try {
      const pending = await beginWriteHickle(path, make());
      commits.push(
        pending.commit().then(
          (r) => void res.written.push({ electrodeId: c.info.electrodeId, kind, path, bytes: r.bytes, seconds: (performance.now() - t0) / 1000 }),
          (e) => failed(c, kind, e),
        ),
      );
    } catch (e) {
      failed(c, kind, e);
    }
  };
  const lfp = task.lfp;
  for (let i = 0; i < task.channels.length; i++) {
    const c = task.channels[i]!;
    const x = task.data[i]!;
    if (c.outputs.raw) await write(c, "raw", () => rplRawObject(x, c.info, c.dirs));
    if (c.outputs.lfp)
      await write(c, "lfp", () =>
        rplLfpObject(lfpChain(x, lfp), { resampleRate: lfp.resampleRate, lfpOrder: lfp.lfpOrder, lowPassFrequency: lfp.lowPassFrequency }, c.info, c.dirs),
      );
  }
  // The spike bands are filtered in place over the raw samples (written above, no longer needed): a task
  // holds one buffer per channel, not two, and the buffers go back to the reader for the next group.
  const hpIdx = task.channels.flatMap((c, i) => (c.outputs.highpass ? [i] : []));
  if (hpIdx.length) {
    const hp = task.highpass;
    const xs = hpIdx.map((i) => task.data[i]!);
    let bands: Float32Array[];
    try {
      bands = highpassChainChannels(xs, hp, xs);
    } catch (e) {
      const err = e as Error & { code?: string };
      for (const i of hpIdx) res.failed.push({ electrodeId: task.channels[i]!.info.electrodeId, kind: "highpass", code: err.code ?? "ERR_INTERNAL", message: err.message, stack: err.stack });
      bands = [];
    }
    for (let k = 0; k < bands.length; k++) {
      const c = task.channels[hpIdx[k]!]!;
      const band = bands[k]!;
      await write(c, "highpass", () => rplHighpassObject(band, { highOrder: hp.highOrder, highPassFrequency: hp.highPassFrequency }, c.info, c.dirs));
    }
  }
  await Promise.all(commits);
  res.rss = process.memoryUsage().rss;
  return res;
}
