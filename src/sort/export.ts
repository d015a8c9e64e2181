/**
 * export_mountain_cells (spec/pyhipp.md §4.3): a sorted channel's spikes, split by session, written as
 * `sessionXX/arrayNN/channelNNN/cellNN/{spiketrain.csv, spiketrain_d41d.hkl}` — the csv one row of spike times
 * in ms from the session's first sample (Python `repr(float)`, csv.writer's "\r\n"), the hkl PyHipp's
 * Spiketrain object (keys args, numSets, spiketimes, dirs, setidx, plotopts, current_idx).
 *
 * Two PyHipp defects are fixed (docs/sorting.md):
 * 1. PyHipp exports `T[marker:i-1]` at each session border, dropping the last spike before it. Here every spike
 *    goes to the session whose samples hold it: 0-based time t belongs to session s when
 *    start[s] <= t + 1 < start[s+1] (starts 1-based, as start_indices.csv), so ms is in [0, duration).
 * 2. PyHipp numbers cells per session in CPython set order, so one unit can be cell01 in one session and cell02
 *    in the next. Here cellNN is the rank (1-based) of the unit's label among all labels of the channel: the same
 *    unit has the same cellNN in every session. A unit without spikes in a session gets no directory there.
 * The ms formula is PyHipp's, operation for operation: ((t - start + 1) / rate) * 1000 (rate 30000 in PyHipp).
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RplpipeError } from "../errors.js";
import { writeHickle } from "../hdf5/hickle-write.js";
import { pyDict, pyInt, pyList, pyNone, pyStr, type PyValue } from "../hdf5/hickle-types.js";
import { defaultLevels, normpath, type LevelConfig } from "../layout/levels.js";
import { cellDirName, channelDirName } from "../layout/names.js";
import { pyFloatRepr } from "../layout/pyvalue.js";
import { checkInteger, checkNumber, checkString } from "../validate.js";
import { channelSessions, parseStartIndicesCsv, writeTextAtomic } from "./join.js";
import { readMda } from "./mda.js";

/** Spiketrain's file name (argsList [] → hash d41d). */
export const kSpiketrainFile = "spiketrain_d41d.hkl";
const kOurFiles = new Set(["spiketrain.csv", kSpiketrainFile]);

/** Session index (into `starts`, 1-based starts ascending) of each 0-based time: start[s] <= t+1 < start[s+1]. */
export function sessionOfSpikes(times: ArrayLike<number>, starts: readonly number[]): Int32Array {
  const out = new Int32Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const t1 = times[i]! + 1;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= t1) lo = mid;
      else hi = mid - 1;
    }
    out[i] = lo;
  }
  return out;
}

/** cellNN number of every label: its rank among the distinct labels, ascending, 1-based. */
export function cellNumbers(labels: ArrayLike<number>): Map<number, number> {
  const distinct = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  return new Map(distinct.map((l, i) => [l, i + 1]));
}

/** PyHipp's spike time in ms: `((t - start + 1) / rate) * 1000`, t a 0-based sample, start 1-based. */
export function spikeTimeMs(t: number, start: number, rate = 30000): number {
  return ((t - start + 1) / rate) * 1000;
}

/** spiketrain.csv: `csv.writer(f).writerow(times)` — Python repr of each float, ",", then "\r\n". */
export function spiketrainCsv(ms: readonly number[]): string {
  return `${ms.map(pyFloatRepr).join(",")}\r\n`;
}

/** The Spiketrain object PyHipp saves after reading spiketrain.csv: spiketimes = [row as strings]. */
export function spiketrainObject(row: readonly string[], dirs: string): PyValue {
  return pyDict([
    ["args", pyDict([])],
    ["numSets", pyInt(1)],
    ["spiketimes", pyList([pyList(row.map(pyStr))])],
    ["dirs", pyList([pyStr(dirs)])],
    ["setidx", pyList([])],
    ["plotopts", pyDict([["indexer", pyStr("cell")]])],
    ["current_idx", pyNone()],
  ]);
}

export interface ExportedCell {
  session: string;
  /** `cellNN`. */
  cell: string;
  label: number;
  dir: string;
  spikes: number;
}

export interface ExportResult {
  electrodeId: number;
  /** Distinct labels of the channel, ascending (cellNN = index + 1). */
  labels: number[];
  cells: ExportedCell[];
  /** Cell directories of earlier runs removed. */
  removed: string[];
  warnings: string[];
}

export interface ExportOptions {
  dayDir: string;
  electrodeId: number;
  /** Default 30000 (PyHipp's hard-coded rate). */
  samplingRate?: number;
  levels?: LevelConfig;
}

