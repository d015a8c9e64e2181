/**
 * The two PyHipp chains (LFP, spike band) against PyHipp's own calls in scipy, against the files the real
 * PyHipp code wrote (../shared/data/pyhipp), and with non-default parameters.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { highpassChain, highpassChainChannels, lfpChain, lfpChainChannels, lfpLength } from "../src/dsp/chains.js";
import { butter } from "../src/dsp/butter.js";
import { sosToBa } from "../src/dsp/ba-filtfilt.js";
import { normal } from "../src/synth/random.js";
import { haveReference, pyhippDataDir, runPythonJson } from "./helpers/reference.js";

const dir = mkdtempSync(join(tmpdir(), "rplpipe-chains-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 12 s at 30 kHz: noise (sd 40 µV), a 7 Hz rhythm, bursts of 1 kHz "spikes", and a DC step, as float32. */
function signal30k(seed: number, seconds = 12): Float32Array {
  const g = normal(seed);
  const n = seconds * 30000;
  const x = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    const s = t / 30000;
    x[t] = 40 * g() + 120 * Math.sin(2 * Math.PI * 7 * s) + (t % 9000 < 60 ? 200 * Math.sin(2 * Math.PI * 1000 * s) : 0) + (t > n / 2 ? 50 : 0);
  }
  return x;
}

function rms(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s / a.length);
}

function maxRelDiff(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(ours.length).toBe(ref.length);
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ours[i]! - ref[i]!));
  return m / rms(ref);
}

interface Case {
  id: string;
  op: "lfp" | "lfp64" | "highpass";
  x: string;
  samplingRate?: number;
  resampleRate?: number;
  order: number;
  band: [number, number];
}

function oracle(cases: Case[]): Map<string, Float64Array> {
  writeFileSync(join(dir, "job.json"), JSON.stringify({ dir, cases }));
  runPythonJson("dsp_chains_ref.py", [join(dir, "job.json")]);
  return new Map(cases.map((c) => [c.id, new Float64Array(readFileSync(join(dir, `${c.id}.out.f64`)).buffer.slice(0))]));
}

