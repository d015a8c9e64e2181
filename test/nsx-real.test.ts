/**
 * Real recordings (../shared/data/real, see its README): Blackrock Central TEST_UN001.ns2 against the README's
 * numbers and against neo; Ripple Trellis test.nf3 (float NEUCDFLT file) must be refused with a typed error.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openNsx } from "../src/io/nsx.js";
import { haveRealFile, haveReference, realDataDir } from "./helpers/reference.js";
import { makeTempDir, neoRead, sameBytes } from "./nsx-support.js";

const tmp = makeTempDir("real");
afterAll(() => tmp.cleanup());
const un001 = join(realDataDir, "TEST_UN001.ns2");
const nf3 = join(realDataDir, "test.nf3");

describe.skipIf(!haveRealFile("TEST_UN001.ns2", "NSx real file"))("TEST_UN001.ns2 (Central NSx 2.2)", () => {
  it("matches the README: header, channels, one block of 79,698 samples", () => {
    const f = openNsx(un001);
    const h = f.header;
    expect([h.fileId, h.version, h.headerBytes, h.label, h.period, h.timestampResolution, h.samplingRate]).toEqual([
      "NEURALCD", "2.2", 710, "1 kS/s", 30, 30000, 1000,
    ]);
    expect(h.timeOrigin).toEqual({ year: 2012, month: 9, dayOfWeek: 3, day: 5, hour: 22, minute: 20, second: 47, millisecond: 645 });
    expect(h.ptp).toBe(false);
    // The comment field holds garbage after leading NULs (README): `comment` stops at the first NUL.
    expect(h.comment).toBe("");
    expect(h.commentBytes.length).toBe(256);
    expect(h.commentBytes.some((b) => b !== 0)).toBe(true);
    expect(h.channels.map((c) => c.electrodeId)).toEqual([129, 130, 131, 132, 133, 134]);
    expect(h.channels.map((c) => c.label)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `ForceHandle${i}`));
    for (const [i, c] of h.channels.entries()) {
      expect([c.physicalConnector, c.connectorPin, c.minDigital, c.maxDigital, c.minAnalog, c.maxAnalog, c.units]).toEqual([
        5, i + 1, -32767, 32767, -5000, 5000, "mV",
      ]);
      expect([c.highFreqCorner, c.highFreqOrder, c.highFreqType, c.lowFreqCorner, c.lowFreqOrder, c.lowFreqType]).toEqual([0, 0, 0, 0, 0, 0]);
      expect(c.gain).toBe(10000 / 65534);
      expect(c.offset).toBe(0);
    }
    expect(h.segments).toEqual([{ index: 0, blockIndex: 0, timestamp: 0n, tStart: 0, sampleCount: 79698, dataOffset: 719 }]);
    expect(h.fileSize).toBe(957095);

    const raw = f.readRaw();
    const row = (t: number) => raw.map((c) => c[t]);
    expect([row(0), row(1), row(2)]).toEqual([[9, 13, 5, 0, -7, -23], [-2, -3, -12, -17, -27, -30], [29, 27, 16, 5, -1, -9]]);
    expect(row(79697)).toEqual([-112, -61, -981, -83, 87, -100]);
    expect(raw.map((c) => c.reduce((a, v) => a + v, 0))).toEqual([518240, 1211951, 4807979, 542602, -338039, -194393]);
    const [first] = f.readScaled({ channels: [0], count: 1 });
    expect(first![0]).toBe(Math.fround(1.373333));
    f.close();
  });

  it.skipIf(!haveReference("NSx real file vs neo"))("equals neo sample for sample, bit for bit", () => {
    const neo = neoRead(un001, join(tmp.dir, "un001"));
    expect(neo.error).toBeUndefined();
    const f = openNsx(un001);
    expect(neo.segments.map((s) => [s.size, s.signal_t_start])).toEqual([[79698, 0]]);
    expect(neo.channels.map((c) => [c.name, c.id, c.units, c.gain, c.offset, c.sampling_rate])).toEqual(
      f.header.channels.map((c) => [c.label, String(c.electrodeId), c.units, c.gain, c.offset, f.header.samplingRate]),
    );
    f.readRaw().forEach((a, c) => expect(sameBytes(a, neo.segments[0]!.raw[c])).toBe(true));
    f.readScaled().forEach((a, c) => expect(sameBytes(a, neo.segments[0]!.scaled[c])).toBe(true));
    f.close();
  });
});

describe.skipIf(!haveRealFile("test.nf3", "NSx real file"))("test.nf3 (Ripple Trellis float file)", () => {
  it("is refused with ERR_BAD_MAGIC naming it a Ripple .nfX float file", () => {
    let err: unknown;
    try {
      openNsx(nf3);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: "RecordingFormatError", code: "ERR_BAD_MAGIC", file: nf3, offset: 0, found: '"NEUCDFLT"' });
    expect((err as Error).message).toMatch(/Ripple.*\.nfX.*NEUCDFLT/);
    expect((err as Error).message).toMatch(/not supported|neo cannot read/);
  });
});