/** Removes `cellNN` directories of `channelDir` not in `keep`: only our two files; a dir holding anything else stays. */
function removeStale(channelDir: string, keep: Set<string>, removed: string[], warnings: string[]): void {
  for (const name of readdirSync(channelDir)) {
    if (!/^cell\d+$/.test(name) || keep.has(name)) continue;
    const dir = join(channelDir, name);
    if (!lstatSync(dir).isDirectory()) continue; // never follow a symlink
    const files = readdirSync(dir);
    for (const f of files) if (kOurFiles.has(f) || /^spiketrain.*\.tmp-/.test(f)) rmSync(join(dir, f), { force: true });
    const left = readdirSync(dir);
    if (left.length === 0) {
      rmdirSync(dir);
      removed.push(dir);
    } else warnings.push(`${dir}: an earlier run's cell directory holds other files (${left.slice(0, 3).join(", ")}); its spike train was removed, the directory kept`);
  }
}

/**
 * Exports the cells of `<dayDir>/mountains/channelNNN/output/firings.mda` into every session listed in
 * start_indices.csv, replacing earlier runs' cells of that channel.
 * @throws {TypeError|RangeError} bad arguments
 * @throws {RplpipeError} ERR_SORT_INPUT (missing or malformed firings.mda / start_indices.csv, a session of
 *   start_indices.csv without the channel directory), ERR_MDA_FORMAT, ERR_WRITE
 */
export async function exportCells(options: ExportOptions): Promise<ExportResult> {
  const dayDir = checkString("options.dayDir", options.dayDir);
  const electrodeId = checkInteger("options.electrodeId", options.electrodeId, 0, 2 ** 31 - 1);
  const rate = checkNumber("options.samplingRate", options.samplingRate ?? 30000, 1, 1e7);
  const levels = options.levels ?? defaultLevels;
  const base = join(dayDir, "mountains", channelDirName(electrodeId));
  const firingsPath = join(base, "output", "firings.mda");
  const indicesPath = join(base, "start_indices.csv");
  for (const p of [firingsPath, indicesPath]) if (!existsSync(p)) throw new RplpipeError("ERR_SORT_INPUT", `${p} is missing; sort the channel first`);
  const { starts, names } = parseStartIndicesCsv(readFileSync(indicesPath, "latin1"));
  const f = readMda(firingsPath);
  if (f.dims.length !== 2 || f.dims[0]! < 3) throw new RplpipeError("ERR_SORT_INPUT", `${firingsPath}: dims ${f.dims.join("×")}, expected 3×L`);
  const rows = f.dims[0]!;
  const L = f.dims[1]!;
  const times = new Float64Array(L);
  const labels = new Float64Array(L);
  for (let j = 0; j < L; j++) (times[j] = Number(f.data[rows * j + 1])), (labels[j] = Number(f.data[rows * j + 2]));
  const numbers = cellNumbers(labels);
  const session = sessionOfSpikes(times, starts);
  const dirs = new Map(channelSessions(dayDir, electrodeId).map((s) => [s.name, s.channelDir]));
  const result: ExportResult = { electrodeId, labels: [...numbers.keys()], cells: [], removed: [], warnings: [] };
  for (let s = 0; s < names.length; s++) {
    const channelDir = dirs.get(names[s]!);
    if (!channelDir) throw new RplpipeError("ERR_SORT_INPUT", `start_indices.csv names ${names[s]}, which has no ${channelDirName(electrodeId)} directory under ${dayDir}`);
    const perCell = new Map<number, number[]>();
    for (let j = 0; j < L; j++) {
      if (session[j] !== s) continue;
      const n = numbers.get(labels[j]!)!;
      let list = perCell.get(n);
      if (!list) perCell.set(n, (list = []));
      list.push(spikeTimeMs(times[j]!, starts[s]!, rate));
    }
    const keep = new Set<string>();
    for (const [n, ms] of [...perCell].sort((a, b) => a[0] - b[0])) {
      const cell = cellDirName(n);
      const dir = join(channelDir, cell);
      mkdirSync(dir, { recursive: true });
      writeTextAtomic(join(dir, "spiketrain.csv"), spiketrainCsv(ms));
      await writeHickle(join(dir, kSpiketrainFile), spiketrainObject(ms.map(pyFloatRepr), normpath(dir, levels)));
      keep.add(cell);
      result.cells.push({ session: names[s]!, cell, label: result.labels[n - 1]!, dir, spikes: ms.length });
    }
    removeStale(channelDir, keep, result.removed, result.warnings);
  }
  return result;
}
