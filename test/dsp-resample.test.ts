/**
 * resample_poly equality with scipy 1.17 (.venv-ref): filter taps, outputs for noise/sines/steps/impulses/
 * short signals and many ratios, float32 behaviour, SIMD levels, interleaved vs per-channel, chunked vs
 * one-shot, async vs sync, argument validation. Errors are reported relative to the RMS of scipy's output.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  firwinKaiser,
  kaiserWindow,
  resampledLength,
  resamplePoly,
  resamplePolyAsync,
  resamplePolyChannels,
  resamplePolyFilter,
  resamplePolyInputRange,
  resamplePolyInterleaved,
  resamplePolyInterleavedAsync,
  ResamplePolyStream,
  resamplePolyWindow,
  type FloatArray,
} from "../src/dsp/resample.js";
import { setSimdLevel, simdInfo } from "../src/simd.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";

// ---------- deterministic test signals ----------

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

type Kind = "noise" | "sines" | "steps" | "impulses";

/** Interleaved rows x nch; each channel gets its own seed/phase so channels differ. */
function makeSignal(kind: Kind, rows: number, nch: number, seed: number): Float64Array {
  const x = new Float64Array(rows * nch);
  for (let c = 0; c < nch; c++) {
    const r = rng(seed * 1000 + c);
    for (let t = 0; t < rows; t++) {
      let v: number;
      switch (kind) {
        case "noise":
          v = 50 * gauss(r) + 3;
          break;
        case "sines":
          v = 100 * Math.sin(2 * Math.PI * (7 + c) * (t / 30000)) + 20 * Math.sin(2 * Math.PI * 480 * (t / 30000) + c);
          break;
        case "steps":
          v = Math.floor(t / 997 + c) % 2 === 0 ? 1 : -0.5;
          break;
        case "impulses":
          v = t % 1201 === 17 * c ? 1 : 0;
          break;
      }
      x[t * nch + c] = v;
    }
  }
  return x;
}

// ---------- scipy cases ----------

interface Case {
  id: string;
  kind: Kind;
  dtype: "float64" | "float32";
  rows: number;
  nch: number;
  up: number;
  down: number;
  beta: number;
}

const cases: Case[] = [];
function add(kind: Kind, rows: number, nch: number, up: number, down: number, beta = 5, dtype: Case["dtype"] = "float64") {
  cases.push({ id: `${kind}_${rows}x${nch}_${up}_${down}_${beta}_${dtype}`, kind, dtype, rows, nch, up, down, beta });
}
// PyHipp's call: resample_poly(x, 1000, 30000.0) -> 1:30.
add("noise", 120_000, 1, 1000, 30000);
add("sines", 90_001, 1, 1, 30);
add("steps", 60_000, 1, 1, 30);
add("impulses", 45_000, 1, 1, 30);
for (const rows of [1, 2, 5, 29, 30, 31, 50, 300, 601, 1000]) add("noise", rows, 1, 1, 30); // shorter than the filter
add("noise", 5_000, 1, 3, 2);
add("steps", 5_000, 1, 2, 3);
add("noise", 1, 1, 3, 2);
add("noise", 7, 1, 3, 2);
add("noise", 3_000, 1, 4, 1); // up only
add("sines", 2_000, 1, 30, 1);
add("noise", 1_000, 1, 5, 5); // 1:1 -> copy
add("noise", 20_000, 1, 160, 147, 8.6);
add("noise", 10_000, 1, 7, 5, 0);
add("noise", 40_000, 1, 1, 100, 14);
add("noise", 60_000, 16, 1, 30); // the LFP layout
add("sines", 4_000, 5, 3, 2);
add("noise", 9_000, 37, 1, 30); // 32 + 4 + 1 channel blocks
add("impulses", 3_000, 3, 4, 1);
add("noise", 120_000, 1, 1, 30, 5, "float32");
add("noise", 60_000, 16, 1, 30, 5, "float32");

