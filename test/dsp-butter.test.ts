/**
 * Butterworth design against scipy: golden vectors from test/python/make_golden_butter.py (committed with the
 * JSON it writes), compared coefficient-wise with an absolute tolerance of 1e-12; plus the pad-length
 * conventions and every bad-parameter error, in TS and in C++.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { butter, checkSos, kMaxButterOrder, sosfiltZi, sosPadlen, type BandType } from "../src/dsp/butter.js";
import { binding } from "../src/native/load.js";
import { repoRoot } from "./helpers/reference.js";

interface GoldenCase {
  name: string;
  order: number;
  btype: BandType;
  cutoff: number | [number, number];
  fs: number;
  sos: number[];
}
const golden = JSON.parse(readFileSync(join(repoRoot, "test", "fixtures", "golden", "butter.json"), "utf8")) as {
  scipy: string;
  cases: GoldenCase[];
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("butter vs scipy golden vectors", () => {
  it(`has many cases (scipy ${golden.scipy})`, () => {
    expect(golden.cases.length).toBeGreaterThan(250);
  });

  it("matches every case within 1e-12 per coefficient, same section count", () => {
    let worst = 0;
    for (const c of golden.cases) {
      const sos = butter(c.order, c.cutoff, { btype: c.btype, fs: c.fs });
      expect(sos.length, c.name).toBe(c.sos.length);
      const d = maxAbsDiff(sos, c.sos);
      expect(d, c.name).toBeLessThanOrEqual(1e-12);
      worst = Math.max(worst, d);
    }
    process.stdout.write(`butter: ${golden.cases.length} designs, worst |diff| ${worst.toExponential(2)}\n`);
  });

  it("designs PyHipp's filters as 4-section band-passes with padlen 24 (scipy's own default 27)", () => {
    for (const [band, fs] of [[[1, 150], 1000], [[500, 7500], 30000], [[1, 150], 30000]] as const) {
      const sos = butter(4, band, { fs });
      expect(sos.length).toBe(24);
      expect(sosPadlen(sos)).toBe(24);
      expect(sosPadlen(sos, "pyhipp")).toBe(24);
      expect(sosPadlen(sos, "scipy")).toBe(27);
    }
  });

  it("counts a trailing first-order section in ntaps (odd orders)", () => {
    const sos = butter(3, 300, { btype: "highpass", fs: 30000 }); // 2 sections, one first-order: ntaps 4
    expect(sos.length).toBe(12);
    expect(sosPadlen(sos, "scipy")).toBe(12);
    expect(sosPadlen(sos, "pyhipp")).toBe(9);
  });

  it("defaults: lowpass for one cutoff, bandpass for a pair, fs = 2 (cutoffs relative to Nyquist)", () => {
    expect(butter(2, 0.25)).toEqual(butter(2, 250, { btype: "lowpass", fs: 2000 }));
    expect(butter(2, [0.1, 0.2])).toEqual(butter(2, [100, 200], { btype: "bandpass", fs: 2000 }));
  });

  it("sosfiltZi is finite and has shape [nSections][2]", () => {
    const zi = sosfiltZi(butter(4, [500, 7500], { fs: 30000 }));
    expect(zi.length).toBe(8);
    for (const v of zi) expect(Number.isFinite(v)).toBe(true);
  });
});

describe("butter errors", () => {
  it("rejects bad orders with RangeError/TypeError", () => {
    expect(() => butter(0, 10, { fs: 100 })).toThrow(RangeError);
    expect(() => butter(0, 10, { fs: 100 })).toThrow(/Expected integer between 1 and 64 for order but received 0/);
    expect(() => butter(kMaxButterOrder + 1, 10, { fs: 100 })).toThrow(RangeError);
    expect(() => butter(2.5, 10, { fs: 100 })).toThrow(/for order but received 2.5/);
    expect(() => butter("4" as unknown as number, 10, { fs: 100 })).toThrow(TypeError);
  });

  it("rejects corners outside (0, fs/2) naming fs/2", () => {
    expect(() => butter(4, 0, { fs: 1000 })).toThrow(RangeError);
    expect(() => butter(4, 0, { fs: 1000 })).toThrow(/greater than 0 and less than fs\/2 = 500 for cutoffHz but received 0/);
    expect(() => butter(4, 500, { fs: 1000 })).toThrow(/less than fs\/2 = 500 for cutoffHz but received 500/);
    expect(() => butter(4, -3, { fs: 1000 })).toThrow(RangeError);
    expect(() => butter(4, [1, 600], { fs: 1000 })).toThrow(/for cutoffHz\[1\] but received 600/);
    expect(() => butter(4, [0, 100], { fs: 1000 })).toThrow(/for cutoffHz\[0\] but received 0/);
    expect(() => butter(4, NaN, { fs: 1000 })).toThrow(TypeError);
  });

  it("rejects low >= high", () => {
    expect(() => butter(4, [150, 150], { fs: 1000 })).toThrow(RangeError);
    expect(() => butter(4, [150, 1], { fs: 1000 })).toThrow(/greater than cutoffHz\[0\] = 150 for cutoffHz\[1\] but received 1/);
  });

  it("rejects a cutoff of the wrong shape for the band type", () => {
    expect(() => butter(4, 100, { btype: "bandpass", fs: 1000 })).toThrow(/\[low, high\] pair for btype "bandpass"/);
    expect(() => butter(4, [1, 2, 3] as unknown as [number, number], { fs: 1000 })).toThrow(TypeError);
    expect(() => butter(4, [10, 100], { btype: "lowpass", fs: 1000 })).toThrow(/single number for btype "lowpass"/);
  });

  it("rejects bad options", () => {
    expect(() => butter(4, 10, { fs: 0 })).toThrow(RangeError);
    expect(() => butter(4, 10, { fs: Infinity })).toThrow(RangeError);
    expect(() => butter(4, 10, { btype: "band" as BandType, fs: 100 })).toThrow(/one of lowpass, highpass, bandpass, bandstop/);
    expect(() => butter(4, 10, { FS: 100 } as unknown as { fs: number })).toThrow(/Unknown option "FS" in options; did you mean "fs"\?/);
    expect(() => butter(4, 10, 100 as unknown as { fs: number })).toThrow(TypeError);
  });

  it("checkSos rejects malformed SOS arrays", () => {
    expect(() => checkSos("sos", [1, 0, 0, 1, 0, 0])).toThrow(TypeError);
    expect(() => checkSos("sos", new Float64Array(5))).toThrow(/positive multiple of 6/);
    expect(() => checkSos("sos", new Float64Array([1, 0, 0, 2, 0, 0]))).toThrow(/a0 of section 0/);
    expect(() => checkSos("sos", new Float64Array([NaN, 0, 0, 1, 0, 0]))).toThrow(RangeError);
    expect(() => sosPadlen(butter(2, 0.1), "matlab" as "scipy")).toThrow(RangeError);
  });

  it("the C++ design also refuses bad parameters (raw binding, no TS validation)", () => {
    const raw = binding();
    expect(() => raw.dspButter(0, 0, 10, 0, 100)).toThrow(/order must be an integer from 1 to 64/);
    expect(() => raw.dspButter(4, 0, 60, 0, 100)).toThrow(/corner frequency 60 must be > 0 and < fs\/2 = 50/);
    expect(() => raw.dspButter(4, 2, 20, 10, 100)).toThrow(/low corner 20 must be below the high corner 10/);
    expect(() => raw.dspButter(4, 0, 10, 0, -1)).toThrow(/fs must be finite and > 0/);
    expect(() => raw.dspSosfiltZi(new Float64Array([1, 0, 0, 2, 0, 0]))).toThrow(/a0 of section 0 must be 1/);
  });
});
