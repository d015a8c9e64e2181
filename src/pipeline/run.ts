/**
 * `rplpipe run`: one pass per session. The .ns5 is read once per group of channels (as large a group as the
 * memory budget allows; one group for ordinary sessions); each channel's samples are transferred (not copied)
 * to a pool worker that writes its raw, LFP and spike-band files. The session's markers are written from the
 * .nev on the main thread. A failing session or channel is recorded and the run goes on.
 *
 * Peak memory (documented in docs/pipeline.md): about 4·n·(K + 2·W) bytes of samples plus ~150 MB per worker
 * (Node + h5wasm), for n samples per channel, W workers and K channels read per group
 * (K = clamp(memoryBudget / (4·n) − 2·W, W, channels)).
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
import type { ChannelResult, ChannelTask } from "./channel-task.js";
import { kStages, planRun, type PlanFailure, type SessionPlan, type Stage } from "./plan.js";
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

const kKnown = ["stages", "channels", "sessions", "workers", "redo", "lfp", "highpass", "memoryBudget", "dryRun", "onEvent"];

function zero(): Record<Stage, number> {
  return { split: 0, lfp: 0, highpass: 0, parallel: 0 };
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
  summary.seconds = (performance.now() - t0) / 1000;
  summary.maxRss = process.resourceUsage().maxRSS * 1024;
  return summary;
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
  o: { lfp: ChannelTask["lfp"]; highpass: ChannelTask["highpass"]; workers: number; budget: number },
  summary: RunSummary,
  emit: (e: RunEvent) => void,
  fail: (f: RunFailure) => void,
): Promise<void> {
  const todo = s.channels.filter((c) => c.outputs.raw || c.outputs.lfp || c.outputs.highpass);
  if (todo.length === 0) return;
  const perChannel = Math.max(1, 4 * s.samples);
  const group = Math.max(o.workers, Math.min(todo.length, Math.floor(o.budget / perChannel) - 2 * o.workers));
  let nsx;
  try {
    nsx = openNsx(s.ns5, { neoCompatible: true });
  } catch (e) {
    const err = e as RplpipeError;
    fail({ session: s.path, stage: "session", code: err.code ?? "ERR_INTERNAL", message: err.message });
    return;
  }
  const inflight = new Set<Promise<void>>();
  try {
    for (let g = 0; g < todo.length; g += group) {
      const chunk = todo.slice(g, g + group);
      // Bound memory: the next group is read only when the pool has at most one task per worker left.
      while (inflight.size > o.workers) await Promise.race(inflight);
      let data: Float32Array[];
      try {
        data = nsx.readScaled({ channels: chunk.map((c) => c.index), segment: 0 });
      } catch (e) {
        const err = e as RplpipeError;
        for (const c of chunk) fail({ session: s.path, electrodeId: c.info.electrodeId, stage: "split", code: err.code ?? "ERR_INTERNAL", message: err.message });
        continue;
      }
      chunk.forEach((c, i) => {
        mkdirSync(c.dir, { recursive: true });
        const task: ChannelTask = { session: s.name, info: c.info, dirs: c.dirs, data: data[i]!, outputs: c.outputs, lfp: { ...o.lfp, samplingRate: s.samplingRate }, highpass: { ...o.highpass, samplingRate: s.samplingRate } };
        const p: Promise<void> = (pool.run(task, { transferList: [data[i]!.buffer as ArrayBuffer] }) as Promise<ChannelResult>)
          .then((r) => {
            summary.peakWorkerRss = Math.max(summary.peakWorkerRss, r.rss);
            for (const w of r.written) {
              const stage = kStageOf[w.kind];
              summary.written[stage]++;
              summary.bytesWritten += w.bytes;
              emit({ type: "stage-done", stage, session: s.name, electrodeId: c.info.electrodeId, bytes: w.bytes, seconds: w.seconds });
            }
          })
          .catch((e: Error & { code?: string }) => {
            for (const k of ["raw", "lfp", "highpass"] as const)
              if (c.outputs[k] && !existsSync(c.outputs[k]!))
                fail({ session: s.path, electrodeId: c.info.electrodeId, stage: kStageOf[k], code: e.code ?? "ERR_INTERNAL", message: e.message });
          })
          .finally(() => inflight.delete(p));
        inflight.add(p);
      });
      data = [];
    }
    await Promise.all(inflight);
  } finally {
    nsx.close();
  }
}
