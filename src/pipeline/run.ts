/**
 * `rplpipe run`: one pass per session. The .ns5 is read once per group of channels (as large a group as the
 * memory budget allows; one group for ordinary sessions); each channel's samples are transferred (not copied)
 * to a pool worker that writes its raw, LFP and spike-band files. The session's markers are written from the
 * .nev on the main thread. A failing session or channel is recorded and the run goes on.
 *
 * Peak memory (documented in docs/pipeline.md): about 400 MB + 4·n·(K + 2·W·G) bytes, for n samples per
 * channel, W workers, G channels per worker task and K channels read per group (see groupSizes).
 */
import { Piscina } from "piscina";
import { join } from "node:path";
import { existsSync, mkdirSync } from "node:fs";
import { RplpipeError } from "../errors.js";
import { packageRoot } from "../native/load.js";
import { openNsx } from "../io/nsx.js";
import { writeHickle } from "../hdf5/hickle-write.js";
import { normpath, defaultLevels } from "../layout/levels.js";
import { highpassChainOptions, lfpChainOptions, type HighpassChainOptions, type LfpChainOptions } from "../dsp/chains.js";
import { cpuBudget } from "../scheduling/cpus.js";
import { checkInteger, checkKnownKeys, isPlainObject } from "../validate.js";
import { invalidOption } from "../errors.js";
import { rplParallelFromNev } from "./markers.js";
import { rplParallelObject } from "./objects.js";
import type { GroupResult, GroupTask } from "./channel-task.js";
import { runSortStage, type SortStageOptions } from "./sort-stage.js";
import { dirname } from "node:path";
import { kStages, planRun, type ChannelPlan, type PlanFailure, type SessionPlan, type Stage } from "./plan.js";
import { totalmem } from "node:os";

export interface RunOptions {
  /** Default all: split, lfp, highpass, parallel. */
  stages?: readonly Stage[];
  channels?: readonly number[];
  sessions?: readonly string[];
  /** Worker threads; default the CPUs this process may use (cgroup quota, SLURM_CPUS_PER_TASK). */
  workers?: number;
  /** Recompute outputs that exist. */
  redo?: boolean;
  /** RPLLFP parameters (samplingRate comes from the file). */
  lfp?: Omit<LfpChainOptions, "samplingRate">;
  /** RPLHighPass parameters. */
  highpass?: Omit<HighpassChainOptions, "samplingRate">;
  /** Bytes of channel samples held at once; default a quarter of the machine's memory. */
  memoryBudget?: number;
  /** The sort stage: sorter, environment (pool or prefix), time limit. */
  sort?: SortStageOptions;
  /** Only plan. */
  dryRun?: boolean;
  onEvent?: (e: RunEvent) => void;
}

export type RunEvent =
  | { type: "plan"; sessions: SessionPlan[]; totals: Record<Stage, number> }
  | { type: "stage-done"; stage: Stage; session: string; electrodeId?: number; bytes: number; seconds: number }
  | { type: "failure"; failure: RunFailure }
  | { type: "warning"; message: string };

export interface RunFailure {
  session: string;
  electrodeId?: number;
  stage: Stage | "session";
  code: string;
  message: string;
}

export interface RunSummary {
  dir: string;
  workers: number;
  stages: Stage[];
  sessions: { name: string; path: string; channels: number; samples: number; warnings: string[] }[];
  /** Outputs written and kept (already present) per stage. */
  written: Record<Stage, number>;
  skipped: Record<Stage, number>;
  bytesWritten: number;
  seconds: number;
  /** Largest worker RSS seen (bytes). */
  peakWorkerRss: number;
  /** Peak resident memory of this process so far (bytes; threads included), at the end of the run. */
  maxRss: number;
  failures: RunFailure[];
  dryRun: boolean;
}

const kKnown = ["stages", "channels", "sessions", "workers", "redo", "lfp", "highpass", "memoryBudget", "sort", "dryRun", "onEvent"];

function zero(): Record<Stage, number> {
  return { split: 0, lfp: 0, highpass: 0, parallel: 0, sort: 0 };
}

const kStageOf = { raw: "split", lfp: "lfp", highpass: "highpass" } as const;

/**
 * Runs the pipeline on a day, session, array or channel directory.
 * @throws {TypeError | RangeError} for bad options; RplpipeError for a bad request (see planRun)
 */