const taps = [
  { id: "fw601", numtaps: 601, cutoff: 1 / 30, beta: 5 },
  { id: "fw61", numtaps: 61, cutoff: 1 / 3, beta: 5 },
  { id: "fw2001", numtaps: 2001, cutoff: 1 / 100, beta: 8.6 },
  { id: "fw41", numtaps: 41, cutoff: 0.5, beta: 0 },
  { id: "fw3201", numtaps: 3201, cutoff: 1 / 160, beta: 14 },
  { id: "fw10", numtaps: 10, cutoff: 0.3, beta: 5 },
];
const windows = [
  { id: "k601", m: 601, beta: 5 },
  { id: "k8", m: 8, beta: 2.5 },
  { id: "k1", m: 1, beta: 5 },
];
const bench = { rows: 300_000, nch: 16, up: 1, down: 30, repeat: 3 };

const hasRef = haveReference("resample_poly vs scipy");
let dir = "";
let ref: { scipy: string; numpy: string; bench?: { seconds: number; samples_per_s: number } } | undefined;
const inputs = new Map<string, FloatArray>();

function readF64(path: string): Float64Array {
  const b = readFileSync(path);
  return new Float64Array(new Uint8Array(b).buffer);
}
function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(new Uint8Array(b).buffer);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rpl-resample-"));
  cases.forEach((c, i) => {
    const x64 = makeSignal(c.kind, c.rows, c.nch, i + 1);
    const x = c.dtype === "float32" ? Float32Array.from(x64) : x64;
    inputs.set(c.id, x);
    writeFileSync(join(dir, `${c.id}.in`), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  });
  if (!hasRef) return;
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ resample: cases, firwin: taps, kaiser: windows, bench }));
  ref = runPythonJson("dsp_resample_ref.py", [dir]);
});
afterAll(() => {
  setSimdLevel("auto");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rms(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s / Math.max(1, a.length));
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function sameBits(a: FloatArray, b: FloatArray): boolean {
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  return Buffer.compare(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
function channel(x: FloatArray, nch: number, c: number): FloatArray {
  const out = x instanceof Float32Array ? new Float32Array(x.length / nch) : new Float64Array(x.length / nch);
  for (let t = 0; t < out.length; t++) out[t] = x[t * nch + c]!;
  return out;
}
function resampleCase(c: Case, out?: FloatArray): FloatArray {
  const x = inputs.get(c.id)!;
  const opts = { window: { beta: c.beta }, ...(out ? { out } : {}) };
  return c.nch === 1 ? resamplePoly(x, c.up, c.down, opts) : resamplePolyInterleaved(x, c.nch, c.up, c.down, opts);
}

describe.skipIf(!hasRef)("filter design equals scipy", () => {
  it("firwin(numtaps, cutoff, window=('kaiser', beta)) taps within 1e-14 (bit-identical here)", () => {
    const report: string[] = [];
    for (const t of taps) {
      const expected = readF64(join(dir, `${t.id}.taps`));
      const got = firwinKaiser(t.numtaps, t.cutoff, t.beta);
      const d = maxAbsDiff(got, expected);
      report.push(`${t.id}: max|d|=${d.toExponential(2)} bitwise=${sameBits(got, expected)}`);
      expect(d).toBeLessThanOrEqual(1e-14);
    }
    console.log(`[resample] scipy ${ref!.scipy}, numpy ${ref!.numpy}; firwin: ${report.join("; ")}`);
  });

  it("kaiser window within 1e-14", () => {
    for (const w of windows) {
      const expected = readF64(join(dir, `${w.id}.taps`));
      expect(maxAbsDiff(kaiserWindow(w.m, w.beta), expected)).toBeLessThanOrEqual(1e-14);
    }
  });

  it("resample_poly's filter is firwin(20*max+1, 1/max) * up of the reduced ratio", () => {
    const f = resamplePolyFilter(1000, 30000);
    expect(f.length).toBe(601);
    expect(maxAbsDiff(f, readF64(join(dir, "fw601.taps")))).toBeLessThanOrEqual(1e-14);
    const g = resamplePolyFilter(3, 2);
    const h61 = readF64(join(dir, "fw61.taps")).map((v) => v * 3);
    expect(maxAbsDiff(g, h61)).toBeLessThanOrEqual(1e-14);
    expect(resamplePolyFilter(5, 5).length).toBe(0);
  });
});

describe.skipIf(!hasRef)("outputs equal scipy.signal.resample_poly", () => {
  it("float64 input: every case within 1e-9 x RMS (reports the actual maximum)", () => {
    const lines: string[] = [];
    let worst = 0;
    for (const c of cases.filter((k) => k.dtype === "float64")) {
      const expected = readF64(join(dir, `${c.id}.f64`));
      const got = resampleCase(c);
      expect(got).toBeInstanceOf(Float64Array);
      expect(got.length).toBe(resampledLength(c.rows, c.up, c.down) * c.nch);
      const r = rms(expected) || 1;
      const rel = maxAbsDiff(got, expected) / r;
      worst = Math.max(worst, rel);
      lines.push(`${c.id}: ${rel.toExponential(2)}${sameBits(got, expected) ? " (bitwise)" : ""}`);
      expect(rel, c.id).toBeLessThanOrEqual(1e-9);
    }
    console.log(`[resample] float64 vs scipy, max|d|/RMS per case:\n  ${lines.join("\n  ")}\n  worst: ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-12); // same taps, same order: 0 on the portable kernel, ~1e-16 with FMA
  });

  it("float32 input: equals scipy on x.astype(float64); documents the gap to scipy's float32 math", () => {
    const lines: string[] = [];
    for (const c of cases.filter((k) => k.dtype === "float32")) {
      const exp64 = readF64(join(dir, `${c.id}.f64`));
      const exp32 = readF32(join(dir, `${c.id}.f32`));
      const n = exp64.length;
      const got64 = resampleCase(c, new Float64Array(n));
      const got32 = resampleCase(c); // default: float32 out, like scipy
      expect(got32).toBeInstanceOf(Float32Array);
      const r = rms(exp64);
      const vs64 = maxAbsDiff(got64, exp64) / r;
      expect(vs64).toBeLessThanOrEqual(1e-12);
      // Rounding our double result to float32 equals numpy's astype(float32) of scipy's float64 result.
      expect(sameBits(got32, Float32Array.from(exp64))).toBe(true);
      const vs32 = maxAbsDiff(got32, exp32) / r;
      const abs32 = maxAbsDiff(got32, exp32);
      lines.push(`${c.id}: vs scipy(float64(x)) ${vs64.toExponential(2)}; vs scipy float32 math ${vs32.toExponential(2)} x RMS (${abs32.toExponential(2)} abs, RMS ${r.toFixed(2)})`);
      expect(vs32).toBeLessThanOrEqual(1e-5); // float32 accumulation error in scipy, not ours
    }
    console.log(`[resample] float32 input:\n  ${lines.join("\n  ")}`);
  });

  it("float64 input written to a Float32Array out equals scipy's result rounded to float32", () => {
    const c = cases.find((k) => k.nch === 16 && k.dtype === "float64")!;
    const exp = readF64(join(dir, `${c.id}.f64`));
    const got = resampleCase(c, new Float32Array(exp.length));
    expect(sameBits(got, Float32Array.from(exp))).toBe(true);
  });
});

describe("internal consistency (no scipy needed)", () => {
  const multi = () => cases.filter((c) => c.nch > 1);

  it("interleaved output equals per-channel resamplePoly bit for bit", () => {
    for (const c of multi()) {
      const all = resampleCase(c);
      const x = inputs.get(c.id)!;
      for (let ch = 0; ch < c.nch; ch++) {
        const one = resamplePoly(channel(x, c.nch, ch), c.up, c.down, { window: { beta: c.beta } });
        expect(sameBits(channel(all, c.nch, ch), one), `${c.id} channel ${ch}`).toBe(true);
      }
    }
  });

  it("resamplePolyChannels (separate channel arrays) equals resamplePolyInterleaved bit for bit, every SIMD level", () => {
    // 1..17 channels (1: 16 segments per lane group; 8: 2; 17: one each and a leftover), float32 (the SIMD
    // transpose) and float64, ratios down, up and identity, signals shorter than a window and ones whose
    // segments reach past the end (zero rows).
    const info = simdInfo();
    const levels = (["scalar", "avx2", "avx512"] as const).filter((l, i) => i <= ["scalar", "avx2", "avx512"].indexOf(info.detected));
    const r = rng(77);
    try {
      for (const level of levels) {
        expect(setSimdLevel(level)).toBe(level);
        for (const [nch, rows, up, down] of [[8, 200_003, 1, 30], [1, 150_001, 1, 30], [3, 40_000, 2, 3], [17, 9_001, 1, 30], [16, 777, 1, 30], [5, 5_000, 3, 1], [4, 1000, 2, 2]] as const) {
          for (const f32 of [true, false]) {
            const chans = Array.from({ length: nch }, () => {
              const a = f32 ? new Float32Array(rows) : new Float64Array(rows);
              for (let i = 0; i < rows; i++) a[i] = gauss(r) * 50 + Math.sin(i / 37) * 20;
              return a;
            });
            const inter = f32 ? new Float32Array(rows * nch) : new Float64Array(rows * nch);
            chans.forEach((a, c) => a.forEach((v, i) => (inter[i * nch + c] = v)));
            const want = resamplePolyInterleaved(inter, nch, up, down, { out: new Float64Array(resampledLength(rows, up, down) * nch) });
            const got = resamplePolyChannels(chans, up, down, { out: new Float64Array(want.length) });
            expect(sameBits(got, want), `${level} ${nch} ch x ${rows} ${up}/${down} ${f32 ? "float32" : "float64"}`).toBe(true);
            const def = resamplePolyChannels(chans, up, down);
            expect(def).toBeInstanceOf(f32 ? Float32Array : Float64Array);
            expect(def.length).toBe(want.length);
          }
        }
      }
    } finally {
      setSimdLevel("auto");
    }
    const a = new Float32Array(3000);
    expect(() => resamplePolyChannels([], 1, 30)).toThrow(/channels/);
    expect(() => resamplePolyChannels([a, new Float64Array(3000)], 1, 30)).toThrow(/channels\[1\]/);
    expect(() => resamplePolyChannels([a, new Float32Array(2999)], 1, 30)).toThrow(/channels\[1\]/);
    expect(() => resamplePolyChannels([a, a], 1, 30, { out: new Float32Array(5) })).toThrow(/exactly 200 elements/);
    const big = new Float32Array(6000);
    expect(() => resamplePolyChannels([big.subarray(0, 3000)], 1, 30, { out: big.subarray(2950, 3050) })).toThrow(/overlap/);
  });

  it("scalar, AVX2 and AVX-512 kernels agree within 1e-12 x max|y| (AVX2 and AVX-512 bit for bit)", () => {
    // The portable kernel rounds every product (scipy's sequence); AVX2 and AVX-512 use one fused multiply-add
    // per product, the same operations on every lane, so those two give identical bits.
    const info = simdInfo();
    const levels = (["scalar", "avx2", "avx512"] as const).filter((l, i) => i <= ["scalar", "avx2", "avx512"].indexOf(info.detected));
    const sel = cases.filter((c) => c.nch > 1 || c.rows >= 45_000 || c.up === 160);
    let worst = 0;
    for (const c of sel) {
      const results = levels.map((l) => {
        expect(setSimdLevel(l)).toBe(l);
        return resampleCase(c);
      });
      let scale = 0;
      for (const v of results[0]!) scale = Math.max(scale, Math.abs(v));
      for (let i = 1; i < results.length; i++) {
        const d = maxAbsDiff(results[i]!, results[0]!);
        if (results[i] instanceof Float32Array) {
          // float32 out: each element is the double result rounded once, so at most one float32 step apart.
          for (let k = 0; k < results[i]!.length; k++) {
            const tol = 2 ** -23 * Math.abs(results[0]![k]!) + 1e-12 * scale;
            if (Math.abs(results[i]![k]! - results[0]![k]!) > tol) expect.fail(`${c.id} ${levels[i]} #${k}: ${results[i]![k]} vs ${results[0]![k]}`);
          }
        } else {
          worst = Math.max(worst, d / (scale || 1));
          expect(d, `${c.id} ${levels[i]} vs scalar`).toBeLessThanOrEqual(1e-12 * scale);
        }
      }
      if (results.length === 3) expect(sameBits(results[2]!, results[1]!), `${c.id} avx512 vs avx2`).toBe(true);
    }
    setSimdLevel("auto");
    console.log(`[resample] SIMD levels compared: ${levels.join(", ")} (detected ${info.detected}); worst float64 |diff| vs scalar / max|y|: ${worst.toExponential(2)}`);
  });

  it("the sliding decimation kernel (AVX-512, up 1, 8+ channels, 512+ outputs inside the rows) gives the tiles' bits", () => {
    // AVX2 runs every output through the tiles; AVX-512 gives decimations by scipy's filter with 8 or more
    // channels to the sliding kernel (groups of 8; the other channels and the outputs near the edges still go
    // through tiles). Both add each output's products in the same order with one fma each: identical bits.
    const info = simdInfo();
    if (info.detected !== "avx512") console.warn(`[resample] SKIPPED the sliding-kernel comparison: this CPU has ${info.detected}, not AVX-512`);
    const r = rng(505);
    let compared = 0;
    try {
      for (const [nch, down, rows] of [[8, 30, 40_000], [9, 30, 36_011], [16, 3, 5_000], [23, 7, 9_999], [16, 2, 3_001]] as const) {
        for (const f32 of [true, false]) {
          const x = f32 ? new Float32Array(rows * nch) : new Float64Array(rows * nch);
          for (let i = 0; i < x.length; i++) x[i] = gauss(r) * 40 + 300 + Math.sin(i / (31 * nch)) * 25;
          const m = resampledLength(rows, 1, down);
          const run = (level: "scalar" | "avx2" | "avx512", out: FloatArray) => {
            expect(setSimdLevel(level)).toBe(level);
            return resamplePolyInterleaved(x, nch, 1, down, { out });
          };
          const tiles = run("avx2", new Float64Array(m * nch));
          const scalar = run("scalar", new Float64Array(m * nch));
          expect(maxAbsDiff(tiles, scalar), `${nch} ch /${down} avx2 vs scalar`).toBeLessThanOrEqual(1e-12 * 400);
          if (info.detected !== "avx512") continue;
          const slid = run("avx512", new Float64Array(m * nch));
          expect(sameBits(slid, tiles), `${nch} ch /${down} ${f32 ? "float32" : "float64"} in`).toBe(true);
          expect(sameBits(run("avx512", new Float32Array(m * nch)), run("avx2", new Float32Array(m * nch))), `${nch} ch /${down} float32 out`).toBe(true);
          // A window of the rows (outputs near its ends need rows it lacks: tiles there, the sliding kernel inside).
          const whole = run("avx2", new Float64Array(m * nch));
          expect(setSimdLevel("avx512")).toBe("avx512");
          const [r0, r1] = resamplePolyInputRange(100, m - 50, 1, down, rows);
          const part = resamplePolyWindow(x.subarray(r0 * nch, r1 * nch), nch, 1, down, { rowOffset: r0, totalRows: rows, outputStart: 100, outputEnd: m - 50 });
          expect(sameBits(part, (f32 ? Float32Array : Float64Array).from(whole.subarray(100 * nch, (m - 50) * nch))), `${nch} ch /${down} window`).toBe(true);
          compared++;
        }
      }
    } finally {
      setSimdLevel("auto");
    }
    if (info.detected === "avx512") expect(compared).toBe(10);
  });

  it("streaming in random chunks equals one call bit for bit", () => {
    const sel = cases.filter((c) => c.rows >= 3_000 && c.up !== c.down);
    sel.push(cases.find((c) => c.rows === 50)!, cases.find((c) => c.rows === 7)!, cases.find((c) => c.up === 5)!);
    for (const [k, c] of sel.entries()) {
      // Small chunks (many boundary outputs), and large ones (the single-channel segmented path runs on them).
      const maxChunk = k % 2 === 0 ? 7_000 : 50_000;
      const x = inputs.get(c.id)!;
      const whole = resampleCase(c);
      const r = rng(k + 77);
      const s = new ResamplePolyStream(c.nch, c.up, c.down, { window: { beta: c.beta } });
      const parts: FloatArray[] = [];
      for (let t = 0; t < c.rows; ) {
        const pick = r();
        const n = Math.min(c.rows - t, pick < 0.1 ? 0 : pick < 0.3 ? 1 + Math.floor(r() * 20) : Math.floor(r() * maxChunk));
        parts.push(s.push(x.subarray(t * c.nch, (t + n) * c.nch)));
        t += n;
      }
      parts.push(s.end());
      const joined = x instanceof Float32Array ? new Float32Array(whole.length) : new Float64Array(whole.length);
      let o = 0;
      for (const p of parts) {
        joined.set(p, o);
        o += p.length;
      }
      expect(o, c.id).toBe(whole.length);
      expect(sameBits(joined, whole), c.id).toBe(true);
      expect(s.outputsEmitted).toBe(resampledLength(c.rows, c.up, c.down));
    }
  });

  it("resamplePolyWindow on windows with resamplePolyInputRange margins equals the one-shot slices", () => {
    for (const c of cases.filter((k) => k.rows >= 5_000 && k.up !== k.down).slice(0, 8)) {
      const x = inputs.get(c.id)!;
      const whole = resampleCase(c);
      const nOut = resampledLength(c.rows, c.up, c.down);
      const step = Math.max(1, Math.floor(nOut / 5) + 3);
      for (let m0 = 0; m0 < nOut; m0 += step) {
        const m1 = Math.min(nOut, m0 + step);
        const [r0, r1] = resamplePolyInputRange(m0, m1, c.up, c.down, c.rows);
        const part = resamplePolyWindow(x.subarray(r0 * c.nch, r1 * c.nch), c.nch, c.up, c.down, {
          rowOffset: r0,
          totalRows: c.rows,
          outputStart: m0,
          outputEnd: m1,
          window: { beta: c.beta },
        });
        expect(sameBits(part, whole.subarray(m0 * c.nch, m1 * c.nch)), `${c.id} [${m0}, ${m1})`).toBe(true);
      }
    }
  });

  it("a window missing a needed row is refused (short and long, i.e. segmented, output ranges)", () => {
    const x = new Float64Array(1000);
    expect(() =>
      resamplePolyWindow(x.subarray(100), 1, 1, 30, { rowOffset: 100, totalRows: 1000, outputStart: 10, outputEnd: 20 }),
    ).toThrow(/input row \d+ is needed but the window holds rows \[100, 1000\)/);
    const long = new Float32Array(100_000);
    const [r0, r1] = resamplePolyInputRange(1000, 3000, 1, 30, 100_000);
    const opts = { rowOffset: r0 + 1, totalRows: 100_000, outputStart: 1000, outputEnd: 3000 };
    expect(() => resamplePolyWindow(long.subarray(r0 + 1, r1), 1, 1, 30, opts)).toThrow(
      new RegExp(`input row ${r0} is needed but the window holds rows \\[${r0 + 1}, ${r1}\\)`),
    );
    expect(() => resamplePolyWindow(long.subarray(r0, r1 - 1), 1, 1, 30, { ...opts, rowOffset: r0 })).toThrow(
      new RegExp(`input row ${r1 - 1} is needed`),
    );
  });

  it("async equals sync, also when several run at once", async () => {
    const sel = cases.filter((c) => c.rows >= 40_000);
    const sync = sel.map((c) => resampleCase(c));
    const asyncRes = await Promise.all(
      sel.map((c) => {
        const x = inputs.get(c.id)!;
        const o = { window: { beta: c.beta } };
        return c.nch === 1 ? resamplePolyAsync(x, c.up, c.down, o) : resamplePolyInterleavedAsync(x, c.nch, c.up, c.down, o);
      }),
    );
    sel.forEach((c, i) => expect(sameBits(asyncRes[i]!, sync[i]!), c.id).toBe(true));
    await expect(resamplePolyAsync(new Float64Array(10), 0, 1)).rejects.toThrow(RangeError);
  });

  it("writes into a caller's array in place and returns it", () => {
    const x = makeSignal("noise", 3000, 1, 9);
    const out = new Float64Array(100);
    expect(resamplePoly(x, 1, 30, { out })).toBe(out);
    expect(out.some((v) => v !== 0)).toBe(true);
  });

  it("empty input gives empty output; lengths are ceil(n*up/down)", () => {
    expect(resamplePoly(new Float64Array(0), 1, 30).length).toBe(0);
    expect(resampledLength(30001, 1000, 30000)).toBe(1001);
    expect(resampledLength(5, 3, 2)).toBe(8);
    expect(resampledLength(0, 7, 3)).toBe(0);
  });
});

describe("argument validation", () => {
  const x = new Float64Array(90);
  it("rejects bad arrays, factors, channels and options with clear messages", () => {
    expect(() => resamplePoly([1, 2, 3] as unknown as Float64Array, 1, 3)).toThrow(
      /^Expected Float32Array or Float64Array for x but received an array of length 3$/,
    );
    expect(() => resamplePoly(new Int16Array(3) as unknown as Float64Array, 1, 3)).toThrow(TypeError);
    expect(() => resamplePoly(x, 0, 3)).toThrow(/^Expected integer between 1 and 2147483647 for up but received 0 of type number$/);
    expect(() => resamplePoly(x, 1, 2.5)).toThrow(RangeError);
    expect(() => resamplePoly(x, "1" as unknown as number, 3)).toThrow(TypeError);
    expect(() => resamplePoly(x, 1, 100_001)).toThrow(/gcd-reduced ratio has factors of at most 100000 .*\(reduced 1\/100001, a 2000021-tap filter\)$/);
    expect(() => resamplePolyInterleaved(x, 7, 1, 3)).toThrow(/multiple of nChannels \(7\) but received length 90/);
    expect(() => resamplePolyInterleaved(x, 0, 1, 3)).toThrow(/for nChannels but received 0/);
    expect(() => resamplePoly(x, 1, 3, { windw: {} } as never)).toThrow(/^Unknown option "windw" in options; known options: window, out$/);
    expect(() => resamplePoly(x, 1, 3, { window: { Beta: 4 } } as never)).toThrow(/did you mean "beta"\?/);
    expect(() => resamplePoly(x, 1, 3, { window: { beta: -1 } })).toThrow(/^Expected number between 0 and 700 for options.window.beta/);
    expect(() => resamplePoly(x, 1, 3, { window: { beta: NaN } })).toThrow(TypeError);
    expect(() => resamplePoly(x, 1, 3, { out: new Float64Array(29) })).toThrow(
      /^Expected an array of exactly 30 elements for options.out but received length 29$/,
    );
    expect(() => resamplePoly(x, 1, 3, { out: x.subarray(0, 30) })).toThrow(/not to overlap x/);
    expect(() => resamplePoly(x, 1, 3, 5 as never)).toThrow(/^Expected object for options but received 5 of type number$/);
    expect(() => resampledLength(-1, 1, 3)).toThrow(RangeError);
    expect(() => firwinKaiser(61, 1, 5)).toThrow(/^Expected number greater than 0 and less than 1 for cutoff/);
    expect(() => new ResamplePolyStream(1, 1, 3, { outputType: "int16" as never })).toThrow(/one of float32, float64/);
    expect(() => resamplePolyWindow(x, 1, 1, 3, {} as never)).toThrow(/for options.outputEnd but received undefined/);
    expect(() => resamplePolyWindow(x, 1, 1, 3, { totalRows: 50, outputEnd: 3 })).toThrow(/for options.totalRows/);
  });

  it("a stream refuses mixed chunk types and use after end()", () => {
    const s = new ResamplePolyStream(2, 1, 3);
    s.push(new Float32Array(10));
    expect(() => s.push(new Float64Array(10))).toThrow(/Float32Array like the first chunk/);
    expect(() => s.push(new Float32Array(3))).toThrow(/multiple of nChannels \(2\)/);
    s.end();
    expect(() => s.push(new Float32Array(2))).toThrow(/after end\(\)/);
  });
});

describe("speed (informative)", () => {
  it("16 interleaved float32 channels, 30 kHz -> 1 kHz", () => {
    const x = Float32Array.from(makeSignal("noise", bench.rows, bench.nch, 5));
    const out = new Float32Array(resampledLength(bench.rows, 1, 30) * bench.nch);
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      resamplePolyInterleaved(x, bench.nch, bench.up, bench.down, { out });
      best = Math.min(best, performance.now() - t0);
    }
    const ours = x.length / (best / 1000) / 1e6;
    const sp = ref?.bench ? `; scipy (same data, float32, axis 0): ${(ref.bench.samples_per_s / 1e6).toFixed(1)} M samples/s` : "";
    console.log(`[resample] rplpipe (${simdInfo().active}): ${ours.toFixed(1)} M input samples/s on one thread${sp}`);
    expect(ours).toBeGreaterThan(0);
  });
});
