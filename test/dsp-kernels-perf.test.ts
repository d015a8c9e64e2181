/**
 * The fast paths of the SOS kernels (native/src/dsp/sosfilt*, filtfilt.cc) and the resampler: the coefficient-
 * specialised cascades against a plain JavaScript port of scipy's loop (bit for bit on the portable kernel,
 * within 1e-12 x max|y| on the FMA kernels of AVX2/AVX-512), and bit equality, at every SIMD level, of every
 * channel layout the drivers plan (16-lane AVX-512 pairs, 8/4/1-lane blocks, partial blocks, row tiles,
 * checkpoint intervals, buffered and streaming channel-array outputs) with each channel filtered alone.
 * Ends with an informative speed print (no assertion: machines differ).
 */
import { afterAll, describe, expect, it } from "vitest";
import { butter, sosfiltZi } from "../src/dsp/butter.js";
import * as F from "../src/dsp/filter.js";
import { resamplePoly, resamplePolyInterleaved, resampledLength } from "../src/dsp/resample.js";
import { setSimdLevel, simdInfo } from "../src/simd.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}
function noise(n: number, seed: number): Float64Array {
  const r = rng(seed), x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r()) + Math.sin(i * (seed % 7 + 1) * 0.003);
  return x;
}
function interleave(chs: ArrayLike<number>[], Ctor: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array) {
  const n = chs[0]!.length, k = chs.length, x = new Ctor(n * k);
  chs.forEach((c, j) => { for (let t = 0; t < n; t++) x[t * k + j] = c[t]!; });
  return x;
}
function channelOf<T extends Float32Array | Float64Array>(x: T, k: number, c: number): T {
  const y = new (x.constructor as { new (n: number): T })(x.length / k);
  for (let t = 0; t < y.length; t++) y[t] = x[t * k + c]!;
  return y;
}
/** Index of the first element that differs by more than tol (0: bits; NaN never occurs here), or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>, tol = 0): number {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (tol === 0 ? a[i] !== b[i] : !(Math.abs(a[i]! - b[i]!) <= tol)) return i;
  return -1;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
/** Largest pole radius of an SOS (rows b0 b1 b2 1 a1 a2). */
function poleRadius(sos: Float64Array): number {
  let r = 0;
  for (let q = 0; q < sos.length; q += 6) {
    const a1 = sos[q + 4]!, a2 = sos[q + 5]!, disc = a1 * a1 - 4 * a2;
    r = Math.max(r, disc < 0 ? Math.sqrt(a2) : Math.max(Math.abs((-a1 + Math.sqrt(disc)) / 2), Math.abs((-a1 - Math.sqrt(disc)) / 2)));
  }
  return r;
}
/**
 * Tolerance for a level against the scipy-loop reference: exact on the portable kernel; with FMA (other
 * roundings) 1e-12 x scale, widened for poles within 1% of the unit circle, where a last-bit difference in the
 * state grows by ~1/(1 - radius) (lfp1k: 1 Hz at 1 kHz, x4.2; bs2: a 4 Hz notch at 30 kHz, x35; the others x1-1.5).
 */
const tolFor = (level: string, ref: ArrayLike<number>, sos?: Float64Array) =>
  level === "scalar" ? 0 : 1e-12 * maxAbs(ref) * (sos ? Math.max(1, 0.01 / (1 - poleRadius(sos))) : 1);