export async function runPipeline(dir: string, options: RunOptions = {}): Promise<RunSummary> {
  const raw: unknown = options;
  if (!isPlainObject(raw)) throw invalidOption("options", "an options object", options);
  checkKnownKeys("options", raw, kKnown);
  const stages = [...(options.stages ?? kStages)];
  for (const s of stages) if (!kStages.includes(s)) throw invalidOption("options.stages", `stages from ${kStages.join(", ")}`, s, true);
  const workers = options.workers === undefined ? cpuBudget().cpus : checkInteger("options.workers", options.workers, 1, 1024);
  // The chains' other parameters are validated now; the sampling rate is each file's own.
  const lfp = lfpChainOptions({ ...options.lfp, samplingRate: 30000 });
  const highpass = highpassChainOptions({ ...options.highpass, samplingRate: 30000 });
  const budget = options.memoryBudget ?? Math.floor(totalmem() / 4);
  const emit = options.onEvent ?? (() => {});
  const t0 = performance.now();
  const plan = planRun(dir, { stages, channels: options.channels, sessions: options.sessions, redo: options.redo ?? false, lfp, highpass });
  const summary: RunSummary = {
    dir,
    workers,
    stages,
    sessions: plan.sessions.map((s) => ({ name: s.name, path: s.path, channels: s.channels.length, samples: s.samples, warnings: s.warnings })),
    written: zero(),
    skipped: zero(),
    bytesWritten: 0,
    seconds: 0,
    peakWorkerRss: 0,
    maxRss: 0,
    failures: plan.failures.map((f: PlanFailure) => ({ session: f.session, stage: "session" as const, code: f.code, message: f.message })),
    dryRun: options.dryRun ?? false,
  };
  const totals = zero();
  for (const s of plan.sessions) {
    if (s.parallel) totals.parallel++;
    for (const c of s.channels) {
      for (const k of ["raw", "lfp", "highpass"] as const) if (c.outputs[k]) totals[kStageOf[k]]++;
      for (const e of c.existing) summary.skipped[e.includes("rplraw") ? "split" : e.includes("rpllfp") ? "lfp" : "highpass"]++;
    }
    if (s.nev && !s.parallel && stages.includes("parallel") && existsSync(join(s.path, "rplparallel_d41d.hkl"))) summary.skipped.parallel++;
  }
  emit({ type: "plan", sessions: plan.sessions, totals });
  for (const f of summary.failures) emit({ type: "failure", failure: f });
  for (const s of plan.sessions) for (const w of s.warnings) emit({ type: "warning", message: `${s.name}: ${w}` });
  if (summary.dryRun) return summary;

  const fail = (f: RunFailure) => {
    summary.failures.push(f);
    emit({ type: "failure", failure: f });
  };
  const pool = new Piscina({
    filename: join(packageRoot, "dist", "pipeline", "worker.js"),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 1000,
  });
  try {
    for (const s of plan.sessions) {
      if (s.parallel) await writeParallel(s, summary, emit, fail);
      await runChannels(pool, s, { lfp, highpass, workers, budget }, summary, emit, fail);
    }
  } finally {
    await pool.destroy();
  }
  if (stages.includes("sort")) await sortStage(plan.sessions, options, summary, emit, fail);
  summary.seconds = (performance.now() - t0) / 1000;
  summary.maxRss = process.resourceUsage().maxRSS * 1024;
  return summary;
}

/** Sorts each day's channels once their spike bands exist (src/pipeline/sort-stage.ts). */
async function sortStage(sessions: SessionPlan[], options: RunOptions, summary: RunSummary, emit: (e: RunEvent) => void, fail: (f: RunFailure) => void): Promise<void> {
  const days = [...new Set(sessions.map((s) => dirname(s.path)))];
  for (const day of days) {
    const all = [...new Set(sessions.filter((s) => dirname(s.path) === day).flatMap((s) => s.channels.map((c) => c.info.electrodeId)))];
    // A channel counts as sorted once mountains/channelNNN/output/firings.mda exists (kept unless --redo).
    const sorted = (e: number) => existsSync(join(day, "mountains", `channel${String(e).padStart(3, "0")}`, "output", "firings.mda"));
    const electrodes = options.redo ? all : all.filter((e) => !sorted(e));
    summary.skipped.sort += all.length - electrodes.length;
    if (electrodes.length === 0) continue;
    try {
      const r = await runSortStage(day, options.sort ?? {}, electrodes, (electrodeId, ok, seconds) => {
        if (ok) emit({ type: "stage-done", stage: "sort", session: day, electrodeId, bytes: 0, seconds });
      });
      if (!r) {
        const msg = `no sorter environment for ${day}: give --sort-prefix DIR or --sort-pool DIR, or make one with \`rplpipe envs create-sorter\``;
        if (options.stages?.includes("sort")) fail({ session: day, stage: "sort", code: "ERR_NO_SORTER_ENV", message: msg });
        else {
          summary.sessions.forEach((x) => dirname(x.path) === day && x.warnings.push(`sort skipped: ${msg}`));
          emit({ type: "warning", message: `sort skipped: ${msg}` });
        }
        continue;
      }
      summary.written.sort += r.sorted;
      for (const f of r.failures) fail({ session: day, electrodeId: f.electrodeId, stage: "sort", code: f.code, message: f.message });
    } catch (e) {
      const err = e as Error & { code?: string };
      fail({ session: day, stage: "sort", code: err.code ?? "ERR_INTERNAL", message: err.message });
    }
  }
}

