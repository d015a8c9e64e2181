/**
 * sosfilt / sosfiltfilt against scipy float64 (test/python/dsp_filter_ref.py), PyHipp's (b, a) filtfilt,
 * invariants (impulse decay, Butterworth stop-band attenuation), SIMD-path agreement, layouts, async,
 * worker threads and every error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { butter, sosfiltZi } from "../src/dsp/butter.js";
import * as F from "../src/dsp/filter.js";
import { channelArrays } from "../src/dsp/channel-arrays.js";
import { binding as loadBinding } from "../src/native/load.js";
import { setSimdLevel, simdInfo } from "../src/simd.js";
import { haveReference, repoRoot, runPythonJson } from "./helpers/reference.js";

// ---- signals -------------------------------------------------------------------------------------------
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}
function noise(n: number, seed: number): Float64Array {
  const r = rng(seed), x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
  return x;
}
function chirp(n: number, fs: number): Float64Array {
  const T = n / fs, f0 = 1, f1 = 0.45 * fs;
  return Float64Array.from({ length: n }, (_, i) => Math.sin(2 * Math.PI * (f0 * (i / fs) + ((f1 - f0) / (2 * T)) * (i / fs) ** 2)));
}
const step = (n: number) => Float64Array.from({ length: n }, (_, i) => (i < n / 3 ? 0.25 : 1.25));
const impulse = (n: number) => Float64Array.from({ length: n }, (_, i) => (i === n >> 1 ? 1 : 0));
const sine = (n: number, f: number, fs: number) => Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / fs));

function interleave(chs: ArrayLike<number>[], Ctor: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array) {
  const n = chs[0]!.length, k = chs.length, x = new Ctor(n * k);
  chs.forEach((c, j) => { for (let t = 0; t < n; t++) x[t * k + j] = c[t]!; });
  return x;
}
const channelOf = (x: ArrayLike<number>, k: number, c: number) => Float64Array.from({ length: x.length / k }, (_, t) => x[t * k + c]!);
function rms(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]! * y[i]!;
  return Math.sqrt(s / y.length);
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// ---- filters -------------------------------------------------------------------------------------------
const filters = {
  lfp1k: { sos: butter(4, [1, 150], { fs: 1000 }), fs: 1000 }, // PyHipp RPLLFP (after resampling)
  hp30k: { sos: butter(4, [500, 7500], { fs: 30000 }), fs: 30000 }, // PyHipp RPLHighPass
  lfp30k: { sos: butter(4, [1, 150], { fs: 30000 }), fs: 30000 },
  lp8: { sos: butter(8, 250, { fs: 30000 }), fs: 30000 },
  hp3: { sos: butter(3, 300, { btype: "highpass", fs: 30000 }), fs: 30000 }, // odd order: a first-order section
  bs2: { sos: butter(2, [58, 62], { btype: "bandstop", fs: 30000 }), fs: 30000 },
  bp7: { sos: butter(7, [300, 6000], { fs: 30000 }), fs: 30000 }, // 7 sections: generic kernel
  bp12: { sos: butter(12, [300, 3000], { fs: 30000 }), fs: 30000 }, // 12 sections: generic kernel
};
type FilterName = keyof typeof filters;
const N = 20000;
const signals = { noise: noise(N, 1), chirp: (fs: number) => chirp(N, fs), step: step(N), impulse: impulse(N) };
const sigOf = (name: keyof typeof signals, fs: number) => (name === "chirp" ? signals.chirp(fs) : signals[name]);

// ---- scipy oracle --------------------------------------------------------------------------------------
interface RefCase { id: string; op: string; sos: number[]; x?: Float32Array | Float64Array; nch?: number; [k: string]: unknown }
interface RefOut { y?: Float64Array; zf?: number[]; zi?: number[] }
const cases: RefCase[] = [];
const ref = new Map<string, RefOut>();
const useRef = haveReference("dsp filter parity with scipy");
function addCase(c: RefCase): string { cases.push(c); return c.id; }

for (const f of Object.keys(filters) as FilterName[])
  for (const s of Object.keys(signals) as (keyof typeof signals)[])
    addCase({ id: `ff-${f}-${s}`, op: "sosfiltfilt", sos: [...filters[f].sos], x: sigOf(s, filters[f].fs), padtype: "odd", padlen: 3 * 2 * (filters[f].sos.length / 6) - (f === "hp3" ? 3 : 0) });
const padCases: [FilterName, F.PadType, number | null][] = [
  ["hp30k", "even", 24], ["hp30k", "constant", 24], ["hp30k", "none", null], ["hp30k", "odd", null],
  ["hp3", "odd", null], ["hp30k", "odd", 0], ["hp30k", "odd", 500], ["lfp30k", "even", 3000],
];
for (const [f, padtype, padlen] of padCases)
  addCase({ id: `pad-${f}-${padtype}-${padlen}`, op: "sosfiltfilt", sos: [...filters[f].sos], x: signals.noise, padtype, padlen });
const x32 = Float32Array.from(signals.noise, (v, i) => 100 * v + 30 * Math.sin(i / 50));
addCase({ id: "f32-hp30k", op: "sosfiltfilt", sos: [...filters.hp30k.sos], x: x32, padtype: "odd", padlen: 24 });
const x16 = interleave(Array.from({ length: 16 }, (_, c) => noise(6000, 100 + c).map((v, t) => v + Math.sin(t * (c + 1) * 0.01))), Float32Array);
addCase({ id: "multi16", op: "sosfiltfilt", sos: [...filters.hp30k.sos], x: x16, nch: 16, padtype: "odd", padlen: 24 });
const zi3 = Float64Array.from(noise(filters.hp30k.sos.length / 3 * 3, 7));
const x3 = interleave([noise(5000, 11), chirp(5000, 30000), step(5000)]);
addCase({ id: "sosfilt-zi", op: "sosfilt", sos: [...filters.hp30k.sos], x: x3, nch: 3, zi: [...zi3] });
addCase({ id: "sosfilt-rest", op: "sosfilt", sos: [...filters.bp12.sos], x: x3, nch: 3, zi: null });
const spikes = Float32Array.from(noise(60000, 5), (v, i) => 20 * v + (i % 3000 < 30 ? -200 * Math.sin((Math.PI * (i % 3000)) / 30) : 0) + 50 * Math.sin(i / 400));
addCase({ id: "pyhipp-hp", op: "filtfilt_ba", sos: [], x: spikes, order: 4, band: [500, 7500], fs: 30000 });
const lfpIn = Float32Array.from(chirp(20000, 1000), (v, i) => 100 * v + noise(1, i)[0]!);
addCase({ id: "pyhipp-lfp", op: "filtfilt_ba", sos: [], x: lfpIn, order: 4, band: [1, 150], fs: 1000 });
for (const f of ["hp30k", "hp3", "bp12", "lfp30k"] as FilterName[]) addCase({ id: `zi-${f}`, op: "sosfilt_zi", sos: [...filters[f].sos] });
// Long multi-channel signals for sosfiltfilt's warm-up windows (SIMD levels: the backward pass restarted from
// zero state W rows past every 16384-row window, W from the SOS): hp30k W = 1219; bp12 (12 sections, generic
// kernel) 6709; hp70 8040, just under the 8192-row crossover; hp65 is over it and takes the checkpoints.
const warmFilters = {
  hp30k: filters.hp30k.sos,
  bp12: filters.bp12.sos,
  hp70: butter(4, 70, { btype: "highpass", fs: 30000 }),
  hp65: butter(4, 65, { btype: "highpass", fs: 30000 }),
};
const warmEdge = { hp30k: 500, bp12: 300, hp70: 70, hp65: 65 }; // lower pass-band edge, Hz
type WarmName = keyof typeof warmFilters;
const warmN = 120_000, warmNch = 5;
const warmX = interleave(Array.from({ length: warmNch }, (_, c) => noise(warmN, 400 + c).map((v, t) =>
  20 * v + 300 * Math.sin(t * 0.003 * (c + 1)) + (t > 20_000 + 977 * c ? 400 : -100) + (t % 5000 < 20 ? 800 : 0))));
const warmX32 = Float32Array.from(warmX);
for (const f of Object.keys(warmFilters) as WarmName[]) {
  addCase({ id: `warm-${f}-f64`, op: "sosfiltfilt", sos: [...warmFilters[f]], x: warmX, nch: warmNch, padtype: "odd", padlen: 24 });
  addCase({ id: `warm-${f}-f32`, op: "sosfiltfilt", sos: [...warmFilters[f]], x: warmX32, nch: warmNch, padtype: "odd", padlen: 24 });
}
addCase({ id: "warm-hp70-none", op: "sosfiltfilt", sos: [...warmFilters.hp70], x: warmX, nch: warmNch, padtype: "none", padlen: null });
addCase({ id: "warm-hp30k-pad0", op: "sosfiltfilt", sos: [...warmFilters.hp30k], x: warmX, nch: warmNch, padtype: "odd", padlen: 0 });

beforeAll(() => {
  if (!useRef) return;
  const dir = mkdtempSync(join(tmpdir(), "rpl-dsp-"));
  try {
    const job = cases.map(({ x, ...c }) => {
      if (!x) return c;
      writeFileSync(join(dir, `${c.id}.in`), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      return { ...c, x: `${c.id}.in`, dtype: x instanceof Float32Array ? "float32" : "float64", nch: c.nch ?? 1, n: x.length / (c.nch ?? 1) };
    });
    writeFileSync(join(dir, "job.json"), JSON.stringify({ dir, cases: job }));
    const out = runPythonJson<{ cases: Record<string, { file?: string; zf?: number[]; zi?: number[] }> }>("dsp_filter_ref.py", [join(dir, "job.json")]);
    for (const [id, r] of Object.entries(out.cases)) {
      const b = r.file ? readFileSync(join(dir, r.file)) : undefined;
      ref.set(id, { ...r, y: b ? new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) : undefined });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const refY = (id: string) => ref.get(id)!.y!;
const itRef = useRef ? it : it.skip;
const worst: Record<string, number> = {};
afterAll(() => process.stdout.write(`dsp-filter worst |diff|/RMS: ${JSON.stringify(worst)}\n`));

// ---- parity --------------------------------------------------------------------------------------------
describe("sosfiltfilt vs scipy (float64)", () => {
  itRef("white noise, chirp, step, impulse through 8 filters: max |diff| <= 1e-9 x RMS", () => {
    for (const c of cases.filter((c) => c.id.startsWith("ff-"))) {
      const y = F.sosfiltfilt(new Float64Array(c.sos), c.x as Float64Array, { padlen: c.padlen as number });
      const r = refY(c.id), e = maxDiff(y, r) / rms(r);
      worst.ff = Math.max(worst.ff ?? 0, e);
      expect(e, c.id).toBeLessThanOrEqual(1e-9);
    }
  });
  itRef("padtypes even/constant/none, scipy's default padlen, padlen 0 and long pads", () => {
    for (const [f, padtype, padlen] of padCases) {
      const id = `pad-${f}-${padtype}-${padlen}`;
      const y = F.sosfiltfilt(filters[f].sos, signals.noise, { padtype, padlen: padlen ?? "scipy" });
      expect(maxDiff(y, refY(id)) / rms(refY(id)), id).toBeLessThanOrEqual(1e-9);
    }
  });
  itRef("the default padlen is PyHipp's: 24 for the order-4 band-pass", () => {
    expect(maxDiff(F.sosfiltfilt(filters.hp30k.sos, signals.noise), refY("ff-hp30k-noise"))).toBeLessThanOrEqual(1e-9 * rms(refY("ff-hp30k-noise")));
  });
  itRef("float32 input: float64 output equals scipy, float32 output is scipy's result rounded once", () => {
    const r = refY("f32-hp30k");
    expect(maxDiff(F.sosfiltfilt(filters.hp30k.sos, x32, { padlen: 24 }, new Float64Array(x32.length)), r) / rms(r)).toBeLessThanOrEqual(1e-9);
    const y32 = F.sosfiltfilt(filters.hp30k.sos, x32, { padlen: 24 });
    expect(y32).toBeInstanceOf(Float32Array);
    const maxY = r.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxDiff(y32, r)).toBeLessThanOrEqual(2 ** -23 * maxY);
  });
  itRef("16 interleaved float32 channels equal scipy along axis 0", () => {
    const y = F.sosfiltfiltInterleaved(filters.hp30k.sos, x16, 16, { padlen: 24 }, new Float64Array(x16.length));
    const r = refY("multi16");
    expect(maxDiff(y, r) / rms(r)).toBeLessThanOrEqual(1e-9);
  });
  itRef("sosfilt with zi (3 channels) returns scipy's y and zf; without zi starts at rest", () => {
    const zi = zi3.slice();
    const y = F.sosfiltInterleaved(filters.hp30k.sos, x3, 3, { zi });
    const r = ref.get("sosfilt-zi")!;
    expect(maxDiff(y, r.y!) / rms(r.y!)).toBeLessThanOrEqual(1e-9);
    expect(maxDiff(zi, r.zf!)).toBeLessThanOrEqual(1e-9 * rms(r.y!));
    const y0 = F.sosfiltInterleaved(filters.bp12.sos, x3, 3);
    expect(maxDiff(y0, refY("sosfilt-rest")) / rms(refY("sosfilt-rest"))).toBeLessThanOrEqual(1e-9);
  });
  itRef("sosfiltZi equals scipy.signal.sosfilt_zi", () => {
    for (const f of ["hp30k", "hp3", "bp12", "lfp30k"] as FilterName[]) {
      const r = ref.get(`zi-${f}`)!.zi!;
      expect(maxDiff(sosfiltZi(filters[f].sos), r), f).toBeLessThanOrEqual(1e-12 * Math.max(1, ...r.map(Math.abs)));
    }
  });
  itRef("long signals across many warm-up windows (5 channels x 120000): in place f64, f32, channel arrays, padlen 0, padtype none", () => {
    const columns = (y: ArrayLike<number>) => Array.from({ length: warmNch }, (_, c) => channelOf(y, warmNch, c));
    for (const f of Object.keys(warmFilters) as WarmName[]) {
      const sos = warmFilters[f];
      const r = refY(`warm-${f}-f64`), x = warmX.slice();
      expect(F.sosfiltfiltInterleaved(sos, x, warmNch, { padlen: 24 }, x)).toBe(x);
      const e = maxDiff(x, r) / rms(r);
      worst.warm = Math.max(worst.warm ?? 0, e);
      expect(e, `${f} f64 in place`).toBeLessThanOrEqual(1e-9);
      const r32 = refY(`warm-${f}-f32`), maxY = maxAbs(r32), x32i = warmX32.slice();
      F.sosfiltfiltInterleaved(sos, x32i, warmNch, { padlen: 24 }, x32i);
      expect(maxDiff(x32i, r32), `${f} f32 in place`).toBeLessThanOrEqual(2 ** -23 * maxY);
      const chs = columns(warmX32).map((c) => Float32Array.from(c));
      F.sosfiltfiltChannels(sos, chs, { padlen: 24 }, chs);
      columns(r32).forEach((rc, c) => expect(maxDiff(chs[c]!, rc), `${f} f32 channel arrays in place, ${c}`).toBeLessThanOrEqual(2 ** -23 * maxY));
      const y64 = F.sosfiltfiltInterleaved(sos, warmX32, warmNch, { padlen: 24 }, columns(r32).map(() => new Float64Array(warmN)));
      columns(r32).forEach((rc, c) => expect(maxDiff(y64[c]!, rc) / rms(rc), `${f} f32 in, f64 channel arrays out, ${c}`).toBeLessThanOrEqual(1e-9));
    }
    const none = F.sosfiltfiltInterleaved(warmFilters.hp70, warmX, warmNch, { padtype: "none" });
    expect(maxDiff(none, refY("warm-hp70-none")) / rms(refY("warm-hp70-none")), "padtype none").toBeLessThanOrEqual(1e-9);
    const pad0 = F.sosfiltfiltInterleaved(warmFilters.hp30k, warmX, warmNch, { padlen: 0 });
    expect(maxDiff(pad0, refY("warm-hp30k-pad0")) / rms(refY("warm-hp30k-pad0")), "padlen 0").toBeLessThanOrEqual(1e-9);
  });
  itRef("PyHipp's (b, a) filtfilt(padlen=24) on float32 data: SOS result within 1e-5 x RMS", () => {
    for (const [id, x, sos] of [["pyhipp-hp", spikes, filters.hp30k.sos], ["pyhipp-lfp", lfpIn, filters.lfp1k.sos]] as const) {
      const r = refY(id), e = maxDiff(F.sosfiltfilt(sos, x, { padlen: 24 }, new Float64Array(x.length)), r) / rms(r);
      worst[id] = e;
      expect(e, id).toBeLessThanOrEqual(1e-5);
    }
  });
});

// ---- invariants (no Python) ----------------------------------------------------------------------------
describe("filter invariants", () => {
  it("impulse responses decay to 0 without NaN (1 Hz corner at 30 kHz, 12 sections)", () => {
    for (const f of ["lfp30k", "bp12", "hp3"] as FilterName[]) {
      const x = new Float64Array(300000);
      x[0] = 1;
      const y = F.sosfilt(filters[f].sos, x);
      const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(y.every(Number.isFinite), f).toBe(true);
      expect(maxAbs(y.subarray(270000)), f).toBeLessThan(1e-9 * maxAbs(y.subarray(0, 30000)));
    }
  });
  it("attenuates a sine at 10x / 0.1x the corner as |H|^2 of a digital Butterworth (zero-phase doubles the order)", () => {
    const fs = 30000, n = 60000, order = 4;
    const gain = (y: Float64Array) => Math.SQRT2 * rms(y.subarray(15000, 45000));
    const w = (f: number) => Math.tan((Math.PI * f) / fs);
    for (const [btype, fc, f] of [["lowpass", 100, 1000], ["highpass", 1000, 100], ["lowpass", 1000, 3000]] as const) {
      const y = F.sosfiltfilt(butter(order, fc, { btype, fs }), sine(n, f, fs));
      const ratio = btype === "lowpass" ? w(f) / w(fc) : w(fc) / w(f);
      const expected = 1 / (1 + ratio ** (2 * order));
      expect(gain(y) / expected, `${btype} ${fc} Hz at ${f} Hz`).toBeCloseTo(1, 3);
    }
    expect(gain(F.sosfiltfilt(filters.hp30k.sos, sine(n, 2000, fs)))).toBeCloseTo(1, 3); // pass band
  });
});

type FloatArrayLike = ArrayLike<number>;

// ---- SIMD paths and layouts ----------------------------------------------------------------------------
describe("SIMD paths, channel blocks and layouts agree", () => {
  const levels = (["scalar", "avx2", "avx512"] as const).filter((l, i) => i <= ["scalar", "avx2", "avx512"].indexOf(simdInfo().detected));
  afterAll(() => { setSimdLevel("auto"); });

  // The portable kernel rounds every product (scipy's loop); AVX2 and AVX-512 fuse multiply-adds, the same
  // operations in every kernel of both levels, so they agree with scalar within rounding and with each other
  // bit for bit.
  it(`scalar, ${levels.slice(1).join(", ") || "(no SIMD here)"} agree within 1e-12 x max|y|, float32 out within one float32 step (13 and 16 channels, f32/f64, 4/7/12 sections)`, () => {
    const results = levels.map((level) => {
      expect(setSimdLevel(level)).toBe(level);
      const out: FloatArrayLike[] = [];
      for (const nc of [13, 16]) {
        const x = interleave(Array.from({ length: nc }, (_, c) => noise(4000, c)));
        for (const f of ["hp30k", "bp7", "bp12"] as FilterName[]) {
          out.push(F.sosfiltfiltInterleaved(filters[f].sos, x, nc));
          out.push(F.sosfiltfiltInterleaved(filters[f].sos, Float32Array.from(x), nc));
          out.push(F.sosfiltInterleaved(filters[f].sos, x, nc, { zi: new Float64Array((filters[f].sos.length / 3) * nc).fill(0.5) }));
        }
        const chs = Array.from({ length: nc }, (_, c) => noise(3000, 50 + c));
        out.push(...F.sosfiltfiltChannels(filters.hp30k.sos, chs));
      }
      return out;
    });
    setSimdLevel("auto");
    let worst = 0;
    for (let l = 1; l < results.length; l++)
      results[l]!.forEach((y, i) => {
        const ref = results[0]![i]!;
        const scale = maxAbs(ref);
        if (y instanceof Float32Array) {
          for (let k = 0; k < y.length; k++)
            if (Math.abs(y[k]! - ref[k]!) > 2 ** -23 * Math.abs(ref[k]!) + 1e-12 * scale) expect.fail(`${levels[l]} #${i}[${k}]: ${y[k]} vs ${ref[k]}`);
        } else {
          const d = maxDiff(y, ref);
          worst = Math.max(worst, d / scale);
          expect(d, `${levels[l]} #${i}`).toBeLessThanOrEqual(1e-12 * scale);
        }
      });
    if (results.length === 3) results[2]!.forEach((y, i) => expect(maxDiff(y, results[1]![i]!), `avx512 vs avx2 #${i}`).toBe(0));
    console.log(`[filter] SIMD levels ${levels.join(", ")}: worst float64 |diff| vs scalar / max|y| = ${worst.toExponential(2)}`);
  });

  it("interleaved channel blocks equal each channel filtered alone; channel-major and de-interleaving too", () => {
    const nc = 11;
    const chs = Array.from({ length: nc }, (_, c) => noise(5000, 200 + c));
    const x = interleave(chs);
    const alone = chs.map((c) => F.sosfiltfilt(filters.hp30k.sos, c));
    const inter = F.sosfiltfiltInterleaved(filters.hp30k.sos, x, nc);
    const split = F.sosfiltfiltInterleaved(filters.hp30k.sos, x, nc, undefined, chs.map(() => new Float64Array(5000)));
    const byCh = F.sosfiltfiltChannels(filters.hp30k.sos, chs);
    const joined = F.sosfiltfiltChannels(filters.hp30k.sos, chs, undefined, new Float32Array(5000 * nc));
    for (let c = 0; c < nc; c++) {
      expect(maxDiff(channelOf(inter, nc, c), alone[c]!)).toBe(0);
      expect(maxDiff(split[c]!, alone[c]!)).toBe(0);
      expect(maxDiff(byCh[c]!, alone[c]!)).toBe(0);
      expect(maxDiff(channelOf(joined, nc, c), Float32Array.from(alone[c]!))).toBe(0);
    }
  });

  it("filters in place (f64 and f32, interleaved and per channel)", () => {
    const x = interleave([noise(3000, 1), noise(3000, 2), noise(3000, 3)]);
    const expected = F.sosfiltfiltInterleaved(filters.bp7.sos, x, 3);
    expect(F.sosfiltfiltInterleaved(filters.bp7.sos, x, 3, {}, x)).toBe(x);
    expect(maxDiff(x, expected)).toBe(0);
    const x32 = Float32Array.from(noise(3000, 4)), e32 = F.sosfiltfilt(filters.hp3.sos, x32);
    F.sosfiltfilt(filters.hp3.sos, x32, {}, x32);
    expect(maxDiff(x32, e32)).toBe(0);
    const chs = [noise(3000, 5), noise(3000, 6)], ec = F.sosfiltfiltChannels(filters.lp8.sos, chs);
    F.sosfiltfiltChannels(filters.lp8.sos, chs, {}, chs);
    chs.forEach((c, i) => expect(maxDiff(c, ec[i]!)).toBe(0));
  });

  // The SIMD levels restart the backward pass from zero state W rows past each window (error <= 2^-64 x max|f|
  // by the bound in filtfilt.cc); the portable level keeps the exact checkpoint method. A warm-up too short
  // for its filter (e.g. half of W: ~1e-10 for hp30k) fails the 1e-12 here.
  it.skipIf(levels.length < 2)("long signals: the SIMD levels' warm-up windows agree with the exact (scalar) backward pass within 1e-12 x max|y|", () => {
    const out = levels.map((level) => {
      expect(setSimdLevel(level)).toBe(level);
      return (Object.keys(warmFilters) as WarmName[]).flatMap((f) => [
        F.sosfiltfiltInterleaved(warmFilters[f], warmX, warmNch, { padlen: 24 }),
        F.sosfiltfiltInterleaved(warmFilters[f], warmX, warmNch, { padtype: "none" }),
        // a tone at the pass band's lower edge, where the slowest poles ring: the worst case for a cut-off tail
        F.sosfiltfilt(warmFilters[f], channelOf(warmX, warmNch, 2).map((v, t) => v + 1e3 * Math.sin((2 * Math.PI * warmEdge[f] * t) / 30000))),
      ]);
    });
    setSimdLevel("auto");
    let worstRel = 0;
    for (let l = 1; l < out.length; l++)
      out[l]!.forEach((y, i) => {
        const d = maxDiff(y, out[0]![i]!) / maxAbs(out[0]![i]!);
        worstRel = Math.max(worstRel, d);
        expect(d, `${levels[l]} #${i}`).toBeLessThanOrEqual(1e-12);
      });
    console.log(`[filter] warm-up windows vs exact backward: worst |diff| / max|y| = ${worstRel.toExponential(2)}`);
  });

  it("in place across warm-up windows equals out of place, bit for bit (interleaved f32/f64, channel arrays)", () => {
    for (const f of Object.keys(warmFilters) as WarmName[]) {
      for (const x0 of [warmX, warmX32]) {
        const expected = F.sosfiltfiltInterleaved(warmFilters[f], x0, warmNch), x = x0.slice();
        F.sosfiltfiltInterleaved(warmFilters[f], x, warmNch, {}, x);
        expect(maxDiff(x, expected), `${f} interleaved`).toBe(0);
        const chs = Array.from({ length: warmNch }, (_, c) => x0 instanceof Float32Array ? Float32Array.from(channelOf(x0, warmNch, c)) : channelOf(x0, warmNch, c));
        F.sosfiltfiltChannels(warmFilters[f], chs, {}, chs);
        chs.forEach((c, i) => expect(maxDiff(c, channelOf(expected, warmNch, i)), `${f} channel ${i}`).toBe(0));
      }
    }
  });

  // float32 channel arrays go through the fused transposing AVX-512 kernels (8 and 16 channel blocks, 1-6 and
  // 8 sections; others through the row tiles): every layout must still give the interleaved result's bits.
  it("float32 channel arrays (fused transposes) equal the interleaved bits: 8/16/24/29 channels, odd lengths, all three methods, unaligned views, in place", () => {
    const sixSec = butter(6, [300, 6000], { fs: 30000 }), eightSec = butter(8, [300, 6000], { fs: 30000 });
    const cases: [string, Float64Array, number][] = [
      ["hp30k short", filters.hp30k.sos, 5001], ["hp30k windows", filters.hp30k.sos, 40_003],
      ["lfp30k checkpoints", filters.lfp30k.sos, 40_005], ["bs2 windows", filters.bs2.sos, 33_339],
      ["hp3 short", filters.hp3.sos, 16_383], ["6 sections", sixSec, 20_001], ["8 sections", eightSec, 17_007],
      ["bp7 (tiles)", filters.bp7.sos, 20_003],
    ];
    const lvls = levels.filter((l) => l !== "scalar");
    for (const level of lvls.length ? lvls : (["scalar"] as const)) {
      expect(setSimdLevel(level)).toBe(level);
      for (const [name, sos, n] of cases)
        for (const nc of name.includes("windows") || name.includes("checkpoints") ? [8, 16, 24, 29] : [8, 16]) {
          const x = Float32Array.from(interleave(Array.from({ length: nc }, (_, c) => noise(n, 900 + c).map((v, t) => v + 3 * Math.sin(t * 0.002 * (c + 1))))));
          const ref = F.sosfiltfiltInterleaved(sos, x, nc);
          const at = `${level} ${name} ${nc} ch`;
          const chs = Array.from({ length: nc }, (_, c) => Float32Array.from(channelOf(x, nc, c)));
          const check = (ys: Float32Array[], what: string) =>
            ys.forEach((y, c) => expect(maxDiff(y, channelOf(ref, nc, c)), `${at} ${what} channel ${c}`).toBe(0));
          check(F.sosfiltfiltChannels(sos, chs), "channels -> channels");
          check(F.sosfiltfiltInterleaved(sos, x, nc, undefined, chs.map(() => new Float32Array(n))), "interleaved -> channels");
          expect(maxDiff(F.sosfiltfiltChannels(sos, chs, undefined, new Float32Array(n * nc)), ref), `${at} channels -> interleaved`).toBe(0);
          // views at odd element offsets of one buffer (no array 32-byte aligned), filtered in place
          const buf = new Float32Array(nc * (n + 3) + 1);
          const views = chs.map((c, i) => { const v = buf.subarray(1 + i * (n + 3), 1 + i * (n + 3) + n); v.set(c); return v; });
          F.sosfiltfiltChannels(sos, views, {}, views);
          check(views, "unaligned views in place");
          // channelArrays: 16 channels take the pair kernel with 4-row stores (PairToChannels), not the tile
          check(F.sosfiltfiltInterleaved(sos, x, nc, undefined, channelArrays(nc, n)), "interleaved -> channelArrays");
        }
    }
    setSimdLevel("auto");
  });

  it("sosfilt into channel arrays (forward walk of the 16-lane direct writes) equals the interleaved bits, odd lengths", () => {
    const lvls = levels.filter((l) => l !== "scalar");
    for (const level of lvls.length ? lvls : (["scalar"] as const)) {
      expect(setSimdLevel(level)).toBe(level);
      for (const [sos, nc, n] of [[filters.hp30k.sos, 16, 9_999], [filters.bp7.sos, 16, 1_003], [filters.hp30k.sos, 8, 5_001]] as const) {
        const x = Float32Array.from(interleave(Array.from({ length: nc }, (_, c) => noise(n, 300 + c))));
        const ref = F.sosfiltInterleaved(sos, x, nc);
        for (const [what, outs] of [["channelArrays", channelArrays(nc, n)], ["separate arrays", Array.from({ length: nc }, () => new Float32Array(n))]] as const) {
          loadBinding().dspSosfilt(sos, [x], outs, nc, null);
          outs.forEach((y, c) => expect(maxDiff(y, channelOf(ref, nc, c)), `${level} ${nc} ch ${n} ${what} channel ${c}`).toBe(0));
        }
      }
    }
    setSimdLevel("auto");
  });

  it("channelArrays: views of one buffer, one cache line apart modulo 4 KiB, zero-filled; bad sizes are typed errors", () => {
    const a = channelArrays(70, 1001);
    expect(a.every((v) => v.length === 1001 && v.buffer === a[0]!.buffer && v.every((s) => s === 0))).toBe(true);
    const sets = a.map((v) => Math.floor((v.byteOffset % 4096) / 64));
    expect(new Set(sets.slice(0, 64)).size).toBe(64); // 64 arrays, 64 different L1 sets
    a[1]![1000] = 5;
    expect(a[2]![0]).toBe(0); // no overlap
    expect(() => channelArrays(0, 10)).toThrow(RangeError);
    expect(() => channelArrays(2, 1.5)).toThrow(/integer between 1 and/);
    expect(() => channelArrays(4096, 2 ** 31)).toThrow(/smaller groups/);
    // the filters' own float32 channel outputs are laid out the same way; float64 ones are separate arrays
    const ys = F.sosfiltfiltChannels(filters.hp30k.sos, [noise(500, 1), noise(500, 2)].map((c) => Float32Array.from(c)));
    expect(ys[1]!.buffer).toBe(ys[0]!.buffer);
    expect(ys[1]!.byteOffset - ys[0]!.byteOffset).toBe(4096 + 64);
    const zs = F.sosfiltfiltChannels(filters.hp30k.sos, [noise(500, 1), noise(500, 2)]);
    expect(zs[1]!.buffer).not.toBe(zs[0]!.buffer);
  });

  it("80 interleaved channels (window buffers split into groups of channel blocks) equal each channel alone, in place too", () => {
    const nc = 80, n = 20_000;
    const chs = Array.from({ length: nc }, (_, c) => noise(n, 600 + c).map((v, t) => v + 5 * Math.sin(t * 0.001 * (c + 1))));
    const x = interleave(chs), y = F.sosfiltfiltInterleaved(filters.hp30k.sos, x, nc);
    F.sosfiltfiltInterleaved(filters.hp30k.sos, x, nc, {}, x);
    expect(maxDiff(x, y)).toBe(0);
    for (const c of [0, 15, 16, 47, 48, 63, 64, 79]) expect(maxDiff(channelOf(y, nc, c), F.sosfiltfilt(filters.hp30k.sos, chs[c]!)), `channel ${c}`).toBe(0);
  });

  it("sosfilt continues seamlessly across chunks through zi", () => {
    const x = interleave([noise(7000, 8), chirp(7000, 30000)]);
    const zi = new Float64Array((filters.bp12.sos.length / 3) * 2);
    const whole = F.sosfiltInterleaved(filters.bp12.sos, x, 2, { zi: zi.slice() });
    const a = F.sosfiltInterleaved(filters.bp12.sos, x.subarray(0, 2 * 3001), 2, { zi });
    const b = F.sosfiltInterleaved(filters.bp12.sos, x.subarray(2 * 3001), 2, { zi });
    expect(maxDiff(whole, Float64Array.from([...a, ...b]))).toBe(0);
  });
});

// ---- async and threads ---------------------------------------------------------------------------------
describe("async variants and worker threads", () => {
  it("async variants resolve to the synchronous results", async () => {
    const x = interleave([noise(4000, 1), noise(4000, 2)]);
    const sync = F.sosfiltfiltInterleaved(filters.hp30k.sos, x, 2);
    expect(maxDiff(await F.sosfiltfiltInterleavedAsync(filters.hp30k.sos, x, 2), sync)).toBe(0);
    expect(maxDiff(await F.sosfiltfiltAsync(filters.hp30k.sos, noise(4000, 1)), channelOf(sync, 2, 0))).toBe(0);
    const [c0] = await F.sosfiltfiltChannelsAsync(filters.hp30k.sos, [noise(4000, 1)]);
    expect(maxDiff(c0!, channelOf(sync, 2, 0))).toBe(0);
    expect(maxDiff(await F.sosfiltAsync(filters.hp30k.sos, noise(100, 3)), F.sosfilt(filters.hp30k.sos, noise(100, 3)))).toBe(0);
    expect(maxDiff(await F.sosfiltInterleavedAsync(filters.hp30k.sos, x, 2), F.sosfiltInterleaved(filters.hp30k.sos, x, 2))).toBe(0);
  });
  it("async variants reject (never throw) on bad input", async () => {
    const p = F.sosfiltfiltAsync(filters.hp30k.sos, new Float64Array(10));
    await expect(p).rejects.toThrow(RangeError);
    await expect(F.sosfiltfiltInterleavedAsync(filters.hp30k.sos, new Float64Array(10), 3)).rejects.toThrow(/multiple of nChannels = 3/);
    await expect(F.sosfiltAsync(null as unknown as Float64Array, new Float64Array(10))).rejects.toThrow(TypeError);
    const short = new Float64Array(20); // past the TS checks, the C++ worker's error rejects the promise too
    await expect(loadBinding().dspSosfiltfiltAsync(filters.hp30k.sos, [short], [short], 1, 1, 24)).rejects.toThrow(
      /rplpipe native error: sosfiltfilt: the signal has 20 samples per channel; it must be longer than padlen = 24/);
  });
  it("the addon filters inside worker threads, concurrently, with the main thread's result", async () => {
    const addon = process.env.RPLPIPE_ADDON || join(repoRoot, "build", "Release", "rplpipe.node");
    const x = noise(20000, 9);
    const code = `const { parentPort, workerData: w } = require("node:worker_threads");
      const b = require(w.addon); const y = new Float64Array(w.x.length);
      for (let i = 0; i < 20; i++) b.dspSosfiltfilt(w.sos, [w.x], [y], 1, 1, 24);
      parentPort.postMessage(y);`;
    const run = () => new Promise<Float64Array>((resolve, reject) => {
      const wk = new Worker(code, { eval: true, workerData: { addon, x, sos: filters.hp30k.sos } });
      wk.once("message", resolve);
      wk.once("error", reject);
    });
    const ys = await Promise.all([run(), run(), run()]);
    const expected = F.sosfiltfilt(filters.hp30k.sos, x);
    for (const y of ys) expect(maxDiff(y, expected)).toBe(0);
  });
});

// ---- errors --------------------------------------------------------------------------------------------
describe("filter errors", () => {
  const sos = filters.hp30k.sos;
  it("a signal not longer than padlen says its length, the padlen, and how to proceed", () => {
    expect(() => F.sosfiltfilt(sos, new Float64Array(24))).toThrow(RangeError);
    expect(() => F.sosfiltfilt(sos, new Float64Array(24))).toThrow(
      /sosfiltfilt: the signal has 24 samples per channel but padlen is 24; the signal must be longer than padlen\. Filter a longer stretch, pass a smaller options\.padlen, or options\.padtype "none"/);
    expect(() => F.sosfiltfilt(sos, new Float64Array(27), { padlen: "scipy" })).toThrow(/has 27 samples per channel but padlen is 27/);
    expect(() => F.sosfiltfiltInterleaved(sos, new Float32Array(40), 2)).toThrow(/sosfiltfiltInterleaved: the signal has 20 samples/);
    expect(F.sosfiltfilt(sos, new Float64Array(5), { padtype: "none" }).length).toBe(5);
    expect(() => binding_sosfiltfilt_short()).toThrow(/the signal has 20 samples per channel; it must be longer than padlen = 24/);
  });
  it("rejects bad options with the option's name", () => {
    const x = noise(100, 1);
    expect(() => F.sosfiltfilt(sos, x, { padLen: 3 } as F.SosfiltfiltOptions)).toThrow(/Unknown option "padLen" in options; did you mean "padlen"\?/);
    expect(() => F.sosfiltfilt(sos, x, { padtype: "reflect" as F.PadType })).toThrow(/one of odd, even, constant, none for options\.padtype/);
    expect(() => F.sosfiltfilt(sos, x, { padlen: -1 })).toThrow(RangeError);
    expect(() => F.sosfiltfilt(sos, x, { padlen: 2.5 })).toThrow(/integer between 0 and 4294967295 for options\.padlen/);
    expect(() => F.sosfiltfilt(sos, x, { padlen: "matlab" as "scipy" })).toThrow(/one of pyhipp, scipy for options\.padlen/);
    expect(() => F.sosfiltfilt(sos, x, { padlen: null as unknown as number })).toThrow(TypeError);
    expect(() => F.sosfilt(sos, x, { zi: new Float64Array(3) })).toThrow(/nSections \* 2 \* nChannels = 8 for options\.zi\.length/);
    expect(() => F.sosfilt(sos, x, { zi: [0] as unknown as Float64Array })).toThrow(TypeError);
  });
  it("rejects bad arrays, shapes and overlaps", () => {
    expect(() => F.sosfiltfilt(sos, [1, 2, 3] as unknown as Float64Array)).toThrow(/Expected Float32Array or Float64Array for x/);
    expect(() => F.sosfiltfilt(sos, new Int16Array(100) as unknown as Float64Array)).toThrow(TypeError);
    expect(() => F.sosfiltfilt(new Float64Array([1, 0, 0, 0.5, 0, 0]), noise(100, 1))).toThrow(/a0 of section 0/);
    expect(() => F.sosfiltfiltInterleaved(sos, new Float64Array(100), 3)).toThrow(/Expected multiple of nChannels = 3 for x\.length but received 100/);
    expect(() => F.sosfiltfiltInterleaved(sos, new Float64Array(100), 0)).toThrow(RangeError);
    expect(() => F.sosfiltfilt(sos, noise(100, 1), {}, new Float64Array(99))).toThrow(/100 samples per channel like the input/);
    expect(() => F.sosfiltfiltChannels(sos, [noise(100, 1), noise(99, 1)])).toThrow(/channels\[1\]\.length/);
    expect(() => F.sosfiltfiltChannels(sos, [noise(100, 1), Float32Array.from(noise(100, 1))])).toThrow(/Float64Array like channels\[0\]/);
    expect(() => F.sosfiltfiltChannels(sos, [])).toThrow(TypeError);
    expect(() => F.sosfiltfiltChannels(sos, [noise(100, 1)], {}, [new Float64Array(100), new Float64Array(100)])).toThrow(/1 channel arrays for out\.length/);
    const buf = new Float64Array(300);
    expect(() => F.sosfiltfilt(sos, buf.subarray(0, 100), {}, buf.subarray(50, 150))).toThrow(/overlaps the input/);
    expect(() => F.sosfiltfilt(sos, buf.subarray(0, 100), {}, new Float32Array(buf.buffer, 0, 100))).toThrow(/overlaps the input/);
    expect(() => F.sosfiltfiltChannels(sos, [noise(100, 1), noise(100, 2)], {}, [buf.subarray(0, 100), buf.subarray(99, 199)])).toThrow(/Output arrays overlap each other/);
  });
});

function binding_sosfiltfilt_short(): void {
  // The C++ layer also refuses a signal not longer than padlen when called without the TS checks.
  const x = new Float64Array(20);
  loadBinding().dspSosfiltfilt(filters.hp30k.sos, [x], [x], 1, 1, 24);
}
