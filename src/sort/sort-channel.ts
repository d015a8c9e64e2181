/**
 * Sorting one channel, as PyHipp's mountain_batch + sort.sh.txt + export_mountain_cells (spec/pyhipp.md §4):
 * join the sessions' spike band into `<day>/mountains/channelNNN/dataset/raw_data.mda`, run the driver
 * (driver/ms_driver.py) in a sorter slot's python with that directory as working directory, write
 * `output/templates.hkl`, delete `dataset/`, export the cells into the session directories.
 *
 * A failure of the channel (input, slot, sorter crash / time limit / missing package, outputs) is returned as a
 * {@link SortError} in `result.failure`, never thrown, and the slot is always released. Only bad options throw.
 */
import { existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { invalidOption, RplpipeError } from "../errors.js";
import { runInSlot } from "../envs/run-in-slot.js";
import type { Slot } from "../envs/slot-pool.js";
import { writeHickle } from "../hdf5/hickle-write.js";
import { npArray } from "../hdf5/hickle-types.js";
import { checkInteger, checkKnownKeys, checkOneOf, checkString, isPlainObject } from "../validate.js";
import { exportCells, type ExportedCell } from "./export.js";
import { joinChannel, writeTextAtomic, type JoinedSession } from "./join.js";
import { readMda, readMdaHeader, toCOrder } from "./mda.js";

export type Sorter = "ms4" | "ms5";

/** A slot held until `release()` (src/envs' Lease has more; sortChannel needs only these). */
export interface LeaseLike {
  readonly slot: Slot;
  release(): unknown;
}

/** What sortChannel needs of a pool (src/envs' `openSlotPool(dir)`, or any stand-in): `acquire()` waits for a free slot. */
export interface SlotPoolLike {
  acquire(): LeaseLike | Promise<LeaseLike>;
}

/**
 * Codes: ERR_SORT_INPUT (spike band missing or unusable), ERR_SORTER_MISSING (no python in the slot, or the
 * sorter package is not installed there), ERR_SORTER_TIMEOUT (killed at the time limit), ERR_SORTER_FAILED
 * (non-zero exit or a signal), ERR_SORTER_OUTPUT (exit 0 but firings/templates missing or malformed),
 * ERR_SLOT (no slot could be acquired), ERR_WRITE (an output could not be written).
 */
export const kSortErrorCodes = ["ERR_SORT_INPUT", "ERR_SORTER_MISSING", "ERR_SORTER_TIMEOUT", "ERR_SORTER_FAILED", "ERR_SORTER_OUTPUT", "ERR_SLOT", "ERR_WRITE"] as const;

export type SortStage = "join" | "slot" | "sort" | "export";

/** One channel's failure, recorded in its result (not thrown) so the other channels go on; codes above. */
export class SortError extends RplpipeError {
  readonly electrodeId: number;
  readonly stage: SortStage;
  /** The last lines the sorter wrote to stderr ("" when it never ran). */
  readonly stderrTail: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly slot: string | undefined;
  constructor(
    code: string,
    message: string,
    details: { electrodeId: number; stage: SortStage; stderrTail?: string; exitCode?: number | null; signal?: string | null; slot?: string; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.name = "SortError";
    this.electrodeId = details.electrodeId;
    this.stage = details.stage;
    this.stderrTail = details.stderrTail ?? "";
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
    this.slot = details.slot;
  }

  /** Plain fields, for `--json` and logs. */
  toJSON(): Record<string, unknown> {
    const { code, message, electrodeId, stage, stderrTail, exitCode, signal, slot } = this;
    return { code, message, electrodeId, stage, stderrTail, exitCode, signal, slot };
  }
}

/** The driver's last "ms_driver: error: …" line, else the last non-empty stderr line. */
function lastErrorLine(stderrTail: string): string {
  const lines = stderrTail.split("\n").map((l) => l.trim()).filter(Boolean);
  const tagged = lines.filter((l) => l.startsWith("ms_driver: error:"));
  return (tagged.at(-1) ?? lines.at(-1) ?? "").replace(/^ms_driver: error:\s*/, "");
}

/** Wraps anything thrown in a stage as a SortError (keeping an RplpipeError's code). */
function asSortError(e: unknown, electrodeId: number, stage: SortStage, slot?: string): SortError {
  if (e instanceof SortError) return e;
  const code = e instanceof RplpipeError ? (e.code === "ERR_WRITE" ? "ERR_WRITE" : stage === "join" ? "ERR_SORT_INPUT" : e.code) : stage === "join" ? "ERR_SORT_INPUT" : "ERR_SORTER_OUTPUT";
  const message = e instanceof Error ? e.message : String(e);
  return new SortError(code, message, { electrodeId, stage, slot, cause: e });
}

export interface SortChannelOptions {
  dayDir: string;
  electrodeId: number;
  /** Session names to join (default every session holding the channel). */
  sessions?: readonly string[];
  /** A slot the caller holds; or give `pool`. */
  slot?: Slot;
  /** A pool to lease a slot from for the sorter run only (released afterwards, also on failure). */
  pool?: SlotPoolLike;
  /** Default "ms4". */
  sorter?: Sorter;
  /** Sorter time limit; default 10 min + the recording's duration. */
  timeoutMs?: number;
  /** Export cells into the sessions (default true). */
  exportCells?: boolean;
  /** Keep dataset/raw_data.mda (default false: deleted, as PyHipp). */
  keepDataset?: boolean;
  /** Extra driver arguments, e.g. ["--scheme", "1"] (docs/sorting.md). */
  driverArgs?: readonly string[];
}

export interface SortChannelResult {
  electrodeId: number;
  /** `<day>/mountains/channelNNN`. */
  dir: string;
  sorter: Sorter;
  slot: string | undefined;
  ok: boolean;
  sessions: JoinedSession[];
  samples: number;
  units: number;
  events: number;
  cells: ExportedCell[];
  warnings: string[];
  seconds: { join: number; sort: number; export: number; total: number };
  failure?: SortError;
}

const kKnown = ["dayDir", "electrodeId", "sessions", "slot", "pool", "sorter", "timeoutMs", "exportCells", "keepDataset", "driverArgs"];

/** The shipped driver: next to this module (src/sort/driver, or dist/sort/driver when copied), else the package's src. */
export function driverPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "driver", "ms_driver.py"), resolve(here, "..", "..", "src", "sort", "driver", "ms_driver.py")];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

