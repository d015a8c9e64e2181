/**
 * `rplpipe submit`: a day as Slurm jobs (docs/cluster.md).
 *   round r:  split job per session ──afterok──▶ sort array over channels (%slots) ──afterany──▶ finisher
 * The finisher reads the day's ledger: whatever is not done is resubmitted as round r+1 (only those sessions
 * and channels) while rounds remain (--retries), else it runs --notify-cmd once and stops.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { RplpipeError } from "../errors.js";
import { discover } from "../layout/discover.js";
import { packageRoot } from "../native/load.js";
import { planRun } from "../pipeline/plan.js";
import { findPool } from "../pipeline/sort-stage.js";
import { highpassChainOptions, lfpChainOptions } from "../dsp/chains.js";
import { openSlotPool } from "../envs/slot-pool.js";
import { writeManifest, slurmDir, type Manifest, type ManifestSession } from "./manifest.js";
import { finishScript, shq, sortScript, splitScript } from "./scripts.js";
import { sbatch } from "./slurm-cli.js";
import { checkSubmitOptions, type CheckedSubmitOptions, type SubmitOptions } from "./submit-options.js";

/** The command line that starts this very rplpipe (same Node, same package) on a node sharing the file system. */
export function defaultRplpipeCommand(): string {
  return `${shq(process.execPath)} ${shq(join(packageRoot, "dist", "cli", "main.js"))}`;
}

/** Sessions and channels of a day, from the recordings' headers (no outputs needed). */
export function daySessions(day: string): { sessions: ManifestSession[]; failures: string[] } {
  const plan = planRun(day, {
    stages: ["split", "lfp", "highpass", "parallel"],
    redo: true,
    lfp: lfpChainOptions({ samplingRate: 30000 }),
    highpass: highpassChainOptions({ samplingRate: 30000 }),
  });
  return {
    sessions: plan.sessions.map((s) => ({ name: s.name, path: s.path, channels: s.channels.map((c) => c.info.electrodeId), parallel: s.nev !== undefined })),
    failures: plan.failures.map((f) => `${f.session}: [${f.code}] ${f.message}`),
  };
}

async function sortThrottle(o: CheckedSubmitOptions, day: string): Promise<number> {
  if (o.slots !== undefined) return o.slots;
  if (o.fromPack) return o.packSlots;
  if (o.sortPrefix) return 1; // one environment: sorts in it would share MountainLab's lock files
  const pool = o.sortPool ?? findPool(day);
  if (pool) {
    try {
      return Math.max(1, (await openSlotPool(resolve(pool)).status()).length);
    } catch {
      /* an unreadable pool is reported by the task itself */
    }
  }
  return 4;
}

export interface RoundRequest {
  day: string;
  round: number;
  /** Sessions to run split jobs for (default all). */
  splitSessions?: string[];
  /** Channels to sort (default all of the day's channels). */
  sortChannels?: number[];
}

/**
 * Writes one round's scripts and manifest and (unless dry-run) submits them.
 * @returns the manifest (with job ids when submitted)
 */
export async function submitRound(req: RoundRequest, o: CheckedSubmitOptions, known?: { sessions: ManifestSession[]; warnings: string[] }): Promise<Manifest> {
  const day = resolve(req.day);
  const { sessions, warnings } = known ?? (() => {
    const d = daySessions(day);
    return { sessions: d.sessions, warnings: d.failures };
  })();
  if (sessions.length === 0) throw new RplpipeError("ERR_NO_SESSION", `no session of ${day} can be read: ${warnings.join("; ")}`);
  const rplpipe = o.rplpipe || defaultRplpipeCommand();
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const dir = join(slurmDir(day), `${stamp}-r${req.round}`);
  const logDir = join(dir, "logs");
  mkdirSync(logDir, { recursive: true });
  const splitStages = o.stages.filter((s) => s !== "sort");
  const splitSessions = splitStages.length === 0 ? [] : (req.splitSessions ?? sessions.map((s) => s.name));
  const allSort = [...new Set(sessions.flatMap((s) => s.channels))].sort((a, b) => a - b);
  let sortChannels = o.stages.includes("sort") ? (req.sortChannels ?? allSort) : [];
  const w = [...warnings];
  if (sortChannels.length && !o.fromPack && !o.sortPool && !o.sortPrefix && !findPool(day)) {
    w.push(`no sorter environment (--from-pack, --sort-pool, --sort-prefix, $RPLPIPE_ENV_POOL or a .rplpipe/envs pool above ${day}): no sort jobs submitted`);
    sortChannels = [];
  }
  const m: Manifest = {
    version: 1,
    day,
    round: req.round,
    dir,
    createdAt: new Date().toISOString(),
    options: o,
    rplpipe,
    sessions,
    splitSessions,
    sortChannels,
    allSortChannels: sortChannels.length || req.sortChannels ? allSort : [],
    scripts: { split: {} },
    jobs: { split: {} },
    warnings: w,
  };
  const manifestPath = join(dir, "manifest.json");
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    chmodSync(p, 0o755);
    return p;
  };
  for (const name of splitSessions) {
    const s = sessions.find((x) => x.name === name)!;
    m.scripts.split[name] = write(`split-${name}.sbatch`, splitScript({ rplpipe, session: s.path, sessionName: name, logDir, o }));
  }
  if (sortChannels.length) {
    const throttle = await sortThrottle(o, day);
    m.scripts.sort = write("sort.sbatch", sortScript({ rplpipe, manifest: manifestPath, tasks: sortChannels.length, throttle, dayName: basename(day), logDir, o }));
  }
  m.scripts.finish = write("finish.sbatch", finishScript({ rplpipe, manifest: manifestPath, dayName: basename(day), logDir, o }));
  writeManifest(m);
  if (o.dryRun) return m;

  // Submit: the manifest is rewritten after each sbatch so a failure midway still shows what was submitted.
  for (const name of splitSessions) {
    m.jobs.split[name] = sbatch(m.scripts.split[name]!);
    writeManifest(m);
  }
  const splitIds = Object.values(m.jobs.split);
  if (m.scripts.sort) {
    m.jobs.sort = sbatch(m.scripts.sort, splitIds.length ? [`--dependency=afterok:${splitIds.join(":")}`] : []);
    writeManifest(m);
  }
  const all = [...splitIds, ...(m.jobs.sort ? [m.jobs.sort] : [])];
  m.jobs.finish = sbatch(m.scripts.finish, all.length ? [`--dependency=afterany:${all.join(":")}`] : []);
  writeManifest(m);
  return m;
}

/**
 * Submits every day at or below `dir`.
 * @throws {TypeError | RangeError} for bad options (before anything is written); RplpipeError ERR_NO_SESSION,
 *   ERR_NO_SLURM, ERR_SBATCH
 */
export async function submitDays(dir: string, options: SubmitOptions = {}): Promise<Manifest[]> {
  const o = checkSubmitOptions(options);
  const d = discover(dir);
  if (d.ancestors.session) throw new RplpipeError("ERR_NOT_A_LEVEL", `${dir} is below a day; submit the day (${d.ancestors.day}): sorting joins all its sessions`);
  if (d.days.length === 0) throw new RplpipeError("ERR_NO_SESSION", `no recording day under ${dir}`);
  const out: Manifest[] = [];
  for (const day of d.days) out.push(await submitRound({ day: day.path, round: 1 }, o));
  return out;
}