describe("PyHipp chains", () => {
  it("validates options by PyHipp's names", () => {
    expect(() => lfpChain(new Float32Array(100), { lfpOrder: 7 })).toThrow(/Expected even integer between 2 and 64 .*options.lfpOrder but received 7/);
    expect(() => lfpChain(new Float32Array(100), { lowPassFrequency: [1, 600] })).toThrow(
      /options.lowPassFrequency\[1\] but received 600/,
    );
    expect(() => highpassChain(new Float32Array(100), { highPassFrequency: [800, 500] })).toThrow(
      /Expected number greater than options.highPassFrequency\[0\] = 800/,
    );
    expect(() => highpassChain(new Float32Array(100), { HighOrder: 8 } as never)).toThrow(/Unknown option "HighOrder" .*did you mean "highOrder"/);
    expect(() => highpassChain(new Float32Array(10))).toThrow(/10 samples|padlen/);
    expect(lfpLength(360000)).toBe(12000);
    expect(lfpLength(360001)).toBe(12001);
  });

  it("highpassChainChannels equals highpassChain per channel, bit for bit: default outputs (views of one buffer), in place, both forms", () => {
    const xs = [1, 2, 3].map((seed) => signal30k(seed, 2));
    const each = xs.map((x) => highpassChain(x));
    const ys = highpassChainChannels(xs);
    expect(ys[1]!.buffer).toBe(ys[0]!.buffer); // allocChannelOutputs: one buffer, spread over the cache sets
    ys.forEach((y, c) => expect(maxRelDiff(y, each[c]!), `default outputs, channel ${c}`).toBe(0));
    const copies = xs.map((x) => x.slice());
    expect(highpassChainChannels(copies, {}, copies)).toBe(copies);
    copies.forEach((y, c) => expect(maxRelDiff(y, each[c]!), `in place, channel ${c}`).toBe(0));
    const ba = highpassChainChannels(xs, { form: "ba" });
    ba.forEach((y, c) => expect(maxRelDiff(y, highpassChain(xs[c]!, { form: "ba" })), `ba, channel ${c}`).toBe(0));
    expect(() => highpassChainChannels(xs, {}, [new Float32Array(5)])).toThrow(/3 Float32Arrays of the inputs' lengths/);
  });

  it("lfpChainChannels equals lfpChain per channel, bit for bit: 8 and 3 channels, float32 and float64, outs, ba form", () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => signal30k(seed, 2));
    const each = xs.map((x) => lfpChain(x));
    const ys = lfpChainChannels(xs);
    expect(ys[1]!.buffer).toBe(ys[0]!.buffer); // allocChannelOutputs
    ys.forEach((y, c) => expect(maxRelDiff(y, each[c]!), `8 channels, channel ${c}`).toBe(0));
    const three = xs.slice(0, 3).map((x) => Float64Array.from(x));
    const outs = three.map(() => new Float32Array(lfpLength(three[0]!.length)));
    expect(lfpChainChannels(three, {}, outs)).toBe(outs);
    outs.forEach((y, c) => expect(maxRelDiff(y, lfpChain(three[c]!)), `float64, channel ${c}`).toBe(0));
    const ba = lfpChainChannels(xs.slice(0, 2), { form: "ba" });
    ba.forEach((y, c) => expect(maxRelDiff(y, lfpChain(xs[c]!, { form: "ba" })), `ba, channel ${c}`).toBe(0));
    const odd = lfpChainChannels([xs[0]!, xs[1]!.subarray(0, 59_999)]); // unlike lengths: one by one
    expect(maxRelDiff(odd[1]!, lfpChain(xs[1]!.subarray(0, 59_999)))).toBe(0);
    expect(lfpChainChannels([])).toEqual([]);
    expect(() => lfpChainChannels(xs.slice(0, 2), {}, [new Float32Array(5)])).toThrow(/2 Float32Arrays of lfpLength/);
    expect(() => lfpChainChannels([new Float32Array(30), new Float32Array(30)])).toThrow(/pad|short|length/i);
  });

  it("default chains equal PyHipp's calls (resample_poly + filtfilt(b, a), padlen 24) within 1e-5 of the RMS", () => {
    if (!haveReference("dsp chains vs PyHipp")) return;
    const x = signal30k(3);
    writeFileSync(join(dir, "x.f32"), x);
    const ref = oracle([
      { id: "lfp", op: "lfp", x: "x.f32", resampleRate: 1000, order: 8, band: [1, 150] },
      { id: "lfp64", op: "lfp64", x: "x.f32", resampleRate: 1000, order: 8, band: [1, 150] },
      { id: "hp", op: "highpass", x: "x.f32", order: 8, band: [500, 7500] },
    ]);
    const lfp = lfpChain(x);
    const hp = highpassChain(x);
    const dLfp = maxRelDiff(lfp, ref.get("lfp")!);
    const dLfp64 = maxRelDiff(lfp, ref.get("lfp64")!);
    const dHp = maxRelDiff(hp, ref.get("hp")!);
    process.stdout.write(`chains vs PyHipp: lfp ${dLfp.toExponential(2)} (float64 resampling ${dLfp64.toExponential(2)}), highpass ${dHp.toExponential(2)} x RMS\n`);
    expect(lfp.length).toBe(12000);
    expect(dLfp).toBeLessThan(1e-5);
    expect(dLfp64).toBeLessThan(1e-5);
    expect(dHp).toBeLessThan(1e-5);
    // form "ba" is PyHipp's arithmetic; its (b, a) comes from multiplying our sections rather than scipy's
    // zpk2tf, and the 1 kHz LFP transfer function amplifies that last-bit difference to ~1e-6 of the RMS.
    const dLfpBa = maxRelDiff(lfpChain(x, { form: "ba" }), ref.get("lfp64")!);
    const dHpBa = maxRelDiff(highpassChain(x, { form: "ba" }), ref.get("hp")!);
    process.stdout.write(`form "ba" vs PyHipp: lfp ${dLfpBa.toExponential(2)}, highpass ${dHpBa.toExponential(2)} x RMS\n`);
    expect(dLfpBa).toBeLessThan(1e-5);
    expect(dHpBa).toBeLessThan(1e-6);
  });

  it("non-default parameters give PyHipp's results too", () => {
    if (!haveReference("dsp chains, non-default parameters")) return;
    const x = signal30k(5, 6);
    writeFileSync(join(dir, "y.f32"), x);
    const ref = oracle([
      { id: "lfp500", op: "lfp64", x: "y.f32", resampleRate: 500, order: 6, band: [2, 100] },
      { id: "lfp2k", op: "lfp64", x: "y.f32", resampleRate: 2000, order: 4, band: [0.5, 300] },
      { id: "hp6", op: "highpass", x: "y.f32", order: 6, band: [300, 6000] },
    ]);
    expect(maxRelDiff(lfpChain(x, { resampleRate: 500, lfpOrder: 6, lowPassFrequency: [2, 100] }), ref.get("lfp500")!)).toBeLessThan(1e-5);
    expect(maxRelDiff(lfpChain(x, { resampleRate: 2000, lfpOrder: 4, lowPassFrequency: [0.5, 300] }), ref.get("lfp2k")!)).toBeLessThan(1e-5);
    expect(maxRelDiff(highpassChain(x, { highOrder: 6, highPassFrequency: [300, 6000] }), ref.get("hp6")!)).toBeLessThan(1e-5);
  });

  it("stays stable where PyHipp's (b, a) form blows up: the LFP band-pass at 30 kHz", () => {
    const x = signal30k(9, 4);
    const sos = butter(4, [1, 150], { btype: "bandpass", fs: 30000 });
    const { a } = sosToBa(sos);
    expect(a.length).toBe(9);
    // SOS: bounded output, about the size of the 7 Hz rhythm; (b, a): overflow to non-finite values.
    const ok = highpassChain(x, { highPassFrequency: [1, 150] });
    expect(ok.every(Number.isFinite)).toBe(true);
    expect(Math.max(...ok.map(Math.abs))).toBeLessThan(400);
    const bad = highpassChain(x, { highPassFrequency: [1, 150], form: "ba" });
    expect(bad.some((v) => !Number.isFinite(v) || Math.abs(v) > 1e6)).toBe(true);
  });

  it("reproduces the files the real PyHipp code wrote from their raw data", () => {
    const src = join(pyhippDataDir, "picasso", "20181105", "session01", "array01", "channel009");
    if (!existsSync(src)) {
      process.stderr.write(`\n!!! SKIPPED: PyHipp reference files not present at ${src} (a fresh clone has no ../shared)\n`);
      return;
    }
    if (!haveReference("PyHipp files")) return;
    writeFileSync(join(dir, "job.json"), JSON.stringify({ dir, cases: [{ id: "files", op: "pyhipp_files", src }] }));
    runPythonJson("dsp_chains_ref.py", [join(dir, "job.json")]);
    const f32 = (name: string) => new Float32Array(readFileSync(join(dir, name)).buffer.slice(0));
    const raw = f32("raw.f32");
    const lfp = lfpChain(raw);
    const hp = highpassChain(raw);
    const dL = maxRelDiff(lfp, f32("lfp.f32"));
    const dH = maxRelDiff(hp, f32("hp.f32"));
    process.stdout.write(`chains vs real PyHipp files: lfp ${dL.toExponential(2)}, highpass ${dH.toExponential(2)} x RMS\n`);
    expect(dL).toBeLessThan(1e-5);
    expect(dH).toBeLessThan(1e-5);
  });
});
