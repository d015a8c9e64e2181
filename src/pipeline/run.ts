/**
 * `rplpipe run`: one pass per session. Each pool worker reads its group of channels from the memory-mapped
 * .ns5 (the groups' reads run in parallel) into buffers it keeps from task to task, and writes the channels'
 * raw, LFP and spike-band files. The session's markers are written from the .nev on the main thread
 * meanwhile. A failing session or channel is recorded and the run goes on.
 *
 * Every output is a job of its day's ledger (src/ledger, docs/ledger.md): a channel's jobs are reserved as its
 * task is formed (at most one task per worker waits), so concurrent runs on any hosts share a day's work and
 * never do one job twice.
 *
 * Peak memory (documented in docs/pipeline.md): about 400 MB + 4·n·L bytes, for n samples per channel and L
 * channel buffers live at once, L = min(channels, W·G) for W workers and G channels per task (see
 * groupSizes): each worker reads its tasks' channels into the same buffers.
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
import { checkBoolean, checkInteger, checkKnownKeys, isPlainObject } from "../validate.js";
import { invalidOption } from "../errors.js";
import { rplParallelFromNev } from "./markers.js";
import { rplParallelObject } from "./objects.js";
import type { GroupResult, GroupTask } from "./channel-task.js";
import { runSortStage, type SortStageOptions } from "./sort-stage.js";
import { dirname } from "node:path";
import { kStages, planRun, type PlanFailure, type SessionPlan, type Stage } from "./plan.js";
import { totalmem } from "node:os";
import { paramsHash } from "../ledger/params.js";
import { jobErrorFrom } from "../ledger/record.js";
import { kKinds, kStageOf, RunJobs, type ClaimedChannel, type ClaimResult, type SkipReason } from "./jobs.js";

export interface RunOptions {
  /** Default all: split, lfp, highpass, parallel. */
  stages?: readonly Stage[];
  channels?: readonly number[];
  sessions?: readonly string[];
  /** Worker threads; default the CPUs this process may use (cgroup quota, SLURM_CPUS_PER_TASK). */
  workers?: number;
  /**
   * Recompute outputs that exist. Concurrent --redo runs still do each job once: a job done since this run
   * started (by another of them) is not redone.
   */
  redo?: boolean;
  /**
   * With redo: jobs the ledger says were done at or after this time are not redone (ms since the epoch, Date
   * or ISO string; default this run's start). Give every run of one batch (e.g. Slurm jobs submitted
   * together) the same time, so runs that start seconds apart still do each job once.
   */
  redoSince?: number | Date | string;
  /** Rerun only the jobs whose ledger record says error (their outputs are recomputed); nothing else. */
  retryErrors?: boolean;
  /** RPLLFP parameters (samplingRate comes from the file). */
  lfp?: Omit<LfpChainOptions, "samplingRate">;
  /** RPLHighPass parameters. */
  highpass?: Omit<HighpassChainOptions, "samplingRate">;
  /** Bytes of channel samples held at once; default a quarter of the machine's memory. */
  memoryBudget?: number;
  /**
   * Write the bulk of each output with O_DIRECT, past the page cache, where the file system allows it
   * (default true: every output is synced before it is renamed anyway; see src/hdf5/direct-io.ts). false:
   * buffered writes only (also `RPLPIPE_DIRECT_IO=0`).
   */
  directIo?: boolean;
  /** The sort stage: sorter, environment (pool or prefix), time limit. */
  sort?: SortStageOptions;
  /** Only plan. */
  dryRun?: boolean;
  onEvent?: (e: RunEvent) => void;
}

export type RunEvent =
  | { type: "plan"; sessions: SessionPlan[]; totals: Record<Stage, number> }
  | { type: "stage-done"; stage: Stage; session: string; electrodeId?: number; bytes: number; seconds: number }
  /**
   * A job left to another process: it holds the job now ("held"), or finished ("done") or failed ("error") it
   * after this run started.
   */
  | { type: "skipped"; stage: Stage; session: string; electrodeId?: number; reason: SkipReason }
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
  /** Jobs skipped because another live process (any host) holds them in the ledger. */
  heldByOthers: Record<Stage, number>;
  /** Jobs skipped because another process finished them after this run planned. */
  doneByOthers: Record<Stage, number>;
  /** Jobs skipped because another process failed them since this run started (that process reports why). */
  failedByOthers: Record<Stage, number>;
  bytesWritten: number;
  seconds: number;
  /** Largest worker RSS seen (bytes). */
  peakWorkerRss: number;
  /** Peak resident memory of this process so far (bytes; threads included), at the end of the run. */
  maxRss: number;
  failures: RunFailure[];
  /** Run-level warnings (e.g. a day whose ledger could not be written); session warnings are in `sessions`. */
  warnings: string[];
  dryRun: boolean;
}