function writeParallel(s: SessionPlan, summary: RunSummary, emit: (e: RunEvent) => void, fail: (f: RunFailure) => void): Promise<void> {
  const t = performance.now();
  return (async () => {
    try {
      const r = rplParallelFromNev(s.nev!);
      const w = await writeHickle(s.parallel!, rplParallelObject(r, normpath(s.path, defaultLevels)));
      summary.written.parallel++;
      summary.bytesWritten += w.bytes;
      emit({ type: "stage-done", stage: "parallel", session: s.name, bytes: w.bytes, seconds: (performance.now() - t) / 1000 });
    } catch (e) {
      const err = e as Error & { code?: string };
      fail({ session: s.path, stage: "parallel", code: err.code ?? "ERR_INTERNAL", message: err.message });
    }
  })();
}

async function runChannels(
  pool: Piscina,
  s: SessionPlan,
  o: { lfp: GroupTask["lfp"]; highpass: GroupTask["highpass"]; workers: number; budget: number },
  summary: RunSummary,
  emit: (e: RunEvent) => void,
  fail: (f: RunFailure) => void,
): Promise<void> {
  const todo = s.channels.filter((c) => c.outputs.raw || c.outputs.lfp || c.outputs.highpass);
  if (todo.length === 0) return;
  const { taskSize, readSize } = groupSizes(s.samples, todo.length, o.workers, o.budget);
  let nsx;
  try {
    nsx = openNsx(s.ns5, { neoCompatible: true });
  } catch (e) {
    const err = e as RplpipeError;
    fail({ session: s.path, stage: "session", code: err.code ?? "ERR_INTERNAL", message: err.message });
    return;
  }
  const inflight = new Set<Promise<void>>();
  const submit = (chunk: ChannelPlan[], data: Float32Array[]) => {
    for (const c of chunk) mkdirSync(c.dir, { recursive: true });
    const task: GroupTask = {
      session: s.name,
      channels: chunk.map((c) => ({ info: c.info, dirs: c.dirs, outputs: c.outputs })),
      data,
      lfp: { ...o.lfp, samplingRate: s.samplingRate },
      highpass: { ...o.highpass, samplingRate: s.samplingRate },
    };
    const p: Promise<void> = (pool.run(task, { transferList: data.map((d) => d.buffer as ArrayBuffer) }) as Promise<GroupResult>)
      .then((r) => {
        summary.peakWorkerRss = Math.max(summary.peakWorkerRss, r.rss);
        for (const w of r.written) {
          const stage = kStageOf[w.kind];
          summary.written[stage]++;
          summary.bytesWritten += w.bytes;
          emit({ type: "stage-done", stage, session: s.name, electrodeId: w.electrodeId, bytes: w.bytes, seconds: w.seconds });
        }
        for (const f of r.failed) fail({ session: s.path, electrodeId: f.electrodeId, stage: kStageOf[f.kind], code: f.code, message: f.message });
      })
      .catch((e: Error & { code?: string }) => {
        // The worker itself died (out of memory, a crash): every output of the group still missing failed.
        for (const c of chunk)
          for (const k of ["raw", "lfp", "highpass"] as const)
            if (c.outputs[k] && !existsSync(c.outputs[k]!))
              fail({ session: s.path, electrodeId: c.info.electrodeId, stage: kStageOf[k], code: e.code ?? "ERR_INTERNAL", message: e.message });
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  try {
    // The first read is one task per worker, so the workers start while the rest of the session is read.
    for (let g = 0, size = Math.min(readSize, o.workers * taskSize); g < todo.length; g += size, size = readSize) {
      const group = todo.slice(g, g + size);
      // Bound memory: the next group is read only when at most one task per worker is left.
      while (inflight.size > o.workers) await Promise.race(inflight);
      let data: Float32Array[];
      try {
        data = nsx.readScaled({ channels: group.map((c) => c.index), segment: 0 });
      } catch (e) {
        const err = e as RplpipeError;
        for (const c of group) fail({ session: s.path, electrodeId: c.info.electrodeId, stage: "split", code: err.code ?? "ERR_INTERNAL", message: err.message });
        continue;
      }
      for (let t = 0; t < group.length; t += taskSize) submit(group.slice(t, t + taskSize), data.slice(t, t + taskSize));
    }
    await Promise.all(inflight);
  } finally {
    nsx.close();
  }
}

/**
 * Channels per worker task (filtered together, one per SIMD lane; up to 8) and per read of the .ns5, from the
 * memory budget: a task holds 8·n·G bytes (input + spike band), a read group 4·n·K.
 */
export function groupSizes(samples: number, channels: number, workers: number, budget: number): { taskSize: number; readSize: number } {
  const perChannel = Math.max(1, 4 * samples);
  // At most 8 (one AVX-512 vector of doubles), and small enough that every worker gets a task.
  const taskSize = Math.max(1, Math.min(8, Math.ceil(channels / workers), Math.floor(budget / (4 * perChannel * workers))));
  const readSize = Math.max(workers * taskSize, Math.min(channels, Math.floor(budget / perChannel) - 2 * workers * taskSize));
  return { taskSize, readSize: Math.min(channels, readSize) };
}