// scipy's _sosfilt loop in plain doubles (JavaScript never fuses a multiply and an add).
function sosfiltRef(sos: Float64Array, x: ArrayLike<number>, zi: Float64Array): Float64Array {
  const nsec = sos.length / 6, z = Float64Array.from(zi), y = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    let v = x[t]!;
    for (let s = 0; s < nsec; s++) {
      const q = 6 * s;
      const w = sos[q]! * v + z[2 * s]!;
      z[2 * s] = sos[q + 1]! * v - sos[q + 4]! * w + z[2 * s + 1]!;
      z[2 * s + 1] = sos[q + 2]! * v - sos[q + 5]! * w;
      v = w;
    }
    y[t] = v;
  }
  zi.set(z);
  return y;
}
// scipy.signal.sosfiltfilt(sos, x, padtype="odd", padlen) on float64 data.
function sosfiltfiltRef(sos: Float64Array, x: Float64Array, padlen: number): Float64Array {
  const n = x.length, zi = sosfiltZi(sos), ext = new Float64Array(n + 2 * padlen);
  for (let i = 0; i < padlen; i++) {
    ext[i] = 2 * x[0]! - x[padlen - i]!;
    ext[n + padlen + i] = 2 * x[n - 1]! - x[n - 2 - i]!;
  }
  ext.set(x, padlen);
  const f = sosfiltRef(sos, ext, zi.map((v) => v * ext[0]!));
  const g = sosfiltRef(sos, f.slice().reverse(), zi.map((v) => v * f[f.length - 1]!));
  return g.reverse().slice(padlen, padlen + n);
}

const filters = {
  hp30k: butter(4, [500, 7500], { fs: 30000 }), // PyHipp: [k, 2k, k] then [1, b1, 1] sections
  lfp1k: butter(4, [1, 150], { fs: 1000 }),
  hp3: butter(3, 300, { btype: "highpass", fs: 30000 }), // first-order first section, unit tail
  bs2: butter(2, [58, 62], { btype: "bandstop", fs: 30000 }),
  bp7: butter(7, [300, 6000], { fs: 30000 }), // a [1, 0, -1] section: the general kernel
  lp5: butter(10, 250, { fs: 30000 }), // 5 sections
  bp12: butter(12, [300, 3000], { fs: 30000 }), // 12 sections: the run-time section count
  // Zeros paired as (1 - z^-2) (pairZeros below): the kDiffUnitTail kernels, 4 and 7 sections.
  hp30kPaired: pairZeros(butter(4, [500, 7500], { fs: 30000 })),
  bp7Paired: pairZeros(butter(7, [1000, 6000], { fs: 30000 })),
};
/**
 * The same band-pass with its zeros paired as (1 - z^-2): [k, 0, -k] then [1, 0, -1] sections, each section's
 * poles kept (what sosfiltfilt runs on the SIMD levels for well-conditioned band-passes, Form::kDiffUnitTail).
 */
function pairZeros(sos: Float64Array): Float64Array {
  const p = Float64Array.from(sos);
  let k = 1;
  for (let q = 0; q < sos.length; q += 6) k *= sos[q]!;
  for (let q = 0; q < p.length; q += 6) p.set(q === 0 ? [k, 0, -k] : [1, 0, -1], q);
  return p;
}
type FilterName = keyof typeof filters;

const levels = (["scalar", "avx2", "avx512"] as const).filter((l, i) => i <= ["scalar", "avx2", "avx512"].indexOf(simdInfo().detected));
afterAll(() => { setSimdLevel("auto"); });

describe("specialised cascades equal scipy's loop (bit for bit without FMA, 1e-12 x max|y| with)", () => {
  it.each(levels)("%s: sosfilt with zi, 1/16/17 channels, every coefficient form and section count", (level) => {
    setSimdLevel(level);
    for (const name of Object.keys(filters) as FilterName[]) {
      const sos = filters[name], nsec = sos.length / 6;
      for (const nch of [1, 16, 17]) {
        const chs = Array.from({ length: nch }, (_, c) => noise(3001, 40 + c));
        const zi = Float64Array.from({ length: nsec * 2 * nch }, (_, i) => ((i * 37) % 11) / 7 - 0.6);
        const zf = zi.slice();
        const y = F.sosfiltInterleaved(sos, interleave(chs), nch, { zi: zf });
        for (let c = 0; c < nch; c++) {
          const z = Float64Array.from({ length: nsec * 2 }, (_, j) => zi[j * nch + c]!);
          const ref = sosfiltRef(sos, chs[c]!, z);
          expect(firstDiff(channelOf(y, nch, c), ref, tolFor(level, ref, sos)), `${name} ${nch} ch, channel ${c}`).toBe(-1);
          const zfc = Float64Array.from({ length: nsec * 2 }, (_, j) => zf[j * nch + c]!);
          // The state is a running combination of the inputs and outputs: its rounding is measured against the
          // larger of their scales and its own.
          const zScale = [maxAbs(chs[c]!), maxAbs(ref), maxAbs(z)];
          expect(firstDiff(zfc, z, tolFor(level, zScale, sos)), `${name} zf`).toBe(-1);
        }
      }
    }
    setSimdLevel("auto");
  });

  it.each(levels)("%s: sosfiltfilt (odd pad) equals the reference for every form, across many checkpoint intervals", (level) => {
    setSimdLevel(level);
    for (const name of Object.keys(filters) as FilterName[]) {
      const x = noise(150_000, 3), sos = filters[name], ref = sosfiltfiltRef(sos, x, 24);
      expect(firstDiff(F.sosfiltfilt(sos, x, { padlen: 24 }), ref, tolFor(level, ref, sos)), name).toBe(-1);
    }
    setSimdLevel("auto");
  });
});