const kKnown = ["stages", "channels", "sessions", "workers", "redo", "redoSince", "retryErrors", "lfp", "highpass", "memoryBudget", "directIo", "sort", "dryRun", "onEvent"];

function redoSinceMs(v: RunOptions["redoSince"], redo: boolean): number | undefined {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : typeof v === "string" ? (/^\d+$/.test(v) ? Number(v) : Date.parse(v)) : v;
  if (typeof ms !== "number" || !Number.isFinite(ms)) throw invalidOption("options.redoSince", "a time (ms since the epoch, Date or ISO string)", v);
  if (!redo) throw invalidOption("options.redoSince", "no value unless options.redo is set", v, true);
  return ms;
}

function zero(): Record<Stage, number> {
  return { split: 0, lfp: 0, highpass: 0, parallel: 0, sort: 0 };
}

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
  const redo = options.redo ?? false;
  const retryErrors = options.retryErrors ?? false;
  if (redo && retryErrors) throw invalidOption("options.retryErrors", "false when options.redo is set (--redo reruns everything, --retry-errors only failed jobs)", retryErrors, true);
  // The chains' other parameters are validated now; the sampling rate is each file's own.
  const lfp = lfpChainOptions({ ...options.lfp, samplingRate: 30000 });
  const highpass = highpassChainOptions({ ...options.highpass, samplingRate: 30000 });
  const budget = options.memoryBudget ?? Math.floor(totalmem() / 4);
  const direct = options.directIo === undefined ? true : checkBoolean("options.directIo", options.directIo);
  const emit = options.onEvent ?? (() => {});
  const t0 = performance.now();
  const since = redoSinceMs(options.redoSince, redo) ?? Date.now();
  // --retry-errors plans as --redo (a failed job's old output may exist) and then keeps the failed jobs only.
  const plan = planRun(dir, { stages, channels: options.channels, sessions: options.sessions, redo: redo || retryErrors, lfp, highpass });
  const summary: RunSummary = {
    dir,
    workers,
    stages,
    sessions: plan.sessions.map((s) => ({ name: s.name, path: s.path, channels: s.channels.length, samples: s.samples, warnings: s.warnings })),
    written: zero(),
    skipped: zero(),
    heldByOthers: zero(),
    doneByOthers: zero(),
    failedByOthers: zero(),
    bytesWritten: 0,
    seconds: 0,
    peakWorkerRss: 0,
    maxRss: 0,
    failures: plan.failures.map((f: PlanFailure) => ({ session: f.session, stage: "session" as const, code: f.code, message: f.message })),
    warnings: [],
    dryRun: options.dryRun ?? false,
  };
  const { samplingRate: _l, ...lfpParams } = lfp;
  const { samplingRate: _h, ...hpParams } = highpass;
  const jobs = new RunJobs({
    redo,
    since,
    hashes: { split: paramsHash({}), lfp: paramsHash(lfpParams), highpass: paramsHash(hpParams), parallel: paramsHash({}), sort: paramsHash({ sorter: options.sort?.sorter ?? "ms4" }) },
    warn: (message) => {
      summary.warnings.push(message);
      emit({ type: "warning", message });
    },
    onSkip: (stage, session, electrodeId, reason) => emit({ type: "skipped", stage, session, ...(electrodeId !== undefined ? { electrodeId } : {}), reason }),
  });
  if (retryErrors) jobs.keepOnlyErrors(plan.sessions);
  const parallelKept = (s: SessionPlan): string | undefined => {
    const p = join(s.path, "rplparallel_d41d.hkl");
    return s.nev && !s.parallel && stages.includes("parallel") && !retryErrors && existsSync(p) ? p : undefined;
  };
  const totals = zero();
  for (const s of plan.sessions) {
    if (s.parallel) totals.parallel++;
    for (const c of s.channels) {
      for (const k of kKinds) if (c.outputs[k]) totals[kStageOf[k]]++;
      for (const e of c.existing) summary.skipped[e.includes("rplraw") ? "split" : e.includes("rpllfp") ? "lfp" : "highpass"]++;
    }
    if (parallelKept(s)) summary.skipped.parallel++;
  }
  if (stages.includes("sort"))
    for (const day of new Set(plan.sessions.map((s) => dirname(s.path)))) totals.sort += sortTargets(day, plan.sessions, options, jobs).electrodes.length;
  emit({ type: "plan", sessions: plan.sessions, totals });
  for (const f of summary.failures) emit({ type: "failure", failure: f });
  for (const s of plan.sessions) for (const w of s.warnings) emit({ type: "warning", message: `${s.name}: ${w}` });
  if (summary.dryRun) return summary;

  jobs.adoptExisting(plan.sessions, parallelKept);
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
  // Set once the last session with channel work has handed out its last task: each worker's final task then
  // frees the worker's buffers as it ends (channel-task.ts, releaseKept) instead of the teardown doing it.
  const drained = new Int32Array(new SharedArrayBuffer(4));
  let lastWithWork = -1;
  for (const [i, s] of plan.sessions.entries()) if (channelsToDo(s).length > 0) lastWithWork = i;
  try {
    for (const [i, s] of plan.sessions.entries()) {
      // The channels' first tasks go to the workers first; the markers are written on this thread meanwhile.
      const o = { lfp, highpass, workers, budget, redo, direct, drained: i === lastWithWork ? drained : undefined };
      const channels = runChannels(pool, s, o, jobs, summary, emit, fail);
      await Promise.all([channels, s.parallel ? writeParallel(s, direct, jobs, summary, emit, fail) : undefined]);
    }
  } finally {
    await pool.destroy();
  }
  if (stages.includes("sort")) await sortStage(plan.sessions, options, jobs, summary, emit, fail);
  Object.assign(summary.heldByOthers, jobs.heldByOthers);
  Object.assign(summary.doneByOthers, jobs.doneByOthers);
  Object.assign(summary.failedByOthers, jobs.failedByOthers);
  summary.seconds = (performance.now() - t0) / 1000;
  summary.maxRss = process.resourceUsage().maxRSS * 1024;
  return summary;
}