function validate(o: SortChannelOptions): Required<Pick<SortChannelOptions, "sorter" | "exportCells" | "keepDataset">> {
  if (!isPlainObject(o)) throw invalidOption("options", "an options object", o);
  checkKnownKeys("options", o as unknown as Record<string, unknown>, kKnown);
  checkString("options.dayDir", o.dayDir);
  checkInteger("options.electrodeId", o.electrodeId, 0, 2 ** 31 - 1);
  if ((o.slot === undefined) === (o.pool === undefined)) throw invalidOption("options", "exactly one of slot and pool", Object.keys(o).join(", "));
  if (o.slot && (!isPlainObject(o.slot) || typeof o.slot.prefix !== "string" || typeof o.slot.scratch !== "string"))
    throw invalidOption("options.slot", "a slot {name, prefix, scratch}", o.slot);
  if (o.timeoutMs !== undefined) checkInteger("options.timeoutMs", o.timeoutMs, 1, 7 * 24 * 3600 * 1000);
  if (o.driverArgs !== undefined && (!Array.isArray(o.driverArgs) || o.driverArgs.some((a) => typeof a !== "string")))
    throw invalidOption("options.driverArgs", "an array of strings", o.driverArgs);
  return { sorter: o.sorter === undefined ? "ms4" : checkOneOf("options.sorter", o.sorter, ["ms4", "ms5"] as const), exportCells: o.exportCells ?? true, keepDataset: o.keepDataset ?? false };
}

