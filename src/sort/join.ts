/**
 * mountain_batch's input step (spec/pyhipp.md §4.1 steps 3, 5–7): one channel's spike band
 * (`rplhighpass_b59f.hkl`) of every session of a day, concatenated into `mountains/channelNNN/dataset/raw_data.mda`
 * (1×N float32), with `start_indices.csv` recording where each session starts (1-based) and its name.
 *
 * Order: PyHipp walks `os.listdir` (file-system order, unspecified). We sort the session names as Python's
 * `sorted()` does — session01, session02, …, sessioneye — so the concatenation is the same on every machine.
 * Sessions are the day's sub-directories PyHipp's comb_channels_ms accepts (name ≥ 8 characters starting with
 * `session0` or `sessioneye`) that hold this channel; a session without the channel directory is skipped, as
 * in PyHipp.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RplpipeError } from "../errors.js";
import { readHickle, readHickleArray } from "../hdf5/hickle-read.js";
import type { NdArrayRef, PyValue } from "../hdf5/hickle-types.js";
import { scanDay } from "../layout/discover.js";
import { channelDirName, objectFileName } from "../layout/names.js";
import { pyRepr } from "../layout/pyvalue.js";
import { highpassArgs } from "../pipeline/objects.js";
import { checkInteger, checkString } from "../validate.js";
import { writeMdaStream } from "./mda.js";

/** PyHipp's default spike-band file name (RPLHighPass, HighOrder 8, 500–7500 Hz). */
export const kHighpassFile = objectFileName("rplhighpass.hkl", highpassArgs({ highOrder: 8, highPassFrequency: [500, 7500] }) as never);

/** One session's part of the joined channel. */
export interface JoinedSession {
  name: string;
  /** `…/sessionXX/arrayNN/channelNNN`. */
  channelDir: string;
  /** 1-based index of the session's first sample in raw_data.mda (PyHipp's start_indices.csv). */
  start: number;
  samples: number;
}

export interface JoinResult {
  /** `<day>/mountains/channelNNN`. */
  dir: string;
  sessions: JoinedSession[];
  samples: number;
  samplingRate: number;
  rawPath: string;
  startIndicesPath: string;
}

/** The sessions mountain_batch takes: `len(name) >= 8` and a `session0` or `sessioneye` prefix. */
export function isSortSession(name: string): boolean {
  return name.length >= 8 && (name.startsWith("session0") || name.startsWith("sessioneye"));
}

/**
 * The channel's directory in every sort session of a day, in Python-sorted session order.
 * @throws {TypeError|RangeError} bad arguments; RplpipeError from discovery (ERR_NOT_A_DIRECTORY …)
 */
export function channelSessions(dayDir: string, electrodeId: number, only?: readonly string[]): { name: string; channelDir: string }[] {
  checkString("dayDir", dayDir);
  const ch = channelDirName(checkInteger("electrodeId", electrodeId, 0, 2 ** 31 - 1));
  const out: { name: string; channelDir: string }[] = [];
  for (const s of scanDay(dayDir).sessions) {
    if (!isSortSession(s.name) || (only && !only.includes(s.name))) continue;
    const hit = s.arrays.flatMap((a) => a.channels).find((c) => c.name === ch);
    if (hit) out.push({ name: s.name, channelDir: hit.path });
  }
  return out;
}

/** start_indices.csv as mountain_batch writes it: `"%s,%s\n" % (key, list)`, e.g. `1,[1, 54000001]\n2,['session01', 'sessioneye']\n`. */
export function startIndicesCsv(sessions: readonly { name: string; start: number }[]): string {
  return `1,${pyRepr(sessions.map((s) => s.start))}\n2,${pyRepr(sessions.map((s) => s.name))}\n`;
}

/**
 * Parses start_indices.csv as export_mountain_cells does (row `1` → ints of `term.strip(" '][")`, row `2` → names).
 * @throws {RplpipeError} ERR_SORT_INPUT when a row is missing, a start is not an integer, or the counts differ
 */
export function parseStartIndicesCsv(text: string): { starts: number[]; names: string[] } {
  const rows = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    const [key, ...terms] = line.split(",");
    rows.set(key!, terms.map((t) => t.replace(/^[ '\][]+|[ '\][]+$/g, "")));
  }
  const starts = (rows.get("1") ?? []).map(Number);
  const names = rows.get("2") ?? [];
  if (!rows.has("1") || !rows.has("2") || starts.length !== names.length || starts.some((x) => !Number.isSafeInteger(x) || x < 1))
    throw new RplpipeError("ERR_SORT_INPUT", `start_indices.csv is malformed: ${JSON.stringify(text.slice(0, 200))}`);
  return { starts, names };
}