const firingsOf = (day: string, e: number): string => join(day, "mountains", `channel${String(e).padStart(3, "0")}`, "output", "firings.mda");

/**
 * A day's channels (`all`) and those the sort stage is to sort: the failed ones with --retry-errors, all with
 * --redo, else those without mountains/channelNNN/output/firings.mda (a channel counts as sorted once it exists).
 */
function sortTargets(day: string, sessions: SessionPlan[], options: RunOptions, jobs: RunJobs): { all: number[]; electrodes: number[] } {
  const all = [...new Set(sessions.filter((s) => dirname(s.path) === day).flatMap((s) => s.channels.map((c) => c.info.electrodeId)))];
  if (options.retryErrors) return { all, electrodes: all.filter((e) => jobs.isError(day, { stage: "sort", session: null, channel: e })) };
  if (options.redo) return { all, electrodes: all };
  return { all, electrodes: all.filter((e) => !existsSync(firingsOf(day, e))) };
}

/** Sorts each day's channels once their spike bands exist (src/pipeline/sort-stage.ts), one ledger job per channel. */
async function sortStage(sessions: SessionPlan[], options: RunOptions, jobs: RunJobs, summary: RunSummary, emit: (e: RunEvent) => void, fail: (f: RunFailure) => void): Promise<void> {
  const days = [...new Set(sessions.map((s) => dirname(s.path)))];
  for (const day of days) {
    const { all, electrodes } = sortTargets(day, sessions, options, jobs);
    if (!options.retryErrors && !options.redo) {
      for (const e of all) if (!electrodes.includes(e)) jobs.adopt(day, { stage: "sort", session: null, channel: e }, firingsOf(day, e));
      summary.skipped.sort += all.length - electrodes.length;
    }
    if (electrodes.length === 0) continue;
    const claims = new Map<number, ClaimResult>();
    try {
      const r = await runSortStage(day, options.sort ?? {}, electrodes, {
        // Reserved just before the channel's sort starts, so other runs take the channels not yet started;
        // then, if another run is still writing one of its spike bands, the sort waits for it to end.
        claim: async (e) => {
          const c = jobs.claimSort(day, e);
          claims.set(e, c);
          if (!("claim" in c)) return false;
          const bands = sessions.filter((s) => dirname(s.path) === day && s.channels.some((x) => x.info.electrodeId === e));
          await jobs.waitWhileHeld(day, bands.map((s) => ({ stage: "highpass" as const, session: s.name, channel: e })));
          return true;
        },
        onChannel: (res) => {
          const c = claims.get(res.electrodeId);
          const claim = c && "claim" in c ? c.claim : null;
          if (res.ok) {
            jobs.done(day, claim, { outputs: [firingsOf(day, res.electrodeId)], seconds: res.seconds.total });
            emit({ type: "stage-done", stage: "sort", session: day, electrodeId: res.electrodeId, bytes: 0, seconds: res.seconds.total });
          } else jobs.fail(day, claim, jobErrorFrom(res.failure ?? new Error("sort failed")));
        },
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
      // Channels claimed but never reported (sortDay itself failed): record the failure on them.
      for (const [, c] of claims) if ("claim" in c && c.claim?.live) jobs.fail(day, c.claim, jobErrorFrom(e));
      fail({ session: day, stage: "sort", code: err.code ?? "ERR_INTERNAL", message: err.message });
    }
  }
}

async function writeParallel(s: SessionPlan, direct: boolean, jobs: RunJobs, summary: RunSummary, emit: (e: RunEvent) => void, fail: (f: RunFailure) => void): Promise<void> {
  const t = performance.now();
  const day = dirname(s.path);
  const got = jobs.claimParallel(s);
  if (!("claim" in got)) return;
  try {
    const r = rplParallelFromNev(s.nev!);
    const w = await writeHickle(s.parallel!, rplParallelObject(r, normpath(s.path, defaultLevels)), { direct });
    const seconds = (performance.now() - t) / 1000;
    jobs.done(day, got.claim, { outputs: [s.parallel!], bytes: w.bytes, seconds });
    summary.written.parallel++;
    summary.bytesWritten += w.bytes;
    emit({ type: "stage-done", stage: "parallel", session: s.name, bytes: w.bytes, seconds });
  } catch (e) {
    const err = e as Error & { code?: string };
    jobs.fail(day, got.claim, jobErrorFrom(e));
    fail({ session: s.path, stage: "parallel", code: err.code ?? "ERR_INTERNAL", message: err.message });
  }
}

/** A session's channels with an output still to write. */
function channelsToDo(s: SessionPlan): SessionPlan["channels"] {
  return s.channels.filter((c) => c.outputs.raw || c.outputs.lfp || c.outputs.highpass);
}

async function runChannels(
  pool: Piscina,
  s: SessionPlan,
  o: { lfp: GroupTask["lfp"]; highpass: GroupTask["highpass"]; workers: number; budget: number; redo: boolean; direct: boolean; drained?: Int32Array },
  jobs: RunJobs,
  summary: RunSummary,
  emit: (e: RunEvent) => void,
  fail: (f: RunFailure) => void,
): Promise<void> {
  const todo = channelsToDo(s);
  if (todo.length === 0) return;
  const day = dirname(s.path);
  const { taskSize } = groupSizes(s.samples, todo.length, o.workers, o.budget);
  // Opened here only to refuse a recording that cannot be read (changed since planning) as one session
  // failure before any channel is claimed; the workers map it themselves to read their groups.
  let nsx;
  try {
    nsx = openNsx(s.ns5, { neoCompatible: true });
  } catch (e) {
    const err = e as RplpipeError;
    fail({ session: s.path, stage: "session", code: err.code ?? "ERR_INTERNAL", message: err.message });
    return;
  }
  // Channels are claimed in the ledger as each task is formed: this process never reads the samples of
  // channels another process is doing. Jobs left behind a held one are tried once more at the end.
  const queue = todo.map((c) => ({ c, final: false }));
  const later: typeof queue = [];
  const nextGroup = (size: number): ClaimedChannel[] => {
    const group: ClaimedChannel[] = [];
    while (group.length < size) {
      if (queue.length === 0) queue.push(...later.splice(0));
      const next = queue.shift();
      if (!next) break;
      const got = jobs.claimChannel(s, next.c, next.final);
      if (got.rest) later.push({ c: got.rest, final: true });
      if (got.run) group.push(got.run);
    }
    return group;
  };
  const inflight = new Set<Promise<void>>();
  const submit = (chunk: ClaimedChannel[]) => {
    for (const c of chunk) mkdirSync(c.plan.dir, { recursive: true });
    const byId = new Map(chunk.map((c) => [c.plan.info.electrodeId, c]));
    const task: GroupTask = {
      session: s.name,
      channels: chunk.map((c) => ({ info: c.plan.info, dirs: c.plan.dirs, outputs: c.plan.outputs })),
      read: { ns5: s.ns5, indices: chunk.map((c) => c.plan.index), samples: s.samples },
      lfp: { ...o.lfp, samplingRate: s.samplingRate },
      highpass: { ...o.highpass, samplingRate: s.samplingRate },
      direct: o.direct,
      drained: o.drained,
    };
    const p: Promise<void> = (pool.run(task) as Promise<GroupResult>)
      .then((r) => {
        summary.peakWorkerRss = Math.max(summary.peakWorkerRss, r.rss);
        for (const w of r.written) {
          const stage = kStageOf[w.kind];
          // The worker reports a file once it was renamed into place: only now is the job done.
          jobs.done(day, byId.get(w.electrodeId)?.claims[w.kind], { outputs: [w.path], bytes: w.bytes, seconds: w.seconds });
          summary.written[stage]++;
          summary.bytesWritten += w.bytes;
          emit({ type: "stage-done", stage, session: s.name, electrodeId: w.electrodeId, bytes: w.bytes, seconds: w.seconds });
        }
        for (const f of r.failed) {
          jobs.fail(day, byId.get(f.electrodeId)?.claims[f.kind], { code: f.code, message: f.message, tail: f.stack ?? "" });
          fail({ session: s.path, electrodeId: f.electrodeId, stage: kStageOf[f.kind], code: f.code, message: f.message });
        }
        // A claim the worker reported nothing about (never expected): failed, not left reserved.
        for (const c of chunk)
          for (const k of kKinds) {
            const claim = c.claims[k];
            if (claim?.live) jobs.fail(day, claim, { code: "ERR_INTERNAL", message: `the worker reported no result for ${k} of channel ${c.plan.info.electrodeId}` });
          }
      })
      .catch((e: Error & { code?: string }) => {
        // The worker itself died (out of memory, a crash): every output of the group still missing failed.
        // Without --redo a present output was written by this task (it was missing when claimed).
        for (const c of chunk)
          for (const k of kKinds) {
            const out = c.plan.outputs[k];
            const claim = c.claims[k];
            if (!out) continue;
            if (existsSync(out) && !o.redo) {
              jobs.done(day, claim, { outputs: [out] });
              continue;
            }
            jobs.fail(day, claim, jobErrorFrom(e));
            if (!existsSync(out)) fail({ session: s.path, electrodeId: c.plan.info.electrodeId, stage: kStageOf[k], code: e.code ?? "ERR_INTERNAL", message: e.message });
          }
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  try {
    for (;;) {
      // A worker reads its own group when it starts the task. At most one task per worker waits in the queue,
      // so channels are claimed in the ledger shortly before they are worked on and memory stays at W·G buffers.
      while (inflight.size > o.workers) await Promise.race(inflight);
      const group = nextGroup(taskSize);
      if (group.length === 0) break;
      submit(group);
    }
    // Every task is handed out: the ones still running are their workers' last.
    if (o.drained) Atomics.store(o.drained, 0, 1);
    await Promise.all(inflight);
  } finally {
    nsx.close();
  }
}

/**
 * Channels per worker task (filtered together, one per SIMD lane; up to 8) and channel buffers held at once
 * (`liveSize`: each worker keeps one task's buffers and refills them for its next task; a queued task holds no
 * samples), from the memory budget. A task holds 4·n·G bytes: its spike bands are filtered in place.
 */
export function groupSizes(samples: number, channels: number, workers: number, budget: number): { taskSize: number; liveSize: number } {
  const perChannel = Math.max(1, 4 * samples);
  const affordable = Math.max(1, Math.floor(budget / perChannel));
  // At most 8 (one AVX-512 vector of doubles), and small enough that every worker gets a task.
  const taskSize = Math.max(1, Math.min(8, Math.ceil(channels / workers), Math.floor(affordable / workers)));
  return { taskSize, liveSize: Math.min(channels, workers * taskSize) };
}