/** Runs the driver in `slot`; returns its summary line or throws a SortError. */
async function runDriver(slot: Slot, cwd: string, args: string[], o: { electrodeId: number; timeoutMs: number }): Promise<{ events: number; units: number }> {
  const python = join(slot.prefix, "bin", "python");
  const where = { electrodeId: o.electrodeId, stage: "sort" as const, slot: slot.name };
  if (!existsSync(python)) throw new SortError("ERR_SORTER_MISSING", `slot ${slot.name}: no python at ${python}`, where);
  let r;
  try {
    r = await runInSlot(slot, [python, driverPath(), ...args], { cwd, timeoutMs: o.timeoutMs, env: { PYTHONUNBUFFERED: "1", PYTHONNOUSERSITE: "1" } });
  } catch (e) {
    // ERR_SPAWN (python cannot be started), ERR_ENV_UNRESOLVED (a slot without a prefix)
    throw new SortError("ERR_SORTER_MISSING", `slot ${slot.name}: ${(e as Error).message}`, { ...where, cause: e });
  }
  const info = { ...where, stderrTail: r.stderrTail, exitCode: r.code, signal: r.signal };
  if (r.timedOut) throw new SortError("ERR_SORTER_TIMEOUT", `slot ${slot.name}: the sorter ran past its ${Math.round(o.timeoutMs / 1000)} s limit and was killed`, info);
  if (r.code === 3) throw new SortError("ERR_SORTER_MISSING", `slot ${slot.name}: ${lastErrorLine(r.stderrTail) || "the sorter is not installed"}`, info);
  if (r.code === 4) throw new SortError("ERR_SORT_INPUT", `slot ${slot.name}: ${lastErrorLine(r.stderrTail)}`, info);
  if (r.code !== 0)
    throw new SortError("ERR_SORTER_FAILED", `slot ${slot.name}: the sorter ${r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`}: ${lastErrorLine(r.stderrTail) || "no message"}`, info);
  const line = r.stdout.split("\n").find((l) => l.startsWith("RPLPIPE_RESULT "));
  let summary: { events?: number; units?: number } = {};
  try {
    summary = line ? JSON.parse(line.slice(15)) : {};
  } catch {
    // the files decide below
  }
  for (const f of ["firings.mda", "templates.mda", "metrics.json"])
    if (!existsSync(join(cwd, "output", f))) throw new SortError("ERR_SORTER_OUTPUT", `slot ${slot.name}: the sorter exited 0 but wrote no output/${f}`, info);
  const h = readMdaHeader(join(cwd, "output", "firings.mda"));
  if (h.dims.length !== 2 || h.dims[0]! < 3) throw new SortError("ERR_SORTER_OUTPUT", `output/firings.mda has dims ${h.dims.join("×")}, expected 3×L`, info);
  return { events: summary.events ?? h.dims[1]!, units: summary.units ?? 0 };
}

/** templates.mda (M×T×K, column-major) → templates.hkl, as `hickle.dump(readmda(...))`: a float32 ndarray at /data. */
async function templatesHkl(dir: string): Promise<number> {
  const t = readMda(join(dir, "output", "templates.mda"));
  if (t.dtype !== "float32") throw new RplpipeError("ERR_SORTER_OUTPUT", `output/templates.mda is ${t.dtype}, expected float32`);
  await writeHickle(join(dir, "output", "templates.hkl"), npArray(toCOrder(t.data as Float32Array, t.dims), t.dims));
  return t.dims[2] ?? 0;
}

/**
 * Sorts one channel of a day and exports its cells (see the module comment for the steps and files).
 * @returns the result; `ok` false with `failure` when the channel failed
 * @throws {TypeError|RangeError} bad options only
 */
export async function sortChannel(options: SortChannelOptions): Promise<SortChannelResult> {
  const v = validate(options);
  const { electrodeId } = options;
  const dayDir = resolve(options.dayDir);
  const t0 = performance.now();
  const res: SortChannelResult = {
    electrodeId, dir: join(dayDir, "mountains", `channel${String(electrodeId).padStart(3, "0")}`), sorter: v.sorter, slot: options.slot?.name, ok: false,
    sessions: [], samples: 0, units: 0, events: 0, cells: [], warnings: [], seconds: { join: 0, sort: 0, export: 0, total: 0 },
  };
  const lap = (k: "join" | "sort" | "export", t: number) => (res.seconds[k] = (performance.now() - t) / 1000);
  let stage: "join" | "slot" | "sort" | "export" = "join";
  try {
    const j = await joinChannel({ dayDir, electrodeId, ...(options.sessions ? { sessions: options.sessions } : {}) });
    rmSync(join(res.dir, "output"), { recursive: true, force: true }); // a re-sort starts clean, as PyHipp's rm -r
    Object.assign(res, { sessions: j.sessions, samples: j.samples });
    lap("join", t0);
    const t1 = performance.now();
    const timeoutMs = options.timeoutMs ?? Math.round(600_000 + (1000 * j.samples) / j.samplingRate);
    stage = "slot";
    let lease;
    try {
      lease = options.pool ? await options.pool.acquire() : undefined;
    } catch (e) {
      throw new SortError("ERR_SLOT", `no sorter slot: ${(e as Error).message}`, { electrodeId, stage: "slot", cause: e });
    }
    const slot = lease?.slot ?? options.slot!;
    res.slot = slot.name;
    stage = "sort";
    try {
      const args = ["--sorter", v.sorter, "--samplerate", String(j.samplingRate), "--tempdir", slot.scratch, ...(options.driverArgs ?? [])];
      const r = await runDriver(slot, res.dir, args, { electrodeId, timeoutMs });
      res.events = r.events;
    } finally {
      try {
        await lease?.release();
      } catch (e) {
        res.warnings.push(`slot ${slot.name} could not be released: ${(e as Error).message}`);
      }
    }
    res.units = await templatesHkl(res.dir);
    writeTextAtomic(join(res.dir, "sort.json"), `${JSON.stringify({ sorter: v.sorter, slot: slot.name, driverArgs: options.driverArgs ?? [], sessions: j.sessions.map(({ name, start, samples }) => ({ name, start, samples })), samplingRate: j.samplingRate, events: res.events, units: res.units, finished: new Date().toISOString() }, null, 1)}\n`);
    lap("sort", t1);
    if (v.exportCells) {
      stage = "export";
      const t2 = performance.now();
      const x = await exportCells({ dayDir, electrodeId, samplingRate: j.samplingRate });
      res.cells = x.cells;
      res.warnings.push(...x.warnings);
      lap("export", t2);
    }
    res.ok = true;
  } catch (e) {
    res.failure = asSortError(e, electrodeId, stage, res.slot);
  } finally {
    if (!v.keepDataset) rmSync(join(res.dir, "dataset"), { recursive: true, force: true });
    res.seconds.total = (performance.now() - t0) / 1000;
  }
  return res;
}
