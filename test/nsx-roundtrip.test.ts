/**
 * Write-then-read round trips for every version (2.1, 2.2, 2.3, 3.0 BRSMPGRP and NEURALCD, 3.0 PTP): headers,
 * segments (pauses, clock resets, 0/1-sample blocks) and samples come back identical; rewriting a read header
 * reproduces the file byte for byte; the writer is atomic.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openNsx, type NsxFile } from "../src/io/nsx.js";
import { writeNsx } from "../src/io/nsx-writer.js";
import type { NsxVersion, NsxWriteSpec } from "../src/io/nsx-types.js";
import { makeTempDir, neoScale, sameBytes, syntheticSpec } from "./nsx-support.js";

const tmp = makeTempDir("roundtrip");
afterAll(() => tmp.cleanup());

interface Case {
  name: string;
  version: NsxVersion;
  spec: NsxWriteSpec;
}

const ids = [1, 7, 3, 200, 65535];
const cases: Case[] = [
  { name: "2.1", version: "2.1", spec: syntheticSpec("2.1", { ids: [1, 2, 130, 129, 100000], counts: [1234] }) },
  ...(["2.2", "2.3"] as const).map((v) => ({
    name: v,
    version: v,
    // pause (later timestamp), clock reset (smaller timestamp), a 1-sample and a 0-sample block
    spec: syntheticSpec(v, { ids, counts: [1000, 777, 1, 500, 0], timestamps: [0, 40000, 80000, 300, 4294967295] }),
  })),
  {
    name: "3.0 BRSMPGRP",
    version: "3.0",
    spec: syntheticSpec("3.0", { ids: [10, 11], counts: [321, 999], timestamps: [5_000_000_000n, 2n ** 64n - 1n] }),
  },
  {
    name: "3.0 NEURALCD",
    version: "3.0",
    spec: syntheticSpec("3.0", { ids: [1, 2, 3], counts: [50, 60], timestamps: [0, 3000], fileId: "NEURALCD", period: 30 }),
  },
  {
    name: "3.0 PTP",
    version: "3.0",
    spec: syntheticSpec("3.0", { ids: [4, 9, 2, 8, 1, 5, 6], counts: [300, 200], timestamps: [1_700_000_000_000_000_000n, 1_700_000_000_100_000_000n], ptp: true }),
  },
];

function checkHeader(f: NsxFile, c: Case): void {
  const h = f.header;
  const s = c.spec;
  expect(h.version).toBe(c.version);
  expect(h.fileId).toBe(c.version === "2.1" ? "NEURALSG" : c.version === "3.0" ? (s.fileId ?? "BRSMPGRP") : "NEURALCD");
  expect(h.label).toBe(s.label);
  expect(h.period).toBe(s.period);
  expect(h.samplingRate).toBe(30000 / (s.period ?? 1));
  expect(h.ptp).toBe(s.ptp === true);
  expect(h.timestampResolution).toBe(s.ptp ? 1e9 : 30000);
  expect(h.channels.map((ch) => ch.electrodeId)).toEqual(s.channels.map((ch) => ch.electrodeId));
  if (c.version === "2.1") {
    expect(h.timeOrigin).toBeNull();
    expect(h.headerBytes).toBe(32 + 4 * s.channels.length);
    expect(h.channels.map((ch) => ch.label)).toEqual(s.channels.map((ch) => (ch.electrodeId < 129 ? `chan${ch.electrodeId}` : `ainp${ch.electrodeId - 128}`)));
    for (const ch of h.channels) expect([ch.gain, ch.offset, ch.units]).toEqual([1, 0, ""]);
    return;
  }
  expect(h.comment).toBe(s.comment);
  expect(h.timeOrigin).toEqual(s.timeOrigin);
  expect(h.headerBytes).toBe(314 + 66 * s.channels.length);
  h.channels.forEach((ch, i) => {
    const w = s.channels[i]!;
    expect(ch.index).toBe(i);
    expect(ch.type).toBe("CC");
    for (const k of ["label", "physicalConnector", "connectorPin", "units", "minDigital", "maxDigital", "minAnalog", "maxAnalog",
      "highFreqCorner", "highFreqOrder", "highFreqType", "lowFreqCorner", "lowFreqOrder", "lowFreqType"] as const) {
      if (w[k] !== undefined) expect(ch[k], `${k} of channel ${i}`).toBe(w[k]);
    }
    const gain = (ch.maxAnalog - ch.minAnalog) / (ch.maxDigital - ch.minDigital);
    expect(ch.gain).toBe(gain);
    expect(ch.offset).toBe(-ch.minDigital * gain + ch.minAnalog);
  });
}

describe("NSx write-then-read", () => {
  for (const c of cases) {
    it(`round-trips ${c.name}: header, segments, raw and scaled samples`, () => {
      const path = join(tmp.dir, `${c.name.replace(/ /g, "_")}.ns5`);
      const size = writeNsx(path, c.spec);
      const f = openNsx(path);
      try {
        expect(f.header.fileSize).toBe(size);
        expect(f.header.trailingBytes).toBe(0);
        checkHeader(f, c);
        const specSegs = c.spec.segments;
        if (c.spec.ptp) {
          // Contiguous packets form one segment per written segment (the writer spaces them 1/30000 s apart
          // and leaves a 0.1 s gap between the two).
          expect(f.header.segments.map((s) => s.sampleCount)).toEqual(specSegs.map((s) => s.data[0]!.length));
          f.header.segments.forEach((seg, k) => {
            const t0 = BigInt(specSegs[k]!.timestamp!);
            expect(seg.timestamp).toBe(t0);
            expect(seg.tStart).toBe(Number(t0) / 1e9);
            const ts = f.ptpTimestamps(k);
            expect(ts.length).toBe(seg.sampleCount);
            ts.forEach((t, i) => expect(t).toBe(t0 + BigInt(Math.floor((i * 1e9) / 30000))));
          });
        } else {
          expect(f.header.segments.length).toBe(specSegs.length);
          f.header.segments.forEach((seg, k) => {
            const ts = c.version === "2.1" ? 0n : BigInt(specSegs[k]!.timestamp!);
            expect(seg.index).toBe(k);
            expect(seg.blockIndex).toBe(k);
            expect(seg.timestamp).toBe(ts);
            expect(seg.tStart).toBe(Number(ts) / f.header.timestampResolution);
            expect(seg.sampleCount).toBe(specSegs[k]!.data[0]!.length);
          });
        }
        f.header.segments.forEach((seg, k) => {
          const raw = f.readRaw({ segment: k });
          raw.forEach((a, c) => expect(sameBytes(a, specSegs[k]!.data[c])).toBe(true));
          const scaled = f.readScaled({ segment: k });
          const addOffset = f.header.channels.some((ch) => ch.offset !== 0);
          scaled.forEach((arr, c) => {
            const ch = f.header.channels[c]!;
            const want = Float32Array.from(raw[c]!, (r) => neoScale(r, ch.gain, ch.offset, addOffset));
            expect(sameBytes(arr, want)).toBe(true);
          });
        });
      } finally {
        f.close();
      }
    });

    it(`rewrites ${c.name} from its own header byte for byte`, () => {
      const a = join(tmp.dir, `a-${c.name.replace(/ /g, "_")}.ns6`);
      const b = join(tmp.dir, `b-${c.name.replace(/ /g, "_")}.ns6`);
      writeNsx(a, c.spec);
      const f = openNsx(a);
      const segments = f.header.segments.map((seg, k) => ({
        timestamp: seg.timestamp,
        data: f.readRaw({ segment: k }),
        ...(f.header.ptp ? { sampleTimestamps: f.ptpTimestamps(k) } : {}),
      }));
      writeNsx(b, { ...f.header, ...(f.header.ptp ? { ptp: true } : {}), segments });
      f.close();
      expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    });
  }
});

describe("NSx reads of parts", () => {
  const path = join(tmp.dir, "parts.ns5");
  const spec = syntheticSpec("2.3", { ids: Array.from({ length: 37 }, (_, i) => 2 * i + 1), counts: [5000, 3001], timestamps: [0, 90000] });
  writeNsx(path, spec);

  it("chunked readRawInto/readScaledInto with reused buffers equal one full read", () => {
    const f = openNsx(path);
    const channels = [36, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 3, 3];
    for (const segment of [0, 1]) {
      const n = f.header.segments[segment]!.sampleCount;
      const fullRaw = f.readRaw({ channels, segment });
      const fullScaled = f.readScaled({ channels, segment });
      const chunk = 777;
      const raw = channels.map(() => new Int16Array(chunk));
      const scaled = channels.map(() => new Float32Array(chunk));
      for (let start = 0; start < n; start += chunk) {
        const count = Math.min(chunk, n - start);
        f.readRawInto(raw, { channels, segment, start, count });
        f.readScaledInto(scaled, { channels, segment, start, count });
        channels.forEach((_, k) => {
          expect(sameBytes(raw[k]!.subarray(0, count), fullRaw[k]!.subarray(start, start + count))).toBe(true);
          expect(sameBytes(scaled[k]!.subarray(0, count), fullScaled[k]!.subarray(start, start + count))).toBe(true);
        });
      }
      channels.forEach((c, k) => expect(sameBytes(fullRaw[k], spec.segments[segment]!.data[c])).toBe(true));
    }
    f.close();
  });

  it("a zero-length read returns empty arrays; channelIndexOf maps electrode ids", () => {
    const f = openNsx(path);
    expect(f.readRaw({ channels: [1], start: 5000, count: 0 })).toEqual([new Int16Array(0)]);
    expect(f.readScaled({ channels: [] })).toEqual([]);
    expect(f.channelIndexOf(73)).toBe(36);
    expect(f.channelIndexOf(2)).toBe(-1);
    f.close();
    expect(f.closed).toBe(true);
  });
});

describe("NSx writer atomicity", () => {
  const spec = syntheticSpec("2.2", { ids: [1, 2], counts: [10] });

  it("replaces an existing file only when complete and leaves no temp files", () => {
    const path = join(tmp.dir, "atomic", "x.ns2");
    // The directory does not exist: a typed ERR_WRITE naming the destination.
    expect(() => writeNsx(path, spec)).toThrow(expect.objectContaining({ name: "RecordingFormatError", code: "ERR_WRITE", file: path }));
    const dir = join(tmp.dir, "atomic2");
    const p = join(dir, "x.ns2");
    writeNsx(join(tmp.dir, "seed.ns2"), spec);
    mkdirSync(dir);
    writeFileSync(p, "old contents");
    // An invalid spec is refused before anything is written: the old file stays.
    expect(() => writeNsx(p, { ...spec, label: "a label that is far too long" })).toThrow(RangeError);
    expect(readFileSync(p, "utf8")).toBe("old contents");
    writeNsx(p, spec);
    expect(readFileSync(p).equals(readFileSync(join(tmp.dir, "seed.ns2")))).toBe(true);
    expect(readdirSync(dir)).toEqual(["x.ns2"]);
    expect(existsSync(join(tmp.dir, "atomic"))).toBe(false);
  });
});
