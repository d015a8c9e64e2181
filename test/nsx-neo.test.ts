/**
 * Agreement with neo (the field's reader): synthetic files of every version — pauses, clock resets, odd channel
 * counts, non-contiguous electrode ids, 2 to 256 channels — read by neo.rawio.BlackrockRawIO in .venv-ref and
 * by us. Samples must be identical (int16) and bit-identical (float32), channel metadata and segment starts
 * and lengths equal. Where we deliberately differ (tiny segments kept, 2.1's last sample, PTP gaps) the test
 * shows both values and that `neoCompatible` gives neo's.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openNsx, type NsxFile, type OpenNsxOptions } from "../src/io/nsx.js";
import { writeNsx } from "../src/io/nsx-writer.js";
import type { NsxWriteSpec } from "../src/io/nsx-types.js";
import { haveReference } from "./helpers/reference.js";
import { makeTempDir, sameBytes, neoRead, nsxPathIn, syntheticSpec, writeNev21, type NeoNsx } from "./nsx-support.js";

const ok = haveReference("NSx agreement with neo");
const tmp = makeTempDir("neo");
afterAll(() => tmp.cleanup());

let n = 0;
function write(spec: NsxWriteSpec, k = 5): string {
  const path = nsxPathIn(tmp.dir, `f${n++}`, k);
  writeNsx(path, spec);
  return path;
}

/** Our header/segments/samples against neo's, segment by segment (neo's segment i vs our segment map[i]). */
function expectSameAsNeo(f: NsxFile, neo: NeoNsx, map?: number[]): void {
  expect(neo.error, neo.message).toBeUndefined();
  const h = f.header;
  expect(neo.channels.length).toBe(h.channels.length);
  neo.channels.forEach((c, i) => {
    const ch = h.channels[i]!;
    expect(c.name).toBe(ch.label);
    expect(c.id).toBe(String(ch.electrodeId));
    expect(c.units).toBe(ch.units);
    expect(c.gain).toBe(ch.gain);
    expect(c.offset).toBe(ch.offset);
    expect(c.sampling_rate).toBe(h.samplingRate);
    expect(c.dtype).toBe("int16");
  });
  if (h.version === "2.2" || h.version === "2.3") {
    expect(neo.annotations.physical_connector).toEqual(h.channels.map((c) => c.physicalConnector));
    expect(neo.annotations.connector_pin).toEqual(h.channels.map((c) => c.connectorPin));
    expect(neo.annotations.hi_freq_corner).toEqual(h.channels.map((c) => c.highFreqCorner));
    expect(neo.annotations.lo_freq_corner).toEqual(h.channels.map((c) => c.lowFreqCorner));
    expect(neo.annotations.hi_freq_order).toEqual(h.channels.map((c) => c.highFreqOrder));
    expect(neo.annotations.lo_freq_type).toEqual(h.channels.map((c) => c.lowFreqType));
  }
  const segs = map ?? neo.segments.map((_, i) => i);
  expect(neo.nb_segment).toBe(segs.length);
  neo.segments.forEach((s, i) => {
    const ours = h.segments[segs[i]!]!;
    expect(s.size, `segment ${i} size`).toBe(ours.sampleCount);
    expect(s.signal_t_start, `segment ${i} t_start`).toBe(ours.tStart);
    const raw = f.readRaw({ segment: ours.index });
    const scaled = f.readScaled({ segment: ours.index });
    raw.forEach((a, c) => expect(sameBytes(a, s.raw[c]), `raw ch ${c} seg ${i}`).toBe(true));
    scaled.forEach((a, c) => expect(sameBytes(a, s.scaled[c]), `scaled ch ${c} seg ${i}`).toBe(true));
  });
}

function check(spec: NsxWriteSpec, options?: OpenNsxOptions, neoOpts?: Parameters<typeof neoRead>[2]): { f: NsxFile; neo: NeoNsx } {
  const path = write(spec);
  const neo = neoRead(path, join(tmp.dir, `out${n}`), neoOpts);
  const f = openNsx(path, options);
  return { f, neo };
}