describe("band-pass zeros paired as (1 - z^-2) on the SIMD levels", () => {
  // Runs each level's sosfiltfilt on PyHipp's spike band and on the same filter given already paired.
  it.each(levels)("%s: hp30k runs paired (same bits as the paired SOS) and stays within 1e-12 x max|y| of scipy's loop; poles within 0.01 of the circle keep zpk2sos's pairing", (level) => {
    setSimdLevel(level);
    const x = noise(40_000, 9).map((v) => v + 250); // an offset, as raw channels have
    const designed = F.sosfiltfilt(filters.hp30k, x, { padlen: 24 });
    const paired = F.sosfiltfilt(pairZeros(filters.hp30k), x, { padlen: 24 });
    const ref = sosfiltfiltRef(filters.hp30k, x, 24);
    // The portable level keeps the designed sections (scipy's bits); the FMA levels pair them.
    if (level === "scalar") {
      expect(firstDiff(designed, ref)).toBe(-1);
      expect(firstDiff(paired, designed)).not.toBe(-1);
    } else {
      expect(firstDiff(designed, paired)).toBe(-1);
    }
    expect(firstDiff(designed, ref, 1e-12 * maxAbs(ref))).toBe(-1);
    // 1-150 Hz at 30 kHz: poles 8e-5 from the circle, where the paired sections round 25x worse: not paired.
    const lfp = butter(4, [1, 150], { fs: 30000 });
    if (level !== "scalar") expect(firstDiff(F.sosfiltfilt(lfp, x), F.sosfiltfilt(pairZeros(lfp), x))).not.toBe(-1);
    setSimdLevel("auto");
  });
});

