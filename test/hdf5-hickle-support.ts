/**
 * Fixtures of test/hdf5-hickle.test.ts: the real PyHipp files (loud skip when absent), PyHipp-shaped objects
 * built in Node, a JSON description of a PyValue in the form test/python/hickle_common.py `describe` prints, and a
 * comparison that tolerates the last bits of array sums (numpy sums pairwise, we sum in order).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { pyhippDataDir } from "./helpers/reference.js";
import { npArray, npScalar, pyDict, pyFloat, pyInt, pyList, type NpTypedArray, type PyValue } from "../src/hdf5/hickle-types.js";

export const channelDir = "picasso/20181105/session01/array01/channel009";
/** File names of the real PyHipp outputs under ../shared/data/pyhipp/<channelDir>. */
export const realFiles = {
  rplraw: "rplraw_d41d.hkl",
  rpllfp: "rpllfp_6eca.hkl",
  rplhighpass: "rplhighpass_b59f.hkl",
  spiketrain: "cell01/spiketrain_d41d.hkl",
} as const;
export type PyhippKind = keyof typeof realFiles;

export function makeTempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rplpipe-hdf5-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Path of a real PyHipp file, or undefined after a loud SKIPPED banner when ../shared/data/pyhipp lacks it. */
export function realPyhippFile(kind: PyhippKind, what: string): string | undefined {
  const p = join(pyhippDataDir, channelDir, realFiles[kind]);
  if (existsSync(p)) return p;
  const msg = `${what}: ${p} not present (a fresh clone has no ../shared/data/pyhipp)`;
  const bar = "!".repeat(Math.min(100, msg.length + 8));
  process.stderr.write(`\n${bar}\n!!! SKIPPED: ${msg}\n${bar}\n`);
  return undefined;
}

/** Deterministic "recording": noise (sd ~40) plus a 7 Hz sine of amplitude 120 at `rate` Hz, as float32. */
export function signal(n: number, rate: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < 4; k++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      s += x / 2 ** 32 - 0.5;
    }
    a[i] = s * 69 + 120 * Math.sin((2 * Math.PI * 7 * i) / rate);
  }
  return a;
}

function extremes(a: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The dict PyHipp saves for each object (spec/pyhipp.md §3.3-3.6), with the attribute order and Python types. */
export function pyhippObject(kind: PyhippKind, data: Float32Array): PyValue {
  const tail: Array<[string, PyValue]> = [
    ["dirs", pyList([channelDir])],
    ["setidx", pyList([])],
    ["plotopts", pyDict([["indexer", "channel"]])],
    ["current_idx", { kind: "none" }],
  ];
  const [lo, hi] = extremes(data);
  if (kind === "rplraw") {
    const info = pyDict([
      ["SampleRate", pyFloat(30000)], ["Units", "uV"], ["HighFreqCorner", pyFloat(0.3)], ["HighFreqOrder", npScalar("uint32", 1)],
      ["HighFilterType", "Butterworth"], ["LowFreqCorner", pyFloat(7500)], ["LowFreqOrder", npScalar("uint32", 3)],
      ["LowFilterType", "Butterworth"], ["MaxVal", npScalar("float32", hi)], ["MinVal", npScalar("float32", lo)],
      ["NumberSamples", pyInt(data.length)], ["ProbeInfo", "b'raw 9'"],
    ]);
    return pyDict([["args", pyDict([])], ["data", npArray(data)], ["analogInfo", info], ...tail, ["numSets", pyInt(1)]]);
  }
  if (kind === "rpllfp" || kind === "rplhighpass") {
    const lfp = kind === "rpllfp";
    const args = lfp
      ? pyDict([["ResampleRate", pyInt(1000)], ["LFPOrder", pyInt(8)], ["LowPassFrequency", pyList([pyInt(1), pyInt(150)])]])
      : pyDict([["HighOrder", pyInt(8)], ["HighPassFrequency", pyList([pyInt(500), pyInt(7500)])]]);
    const info = pyDict([
      ["SampleRate", lfp ? pyInt(1000) : pyFloat(30000)], ["MinVal", npScalar("float64", lo)], ["MaxVal", npScalar("float64", hi)],
      ["HighFreqCorner", lfp ? pyInt(1000) : pyFloat(15000000)], ["LowFreqCorner", lfp ? pyInt(150000) : pyFloat(225000000)],
      ["NumberSamples", pyInt(data.length)], ["HighFreqOrder", pyInt(8)], ["LowFreqOrder", pyInt(8)], ["ProbeInfo", lfp ? "b'lfp 9'" : "b'hp 9'"],
    ]);
    return pyDict([["args", args], ["data", npArray(data)], ["analogInfo", info], ["numSets", pyInt(1)], ...tail]);
  }
  return pyDict([
    ["args", pyDict([])],
    ["numSets", pyInt(1)],
    ["spiketimes", pyList([pyList(["1.5", "20.033333333333335", "301.26666666666665"])])],
    ["dirs", pyList([`${channelDir}/cell01`])],
    ["setidx", pyList([])],
    ["plotopts", pyDict([["indexer", "cell"]])],
    ["current_idx", { kind: "none" }],
  ]);
}

const num = (x: number | bigint | boolean): number => Number(x);
/** A float as Python's json.dumps(_num(x)) gives it: finite numbers as numbers, others as repr(). */
const pyFloatJson = (x: number): number | string => (Number.isFinite(x) ? x : Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf");

/** PyValue → the JSON hickle_common.describe prints (arrays summarised by dtype, shape, sum, first, last). */
export function describe(v: PyValue): unknown {
  switch (v.kind) {
    case "dict":
      return { kind: "dict", entries: v.entries.map(([k, x]) => [k, describe(x)]) };
    case "list":
    case "tuple":
      return { kind: v.kind, items: v.items.map(describe) };
    case "int":
      return { kind: "int", value: String(v.value) };
    case "float":
      return { kind: "float", value: pyFloatJson(v.value) };
    case "str":
    case "bool":
      return { kind: v.kind, value: v.value };
    case "none":
      return { kind: "none" };
    case "np_scalar":
      return { kind: "np_scalar", dtype: v.dtype, value: v.dtype === "bool" ? Boolean(v.value) : /int/.test(v.dtype) ? String(v.value) : pyFloatJson(Number(v.value)) };
    case "ndarray": {
      if (!("data" in v)) throw new Error("describe needs in-memory arrays");
      const d = v.data as NpTypedArray;
      let sum = 0;
      for (let i = 0; i < d.length; i++) sum += num(d[i]!);
      return { kind: "ndarray", dtype: v.dtype, shape: v.shape, sum, first: d.length ? num(d[0]!) : null, last: d.length ? num(d[d.length - 1]!) : null };
    }
  }
}

/** Deep equality of two descriptions; `sum` fields may differ by 1e-9 relative (+1e-6 absolute). */
export function expectSameDescription(actual: unknown, expected: unknown, path = "value"): void {
  if (typeof expected === "number" && typeof actual === "number" && path.endsWith(".sum")) {
    expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(1e-6 + 1e-9 * Math.abs(expected));
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length, `${path} length`).toBe(expected.length);
    expected.forEach((x, i) => expectSameDescription((actual as unknown[])[i], x, `${path}[${i}]`));
  } else if (typeof expected === "object" && expected !== null) {
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const [k, x] of Object.entries(expected)) expectSameDescription((actual as Record<string, unknown>)[k], x, `${path}.${k}`);
  } else {
    expect(actual === expected || (Number.isNaN(actual) && Number.isNaN(expected)), `${path}: ${String(actual)} vs ${String(expected)}`).toBe(true);
  }
}