function entry(v: PyValue, key: string): PyValue | undefined {
  return v.kind === "dict" ? v.entries.find(([k]) => k === key)?.[1] : undefined;
}

async function openHighpass(path: string): Promise<{ ref: NdArrayRef; samples: number; rate: number }> {
  if (!existsSync(path))
    throw new RplpipeError("ERR_SORT_INPUT", `${path} is missing; make the spike band first (rplpipe run DAY --stages highpass)`);
  const v = await readHickle(path, { lazyArrayElements: 0 });
  const data = entry(v, "data");
  const rate = entry(entry(v, "analogInfo") ?? { kind: "none" }, "SampleRate");
  if (!data || data.kind !== "ndarray" || !("ref" in data) || data.shape.length !== 1 || data.dtype !== "float32")
    throw new RplpipeError("ERR_SORT_INPUT", `${path}: no 1-D float32 'data' array (not an RPLHighPass file?)`);
  const fs = rate && (rate.kind === "float" || rate.kind === "int") ? Number(rate.value) : 30000;
  return { ref: data, samples: data.shape[0]!, rate: fs };
}

/**
 * Writes `<dayDir>/mountains/channelNNN/{start_indices.csv, dataset/raw_data.mda}` for one channel.
 * @param options.sessions session names to use (default every sort session holding the channel)
 * @param options.highpassFile spike-band file name in each channel directory (default rplhighpass_b59f.hkl)
 * @throws {TypeError|RangeError} bad arguments
 * @throws {RplpipeError} ERR_SORT_INPUT (no session holds the channel, a spike-band file is missing or not
 *   RPLHighPass, sessions with different sampling rates), ERR_HICKLE_FORMAT / ERR_FILE_OPEN from the reader,
 *   ERR_WRITE when the outputs cannot be written
 */
export async function joinChannel(options: { dayDir: string; electrodeId: number; sessions?: readonly string[]; highpassFile?: string }): Promise<JoinResult> {
  const { dayDir, electrodeId } = options;
  const found = channelSessions(dayDir, electrodeId, options.sessions);
  const ch = channelDirName(electrodeId);
  if (found.length === 0) throw new RplpipeError("ERR_SORT_INPUT", `no session of ${dayDir} has a ${ch} directory${options.sessions ? ` among ${options.sessions.join(", ")}` : ""}`);
  const file = options.highpassFile ?? kHighpassFile;
  const inputs: { name: string; channelDir: string; ref: NdArrayRef; samples: number; rate: number }[] = [];
  for (const s of found) inputs.push({ ...s, ...(await openHighpass(join(s.channelDir, file))) });
  const rate = inputs[0]!.rate;
  const odd = inputs.find((x) => x.rate !== rate);
  if (odd) throw new RplpipeError("ERR_SORT_INPUT", `${ch}: ${odd.name} is sampled at ${odd.rate} Hz, ${inputs[0]!.name} at ${rate} Hz; sessions cannot be joined`);
  const sessions: JoinedSession[] = [];
  let current = 1;
  for (const x of inputs) {
    sessions.push({ name: x.name, channelDir: x.channelDir, start: current, samples: x.samples });
    current += x.samples;
  }
  const total = current - 1;
  const dir = join(dayDir, "mountains", ch);
  mkdirSync(join(dir, "dataset"), { recursive: true });
  const rawPath = join(dir, "dataset", "raw_data.mda");
  async function* pieces(): AsyncIterable<Float32Array> {
    const slab = 1 << 22;
    for (const x of inputs)
      for (let i = 0; i < x.samples; i += slab) yield (await readHickleArray(x.ref, i, Math.min(x.samples, i + slab))) as Float32Array;
  }
  await writeMdaStream(rawPath, "float32", [1, total], pieces());
  const startIndicesPath = join(dir, "start_indices.csv");
  writeTextAtomic(startIndicesPath, startIndicesCsv(sessions));
  return { dir, sessions, samples: total, samplingRate: rate, rawPath, startIndicesPath };
}

/**
 * Writes `text` to `path` through a temporary file and a rename, so readers never see half a file.
 * @throws {RplpipeError} ERR_WRITE when the file cannot be written (the temporary file is removed)
 */
export function writeTextAtomic(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new RplpipeError("ERR_WRITE", `Cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}
