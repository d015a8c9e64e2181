/**
 * A group of channels' work, run inside a pool worker: read the channels' raw samples (µV) from the .ns5
 * into this worker's reused buffers (never from a .hkl) and write the rplraw, LFP and spike-band files PyHipp
 * would write. The spike band of the group is filtered in one call, one channel per SIMD lane, in place over
 * the raw samples once those are written. Every file goes to a temporary name and is renamed into place once
 * synced (beginWriteHickle, then commit in the background while the next file is made).
 */
import { beginWriteHickle } from "../hdf5/hickle-write.js";
import { highpassChainChannels, lfpChain, type HighpassChainOptions, type LfpChainOptions } from "../dsp/chains.js";
import { rplHighpassObject, rplLfpObject, rplRawObject, type ChannelInfo } from "./objects.js";
import { openNsx, type NsxFile } from "../io/nsx.js";
import { loadedH5 } from "../hdf5/h5.js";
import { ChannelBuffers } from "./channel-buffers.js";

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
  /**
   * Where the worker reads the channels' raw samples (µV, float32, as neo's rescaling gives them): the .ns5,
   * the channels' indices in it, and segment 0's length (neo's segment list, as PyHipp processes it).
   */
  read: { ns5: string; indices: number[]; samples: number };
  lfp: Required<LfpChainOptions>;
  highpass: Required<HighpassChainOptions>;
  /** Bulk writes with O_DIRECT where possible (writeHickle's `direct`). */
  direct: boolean;
  /**
   * Shared with every task of the run (one Int32 on a SharedArrayBuffer): the main thread sets element 0 to 1
   * once no further task will be submitted. A worker that sees it when its task ends releases its channel
   * buffers and the mapped recording there and then (see releaseKept).
   */
  drained?: Int32Array;
}

export type OutputKind = "raw" | "lfp" | "highpass";

export interface GroupResult {
  session: string;
  written: { electrodeId: number; kind: OutputKind; path: string; bytes: number; seconds: number }[];
  /** Failures of single channels (the others of the group are still written). */
  failed: { electrodeId: number; kind: OutputKind; code: string; message: string; stack?: string }[];
  /** RSS of the process seen after this task (bytes). */
  rss: number;
  /** True when this was the worker's last task: it freed its buffers before returning this result. */
  released: boolean;
}

// This worker's channel buffers and open recording, kept from task to task (the worker lives as long as its
// run's pool): a task refills the buffers of the previous one (no fresh memory to fault in), and a session's
// .ns5 is mapped once per worker. The buffers live in the worker's h5wasm heap when it is loaded (the worker
// loads it before its first task) and they fit: see channel-buffers.ts, and take fresh views at each step.
let kept: ChannelBuffers | undefined;
let open: { path: string; file: NsxFile } | undefined;

function buffersFor(count: number, samples: number): ChannelBuffers {
  if (kept === undefined || kept.samples !== samples || kept.count < count) {
    kept?.release();
    kept = undefined;
    kept = ChannelBuffers.allocate(count, samples, loadedH5());
  }
  return kept;
}

/**
 * After the worker's last task: gives the channel buffers' pages back to the system and unmaps the recording.
 * Otherwise both are freed only when the pool is torn down, which waits for every worker, so the freeing of
 * hundreds of MB per worker would sit on the run's critical path (rather than overlap the other workers'
 * writing; bench session: the run's end came ~0.1 s sooner). A later task would still work: buffersFor
 * allocates afresh and the recording is reopened.
 */
function releaseKept(): void {
  kept?.release();
  kept = undefined;
  open?.file.close();
  open = undefined;
}

function recording(path: string): NsxFile {
  if (open?.path !== path) {
    open?.file.close();
    open = undefined;
    open = { path, file: openNsx(path, { neoCompatible: true }) };
  }
  return open.file;
}

export async function runGroupTask(task: GroupTask): Promise<GroupResult> {
  const res: GroupResult = { session: task.session, written: [], failed: [], rss: 0, released: false };
  // Each file is written (HDF5 phase, awaited: the samples are out before the buffers change) and then
  // committed — synced and renamed — in the background while the next file is computed and written. `make`
  // builds the object right before its write, so its views of the buffers are fresh (channel-buffers.ts).
  const commits: Promise<void>[] = [];
  const failed = (c: ChannelJob, kind: OutputKind, e: unknown) => {
    const err = e as Error & { code?: string };
    res.failed.push({ electrodeId: c.info.electrodeId, kind, code: err.code ?? "ERR_INTERNAL", message: err.message, stack: err.stack });
  };
  const write = async (c: ChannelJob, kind: OutputKind, make: () => Parameters<typeof beginWriteHickle>[1]) => {
    const path = c.outputs[kind]!;
    const t0 = performance.now();
    try {
      const pending = await beginWriteHickle(path, make(), { direct: task.direct });
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
  // The group's samples, read here from the memory-mapped .ns5 (each worker reads its own group, so the
  // reads run in parallel and no samples cross threads). A failed read fails every output of the group.
  let data: ChannelBuffers;
  try {
    data = buffersFor(task.read.indices.length, task.read.samples);
    recording(task.read.ns5).readScaledInto(data.views(task.read.indices.length), { channels: task.read.indices, segment: 0 });
  } catch (e) {
    for (const c of task.channels) for (const kind of ["raw", "lfp", "highpass"] as const) if (c.outputs[kind]) failed(c, kind, e);
    return finish(task, res);
  }
  const lfp = task.lfp;
  for (let i = 0; i < task.channels.length; i++) {
    const c = task.channels[i]!;
    if (c.outputs.raw) await write(c, "raw", () => rplRawObject(data.view(i), c.info, c.dirs));
    if (c.outputs.lfp)
      await write(c, "lfp", () =>
        rplLfpObject(lfpChain(data.view(i), lfp), { resampleRate: lfp.resampleRate, lfpOrder: lfp.lfpOrder, lowPassFrequency: lfp.lowPassFrequency }, c.info, c.dirs),
      );
  }
  // The spike bands are filtered in place over the raw samples (written above, no longer needed): a task
  // holds one buffer per channel, not two, and the next task refills them.
  const hpIdx = task.channels.flatMap((c, i) => (c.outputs.highpass ? [i] : []));
  if (hpIdx.length) {
    const hp = task.highpass;
    const xs = hpIdx.map((i) => data.view(i));
    let filtered = true;
    try {
      highpassChainChannels(xs, hp, xs);
    } catch (e) {
      for (const i of hpIdx) failed(task.channels[i]!, "highpass", e);
      filtered = false;
    }
    for (const i of filtered ? hpIdx : []) {
      const c = task.channels[i]!;
      await write(c, "highpass", () => rplHighpassObject(data.view(i), { highOrder: hp.highOrder, highPassFrequency: hp.highPassFrequency }, c.info, c.dirs));
    }
  }
  await Promise.all(commits);
  return finish(task, res);
}

function finish(task: GroupTask, res: GroupResult): GroupResult {
  res.rss = process.memoryUsage().rss;
  res.released = task.drained !== undefined && Atomics.load(task.drained, 0) === 1;
  if (res.released) releaseKept();
  return res;
}
