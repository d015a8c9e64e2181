/**
 * Runs a command inside a slot's environment without `conda activate`, `conda init` or ~/.bashrc: those need
 * an interactive-style shell, differ between sites and were the fragile part of PyHipp's job scripts. What
 * activation does that matters to a sorter is reproduced: the env's bin/ first on PATH and VIRTUAL_ENV or
 * CONDA_PREFIX set (activate.d hooks are not run). Every temp and MountainLab state directory points into the
 * slot's own scratch, so jobs in different slots never meet on MountainLab's lock files (see docs/envs.md).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { RplpipeError } from "../errors.js";
import { checkNumber, checkString } from "../validate.js";
import type { Slot } from "./slot-pool.js";

export interface RunInSlotOptions {
  cwd: string;
  /** Kill the whole process group after this long, ms. */
  timeoutMs: number;
  /** Extra variables (undefined removes one), applied last. */
  env?: Record<string, string | undefined>;
  /** Each stderr chunk as it arrives (progress lines of a sorter). */
  onStderr?: (text: string) => void;
  /** Between SIGTERM and SIGKILL on timeout, ms (default 5000). */
  killGraceMs?: number;
}

export interface RunResult {
  /** Exit code, null when ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last ~4 KB of stderr (for error messages). */
  stderrTail: string;
  timedOut: boolean;
}

const kTail = 4096;

/**
 * The environment a command sees in `slot`: `base` (default process.env) with the slot's bin/ first on PATH,
 * VIRTUAL_ENV or CONDA_PREFIX (conda when `<prefix>/conda-meta` exists), PYTHONHOME/PYTHONPATH removed, and
 * TMPDIR/TEMPDIR/TMP/TEMP, ML_TEMPORARY_DIRECTORY, ML_PROCESSOR_TEMPDIR, ML_DATABASE_DIRECTORY in the slot scratch
 * (created).
 * @throws RplpipeError ERR_ENV_UNRESOLVED for a slot without a prefix.
 */
export function slotEnv(
  slot: Slot,
  base: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  if (!slot.prefix) throw new RplpipeError("ERR_ENV_UNRESOLVED", `slot "${slot.name}" has no environment prefix`);
  const env: NodeJS.ProcessEnv = { ...base };
  // Another Python's home or path would silently mix its packages into the slot's environment.
  delete env.PYTHONHOME;
  delete env.PYTHONPATH;
  if (existsSync(join(slot.prefix, "conda-meta"))) {
    env.CONDA_PREFIX = slot.prefix;
    env.CONDA_DEFAULT_ENV = basename(slot.prefix);
    delete env.VIRTUAL_ENV;
  } else {
    env.VIRTUAL_ENV = slot.prefix;
    delete env.CONDA_PREFIX;
    delete env.CONDA_DEFAULT_ENV;
  }
  env.PATH = join(slot.prefix, "bin") + (base.PATH ? `:${base.PATH}` : "");
  const tmp = join(slot.scratch, "tmp");
  const mlTmp = join(slot.scratch, "ml-tmp");
  const mlDb = join(slot.scratch, "ml-db");
  for (const d of [tmp, mlTmp, mlDb]) mkdirSync(d, { recursive: true });
  // TMPDIR for Python's tempfile and most tools; TEMPDIR because mountainsort4 reads that one
  // (tempfile.mkdtemp(dir=os.environ.get('TEMPDIR', '/tmp'))); TMP/TEMP for the rest.
  for (const k of ["TMPDIR", "TEMPDIR", "TMP", "TEMP"]) env[k] = tmp;
  env.ML_TEMPORARY_DIRECTORY = mlTmp;
  env.ML_PROCESSOR_TEMPDIR = mlTmp;
  env.ML_DATABASE_DIRECTORY = mlDb;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // negative pid: the whole group, so a sorter's own workers die with it
  } catch {
    /* ESRCH: already gone */
  }
}

/**
 * Runs `argv` in `slot` (see {@link slotEnv}) in its own process group, collecting stdout and the stderr tail.
 * On timeout the group gets SIGTERM, then SIGKILL after `killGraceMs`. Resolves when the process has ended and
 * its output pipes closed; a non-zero exit is a result, not an error.
 * @throws TypeError/RangeError for bad arguments; RplpipeError ERR_SPAWN when the program cannot be started,
 *   ERR_ENV_UNRESOLVED for a slot without a prefix.
 */
export function runInSlot(slot: Slot, argv: string[], opts: RunInSlotOptions): Promise<RunResult> {
  if (!Array.isArray(argv) || argv.length === 0) throw new TypeError("Expected a non-empty array for argv");
  argv.forEach((a, i) => checkString(`argv[${i}]`, a));
  checkString("options.cwd", opts.cwd);
  checkNumber("options.timeoutMs", opts.timeoutMs, 1, Infinity);
  const grace = opts.killGraceMs === undefined ? 5000 : checkNumber("options.killGraceMs", opts.killGraceMs, 0, 600_000);
  const env = slotEnv(slot, process.env, opts.env);
  return new Promise((resolve, reject) => {
    // Node looks argv[0] up on options.env.PATH, i.e. in the slot's bin/ first.
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let tail = "";
    let timedOut = false;
    let killer: NodeJS.Timeout | null = null;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid === undefined) return;
      killGroup(child.pid, "SIGTERM");
      killer = setTimeout(() => killGroup(child.pid!, "SIGKILL"), grace);
    }, opts.timeoutMs);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (s: string) => {
      tail = (tail + s).slice(-kTail);
      opts.onStderr?.(s);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new RplpipeError("ERR_SPAWN", `cannot start ${argv[0]} in slot "${slot.name}": ${e.message}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderrTail: tail, timedOut });
    });
  });
}