describe.skipIf(!ok)("NSx vs neo BlackrockRawIO", () => {
  it("2.2: 5 channels, ids 1,7,3,200,65535, a pause and a clock reset", () => {
    const { f, neo } = check(syntheticSpec("2.2", { ids: [1, 7, 3, 200, 65535], counts: [1000, 777, 500], timestamps: [0, 40000, 300] }));
    expectSameAsNeo(f, neo);
    expect(f.header.segments.map((s) => s.tStart)).toEqual([0, 40000 / 30000, 300 / 30000]);
    f.close();
  });

  it("2.3: 64 channels at 1 kHz; tiny blocks: kept by us, deleted by neo (neoCompatible matches neo)", () => {
    const ids = Array.from({ length: 64 }, (_, i) => 64 - i);
    const spec = syntheticSpec("2.3", { ids, counts: [1, 900, 0, 1201, 1], timestamps: [0, 30, 900000, 990000, 3000000], period: 30 });
    const { f, neo } = check(spec);
    // Ours: every block is a segment.
    expect(f.header.segments.map((s) => s.sampleCount)).toEqual([1, 900, 0, 1201, 1]);
    // neo: blocks with < 2 samples are gone.
    expect(neo.segments.map((s) => s.size)).toEqual([900, 1201]);
    expectSameAsNeo(f, neo, [1, 3]);
    f.close();
    const g = openNsx(f.header.path, { neoCompatible: true });
    expect(g.header.segments.map((s) => [s.index, s.blockIndex, s.sampleCount])).toEqual([[0, 1, 900], [1, 3, 1201]]);
    expectSameAsNeo(g, neo);
    g.close();
  });

  it("2.3: 256 channels and a 2-channel file", () => {
    for (const ids of [Array.from({ length: 256 }, (_, i) => i + 1), [129, 2]]) {
      const { f, neo } = check(syntheticSpec("2.3", { ids, counts: [1500, 333], timestamps: [10, 99999] }));
      expectSameAsNeo(f, neo);
      f.close();
    }
  });

  it("3.0 BRSMPGRP: u64 timestamps beyond 2^32, 3 channels", () => {
    const { f, neo } = check(syntheticSpec("3.0", { ids: [5, 1, 17], counts: [400, 401], timestamps: [5_000_000_000n, 5_000_090_000n] }));
    expectSameAsNeo(f, neo);
    expect(f.header.segments[0]!.timestamp).toBe(5_000_000_000n);
    f.close();
  });

  it("3.0 with file id NEURALCD (major 3), 9 channels, reset", () => {
    const { f, neo } = check(syntheticSpec("3.0", { ids: [1, 2, 3, 4, 5, 6, 7, 8, 90], counts: [600, 700], timestamps: [30000, 15], fileId: "NEURALCD" }));
    expect(f.header.fileId).toBe("NEURALCD");
    expectSameAsNeo(f, neo);
    f.close();
  });

  it("channel subsets: neo adds offsets only when a selected channel has one (sign of zero included)", () => {
    // Channel kinds (nsx-support channelSpecs): 0 offset 0, 1 offset 0, 2 offset != 0, 3 negative gain, 4 offset 0.
    const spec = syntheticSpec("2.3", { ids: [1, 2, 3, 4, 5, 6], counts: [2000] });
    // Force exact zeros into the negative-gain channel so float(0 * -gain) = -0.0 appears.
    spec.segments[0]!.data[3]!.fill(0, 0, 100);
    for (const subset of [[3, 0], [3, 2], [0, 1, 4], [5, 3, 3]]) {
      const { f, neo } = check(spec, undefined, { subset });
      const scaled = f.readScaled({ channels: subset });
      const raw = f.readRaw({ channels: subset });
      subset.forEach((_, k) => {
        expect(sameBytes(raw[k], neo.segments[0]!.subRaw![k])).toBe(true);
        expect(sameBytes(scaled[k], neo.segments[0]!.subScaled![k])).toBe(true);
      });
      // raw 0 on the negative-gain channel: -0.0 unless a selected channel has a non-zero offset.
      if (subset.includes(3)) {
        const zero = scaled[subset.indexOf(3)]![0]!;
        expect(Object.is(zero, subset.includes(2) ? 0 : -0), `subset ${subset.join(",")}`).toBe(true);
      }
      f.close();
    }
  });

  it("labels keep bytes after an embedded NUL, like neo", () => {
    const spec = syntheticSpec("2.2", { ids: [1, 2], counts: [10] });
    spec.channels[0]!.label = "raw 1\0\u0007xy";
    const { f, neo } = check(spec);
    expect(f.header.channels[0]!.label).toBe("raw 1\0\u0007xy");
    expectSameAsNeo(f, neo);
    f.close();
  });

  it("2.1: raw samples equal neo; neo drops the last sample (neoCompatible matches); unscaled without NEV", () => {
    const spec = syntheticSpec("2.1", { ids: [1, 2, 130, 129], counts: [1000] });
    const { f, neo } = check(spec);
    expect(f.header.segments[0]!.sampleCount).toBe(1000);
    expect(neo.segments[0]!.size).toBe(999);
    expect(neo.warnings.join(" ")).toMatch(/Cannot rescale to voltage/);
    // Same samples over neo's range; our extra last sample is the file's last row.
    const raw = f.readRaw();
    raw.forEach((a, c) => {
      expect(a.subarray(0, 999)).toEqual(neo.segments[0]!.raw[c]);
      expect(a[999]).toBe(spec.segments[0]!.data[c]![999]);
    });
    f.close();
    const g = openNsx(f.header.path, { neoCompatible: true });
    expect(g.header.segments[0]!.sampleCount).toBe(999);
    expectSameAsNeo(g, neo);
    g.close();
  });

  it("2.1 with a NEV 2.1: digitization factors scale exactly as neo (21516 overflow workaround included)", () => {
    const ids = [1, 2, 130, 129];
    const path = write(syntheticSpec("2.1", { ids, counts: [800] }), 2);
    const factors = [250, 21516, 152, 1000];
    writeNev21(path.replace(/\.ns2$/, ".nev"), ids.map((id, i) => ({ id, digitization: factors[i]! })));
    const neo = neoRead(path, join(tmp.dir, `out-nev21`), { loadNev: true });
    const f = openNsx(path, { neoCompatible: true, digitizationFactors: new Map(ids.map((id, i) => [id, factors[i]!])) });
    expect(f.header.channels.map((c) => c.units)).toEqual(["uV", "uV", "uV", "uV"]);
    expect(f.header.channels[1]!.maxAnalog).toBe(152592.547);
    expectSameAsNeo(f, neo);
    f.close();
    // A plain object works too, and the default (non-neo) view keeps all 800 samples.
    const g = openNsx(path, { digitizationFactors: Object.fromEntries(ids.map((id, i) => [id, factors[i]!])) });
    expect(g.header.segments[0]!.sampleCount).toBe(800);
    expect(g.header.channels.map((c) => c.gain)).toEqual(f.header.channels.map((c) => c.gain));
    g.close();
  });

  describe("3.0 PTP", () => {
    // 7 channels at 1 kHz; ±240 ns jitter (no gap), a backward step (clock reset: never a gap), a 3 ms gap and
    // a 10 ms gap.
    const period = 30;
    const n = 3000;
    const ts = new BigUint64Array(n);
    let t = 1_698_400_000_000_000_000n;
    for (let i = 0; i < n; i++) {
      ts[i] = t + BigInt((i * 7919) % 481) - 240n;
      t += 1_000_000n;
      if (i === 999) t += 3_000_000n;
      if (i === 1999) t += 10_000_000n;
      if (i === 2499) t -= 50_000_000n;
    }
    const spec = syntheticSpec("3.0", { ids: [4, 9, 2, 8, 1, 5, 6], counts: [n], period, ptp: true });
    spec.segments[0]!.sampleTimestamps = ts;

    it("neo raises on gaps by default; we split at every gap > 2 periods (= neo with a tiny tolerance)", () => {
      const { f, neo } = check(spec);
      expect(neo.error).toBe("ValueError");
      expect(neo.message).toMatch(/Detected 2 timestamp gaps/);
      expect(f.header.ptp).toBe(true);
      expect(f.header.segments.map((s) => [s.blockIndex, s.sampleCount])).toEqual([[0, 1000], [1000, 1000], [2000, 1000]]);
      const neoTiny = neoRead(f.header.path, join(tmp.dir, "out-ptp-tiny"), { gapToleranceMs: 1e-9 });
      expectSameAsNeo(f, neoTiny);
      f.header.segments.forEach((s, k) => {
        expect(s.timestamp).toBe(ts[s.blockIndex]);
        expect(s.tStart).toBe(Number(ts[s.blockIndex]!) / 1e9);
        expect(f.ptpTimestamps(k)).toEqual(ts.subarray(s.blockIndex, s.blockIndex + s.sampleCount));
      });
      f.close();
    });

    it("gapToleranceMs splits only at larger gaps, as neo's gap_tolerance_ms", () => {
      const { f, neo } = check(spec, { gapToleranceMs: 5 }, { gapToleranceMs: 5 });
      expect(f.header.segments.map((s) => s.sampleCount)).toEqual([2000, 1000]);
      expectSameAsNeo(f, neo);
      f.close();
    });
  });
});