describe("every channel layout equals each channel filtered alone", () => {
  // 33 channels = two 16-lane pairs + a lone channel; 24 = pair + 8; 13 = 8 + 5 (partial 8-lane block);
  // 9000 rows span several checkpoint intervals and hundreds of row tiles for the wide layouts.
  const counts = [2, 5, 13, 16, 24, 33];
  const n = 9000;
  const chsOf = (nch: number) => Array.from({ length: nch }, (_, c) => noise(n, 300 + c));

  it.each(levels)("%s: interleaved, channel arrays in and out, float32 and float64", (level) => {
    setSimdLevel(level);
    for (const nch of counts) {
      // Each channel alone at the same level (its one-lane kernel does the same arithmetic as the wide ones).
      const chs = chsOf(nch), ref = chs.map((c) => F.sosfiltfilt(filters.hp30k, c)), x = interleave(chs);
      const inter = F.sosfiltfiltInterleaved(filters.hp30k, x, nch);
      const split = F.sosfiltfiltInterleaved(filters.hp30k, x, nch, {}, chs.map(() => new Float64Array(n)));
      const byCh = F.sosfiltfiltChannels(filters.hp30k, chs);
      for (let c = 0; c < nch; c++) {
        expect(firstDiff(channelOf(inter, nch, c), ref[c]!), `${nch} ch interleaved, channel ${c}`).toBe(-1);
        expect(firstDiff(split[c]!, ref[c]!), `${nch} ch to channel arrays, channel ${c}`).toBe(-1);
        expect(firstDiff(byCh[c]!, ref[c]!), `${nch} ch channel arrays, channel ${c}`).toBe(-1);
      }
      const x32 = interleave(chs, Float32Array);
      const ref32 = chs.map((c) => F.sosfiltfilt(filters.hp30k, Float32Array.from(c)));
      const inter32 = F.sosfiltfiltInterleaved(filters.hp30k, x32, nch);
      const split32 = F.sosfiltfiltInterleaved(filters.hp30k, x32, nch, {}, chs.map(() => new Float32Array(n)));
      for (let c = 0; c < nch; c++) {
        expect(firstDiff(channelOf(inter32, nch, c), ref32[c]!), `${nch} ch f32 interleaved, channel ${c}`).toBe(-1);
        expect(firstDiff(split32[c]!, ref32[c]!), `${nch} ch f32 to channel arrays, channel ${c}`).toBe(-1);
      }
    }
    setSimdLevel("auto");
  });

  it("sosfilt: 33 interleaved channels equal each channel alone; in place too", () => {
    const chs = chsOf(33), x = interleave(chs);
    const y = F.sosfiltInterleaved(filters.bp12, x, 33);
    chs.forEach((c, i) => expect(firstDiff(channelOf(y, 33, i), F.sosfilt(filters.bp12, c)), `channel ${i}`).toBe(-1));
    F.sosfiltInterleaved(filters.bp12, x, 33, {}, x);
    expect(firstDiff(x, y)).toBe(-1);
  });

  it("large channel-array outputs (streaming stores past 32 MiB) equal the interleaved result", () => {
    for (const nch of [16, 24]) {
      const rows = nch === 16 ? 600_000 : 400_000; // 38 MB of float32 output
      const x = new Float32Array(rows * nch);
      for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 2001) - 1000 + 300 * Math.sin(i * 1e-4);
      const inter = F.sosfiltfiltInterleaved(filters.hp30k, x, nch);
      const outs = Array.from({ length: nch }, () => new Float32Array(rows));
      F.sosfiltfiltInterleaved(filters.hp30k, x, nch, {}, outs);
      for (let c = 0; c < nch; c++) expect(firstDiff(outs[c]!, channelOf(inter, nch, c)), `${nch} ch, channel ${c}`).toBe(-1);
    }
  });
});

describe("speed (informative)", () => {
  it("16 interleaved float32 channels, 10 s at 30 kHz: sosfilt, sosfiltfilt, resample 30k -> 1k", () => {
    const nch = 16, n = 300_000;
    const x = new Float32Array(n * nch);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 2001) - 1000;
    const out = new Float32Array(n * nch), outs = Array.from({ length: nch }, () => new Float32Array(n));
    const y = new Float64Array(resampledLength(n, 1, 30) * nch);
    const best = (f: () => void) => {
      let b = Infinity;
      for (let r = 0; r < 5; r++) {
        const t = performance.now();
        f();
        b = Math.min(b, performance.now() - t);
      }
      return ((n * nch) / b / 1e3).toFixed(0);
    };
    const rows = [
      `sosfilt ${best(() => F.sosfiltInterleaved(filters.hp30k, x, nch, {}, out))}`,
      `sosfiltfilt interleaved ${best(() => F.sosfiltfiltInterleaved(filters.hp30k, x, nch, {}, out))}`,
      `sosfiltfilt to channel arrays ${best(() => F.sosfiltfiltInterleaved(filters.hp30k, x, nch, {}, outs))}`,
      `resample_poly ${best(() => resamplePolyInterleaved(x, nch, 1, 30, { out: y }))}`,
    ];
    console.log(`[dsp-kernels] ${simdInfo().active}, one thread, M input samples/s: ${rows.join(", ")}`);
    expect(resamplePoly(new Float64Array(3000), 1, 30).length).toBe(100);
  });
});
