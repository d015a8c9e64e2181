/**
 * Bad input: every damaged-file case gives a typed RecordingFormatError (code, file, byte offset, expected,
 * found, a hint) and never a crash; bad read requests give TypeError/RangeError in TS and ERR_RANGE from the
 * C++ guard when the raw binding is misused; random corruption never crashes the process.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openNsx } from "../src/io/nsx.js";
import { writeNsx } from "../src/io/nsx-writer.js";
import { RecordingFormatError, RplpipeError } from "../src/errors.js";
import { binding } from "../src/native/load.js";
import { makeTempDir, syntheticSpec } from "./nsx-support.js";

const tmp = makeTempDir("errors");
afterAll(() => tmp.cleanup());

// 2.3 file, 3 channels, blocks of 100 and 50 samples: header 314 + 198 = 512; block 0 header at 512 (9 bytes),
// data 521..1121; block 1 header at 1121, data 1130..1430.
const good = join(tmp.dir, "good.ns5");
writeNsx(good, syntheticSpec("2.3", { ids: [1, 2, 3], counts: [100, 50], timestamps: [0, 9000] }));
const goodBytes = readFileSync(good);
const ptp = join(tmp.dir, "ptp.ns5");
writeNsx(ptp, syntheticSpec("3.0", { ids: [1, 2], counts: [20], ptp: true }));
const good21 = join(tmp.dir, "good21.ns2");
writeNsx(good21, syntheticSpec("2.1", { ids: [1, 2], counts: [10] }));

let n = 0;
function variant(bytes: Buffer, patch?: (b: Buffer) => void): string {
  const b = Buffer.from(bytes);
  patch?.(b);
  const p = join(tmp.dir, `v${n++}.ns5`);
  writeFileSync(p, b);
  return p;
}

function formatError(path: string): RecordingFormatError {
  try {
    openNsx(path).close();
  } catch (e) {
    expect(e).toBeInstanceOf(RecordingFormatError);
    const r = e as RecordingFormatError;
    expect(r.file).toBe(path);
    expect(r.message).toContain(path);
    expect(r.message).toMatch(/at byte \d+: expected .+, found .+\./);
    return r;
  }
  throw new Error(`${path} opened without error`);
}

describe("damaged NSx files give typed errors", () => {
  it("ERR_TRUNCATED: inside the basic header, the CC headers, a block header; an empty file", () => {
    for (const [len, off] of [[100, 0], [400, 314], [515, 512]] as const) {
      const e = formatError(variant(goodBytes.subarray(0, len)));
      expect([e.code, e.offset]).toEqual(["ERR_TRUNCATED", off]);
    }
    expect(formatError(variant(goodBytes.subarray(0, 515))).message).toMatch(/header of data block 0/);
    expect(formatError(variant(goodBytes.subarray(0, 1125))).message).toMatch(/header of data block 1/);
    expect(formatError(variant(Buffer.alloc(0))).code).toBe("ERR_TRUNCATED");
    expect(formatError(variant(goodBytes.subarray(0, 5))).code).toBe("ERR_TRUNCATED");
    // 2.1 whose channel count runs the id list past the end of the file
    expect(formatError(variant(readFileSync(good21), (b) => b.writeUInt32LE(0xffffffff, 28))).code).toBe("ERR_TRUNCATED");
  });

  it("ERR_BLOCK_PAST_EOF names the block index and its offset", () => {
    const e = formatError(variant(goodBytes.subarray(0, 1400)));
    expect([e.code, e.offset]).toEqual(["ERR_BLOCK_PAST_EOF", 1121]);
    expect(e.message).toMatch(/data block 1 \(header at byte 1121, 50 samples x 3 channels\) runs past the end/);
    expect(e.expected).toBe("300 data bytes");
    expect(e.found).toBe("270 bytes left");
    // A sample count far past the end of the file
    expect(formatError(variant(goodBytes, (b) => b.writeUInt32LE(0xffffffff, 512 + 5))).code).toBe("ERR_BLOCK_PAST_EOF");
  });

  it("ERR_BAD_MAGIC: unknown id, a NEV file; ERR_UNSUPPORTED_VERSION: 2.4", () => {
    const e = formatError(variant(goodBytes, (b) => b.write("GARBAGE!", 0, "latin1")));
    expect([e.code, e.offset, e.found]).toEqual(["ERR_BAD_MAGIC", 0, '"GARBAGE!"']);
    expect(formatError(variant(goodBytes, (b) => b.write("NEURALEV", 0, "latin1"))).message).toMatch(/NEV event file/);
    const v = formatError(variant(goodBytes, (b) => b.writeUInt8(4, 9)));
    expect([v.code, v.offset, v.found]).toEqual(["ERR_UNSUPPORTED_VERSION", 8, "2.4"]);
  });

  it("ERR_HEADER_LENGTH: bytes_in_headers contradicts the channel count", () => {
    const e = formatError(variant(goodBytes, (b) => b.writeUInt32LE(513, 10)));
    expect([e.code, e.offset, e.expected, e.found]).toEqual(["ERR_HEADER_LENGTH", 10, "314 + 66 x 3 channels = 512", "513"]);
  });

  it("ERR_NO_CHANNELS for 2.2+ and 2.1", () => {
    expect(formatError(variant(goodBytes, (b) => b.writeUInt32LE(0, 310))).code).toBe("ERR_NO_CHANNELS");
    expect(formatError(variant(readFileSync(good21), (b) => b.writeUInt32LE(0, 28))).code).toBe("ERR_NO_CHANNELS");
  });

  it("ERR_BAD_BLOCK_HEADER: block flag != 1; a PTP packet with more than one sample", () => {
    const e = formatError(variant(goodBytes, (b) => b.writeUInt8(0, 1121)));
    expect([e.code, e.offset, e.expected, e.found]).toEqual(["ERR_BAD_BLOCK_HEADER", 1121, "1", "0"]);
    expect(e.message).toMatch(/data block 1/);
    const packet = 13 + 4;
    const p = formatError(variant(readFileSync(ptp), (b) => b.writeUInt32LE(2, 314 + 132 + 5 * packet + 9)));
    expect([p.code, p.offset]).toEqual(["ERR_BAD_BLOCK_HEADER", 314 + 132 + 5 * packet]);
  });

  it("a standard 3.0 file with ns timestamps and a 1-sample first block is not mistaken for PTP", () => {
    // neo's PTP test (resolution 1e9 and first packet of 1 sample) accepts this file and misreads it.
    const p = join(tmp.dir, "not-ptp.ns5");
    const spec = { ...syntheticSpec("3.0", { ids: [1, 2, 3], counts: [1, 40, 7], timestamps: [0, 10_000_000, 5] }), timestampResolution: 1e9 };
    writeNsx(p, spec);
    const f = openNsx(p);
    expect(f.header.ptp).toBe(false);
    expect(f.header.segments.map((s) => [s.timestamp, s.sampleCount])).toEqual([[0n, 1], [10_000_000n, 40], [5n, 7]]);
    expect(f.readRaw({ segment: 1 })).toEqual(spec.segments[1]!.data);
    f.close();
  });

  it("ERR_BAD_FIELD: period 0, timestamp resolution 0", () => {
    const e = formatError(variant(goodBytes, (b) => b.writeUInt32LE(0, 286)));
    expect([e.code, e.offset, e.found]).toEqual(["ERR_BAD_FIELD", 286, "0"]);
    expect(formatError(variant(goodBytes, (b) => b.writeUInt32LE(0, 290))).offset).toBe(290);
    expect(formatError(variant(readFileSync(good21), (b) => b.writeUInt32LE(0, 24))).code).toBe("ERR_BAD_FIELD");
  });

  it("ERR_FILE_OPEN: missing file, directory", () => {
    expect(formatError(join(tmp.dir, "missing.ns5")).code).toBe("ERR_FILE_OPEN");
    mkdirSync(join(tmp.dir, "d.ns5"));
    expect(formatError(join(tmp.dir, "d.ns5")).code).toBe("ERR_FILE_OPEN");
  });

  it("a channel with max_digital == min_digital: raw reads work, scaled reads give ERR_BAD_FIELD", () => {
    const p = join(tmp.dir, "flat.ns5");
    const spec = syntheticSpec("2.2", { ids: [1, 2], counts: [10] });
    spec.channels = [spec.channels[0]!, { electrodeId: 2, minDigital: 5, maxDigital: 5 }];
    writeNsx(p, spec);
    const f = openNsx(p);
    expect(Number.isNaN(f.header.channels[1]!.gain)).toBe(true);
    expect(f.readRaw({ channels: [1] })[0]).toEqual(spec.segments[0]!.data[1]);
    expect(f.readScaled({ channels: [0] })[0]!.length).toBe(10);
    expect(() => f.readScaled()).toThrow(expect.objectContaining({ code: "ERR_BAD_FIELD" }));
    f.close();
  });

  it("never crashes on random corruption: opens and reads, or throws RecordingFormatError", () => {
    let seed = 12345;
    const rnd = (m: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % m);
    const sources = [goodBytes, readFileSync(ptp), readFileSync(good21)];
    let opened = 0;
    let refused = 0;
    for (let i = 0; i < 600; i++) {
      const src = sources[i % sources.length]!;
      const b = Buffer.from(src.subarray(0, rnd(3) === 0 ? rnd(src.length + 1) : src.length));
      for (let k = rnd(6); k > 0 && b.length > 0; k--) b[rnd(Math.min(b.length, 600))] = rnd(256);
      const p = join(tmp.dir, "fuzz.ns5");
      writeFileSync(p, b);
      try {
        const f = openNsx(p);
        for (const s of f.header.segments) {
          f.readRaw({ segment: s.index });
          if (f.header.channels.every((c) => !Number.isNaN(c.gain))) f.readScaled({ segment: s.index });
          if (f.header.ptp) f.ptpTimestamps(s.index);
        }
        f.close();
        opened++;
      } catch (e) {
        expect(e).toBeInstanceOf(RecordingFormatError);
        refused++;
      }
    }
    expect(opened).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

describe("read requests are validated", () => {
  it("TypeError/RangeError from TS for bad channels, segment, range, outputs and options", () => {
    const f = openNsx(good);
    expect(() => f.readRaw({ channels: [3] })).toThrow(RangeError);
    expect(() => f.readRaw({ channels: [-1] })).toThrow(RangeError);
    expect(() => f.readRaw({ channels: ["0" as unknown as number] })).toThrow(TypeError);
    expect(() => f.readRaw({ segment: 2 })).toThrow(/Expected integer between 0 and 1 for options.segment but received 2/);
    expect(() => f.readRaw({ segment: 1, start: 51 })).toThrow(RangeError);
    expect(() => f.readRaw({ segment: 1, start: 10, count: 41 })).toThrow(/options.count/);
    expect(() => f.readRaw({ chanels: [0] } as never)).toThrow(/Unknown option "chanels"/);
    expect(() => f.readRawInto([new Int16Array(100)], { channels: [0, 1] })).toThrow(RangeError);
    expect(() => f.readRawInto([new Int16Array(99)], { channels: [0] })).toThrow(/length >= 100/);
    expect(() => f.readScaledInto([new Int16Array(100)] as never, { channels: [0] })).toThrow(TypeError);
    expect(() => f.ptpTimestamps(0)).toThrow(expect.objectContaining({ code: "ERR_NOT_PTP" }));
    f.close();
    expect(() => f.readRaw()).toThrow(RplpipeError);
    expect(() => f.readRaw()).toThrow(expect.objectContaining({ code: "ERR_CLOSED" }));
    f.close(); // idempotent
    expect(() => openNsx(good, { gapToleranceMs: -1 })).toThrow(RangeError);
    expect(() => openNsx(good, { neoCompatible: 1 as never })).toThrow(TypeError);
    expect(() => openNsx(good, { gapTolerance: 1 } as never)).toThrow(/Unknown option "gapTolerance"/);
    expect(() => openNsx(good21, { digitizationFactors: new Map([[1, 250]]) })).toThrow(/electrode\(s\) 2 have none/);
    expect(() => openNsx(good21, { digitizationFactors: new Map([[1, -5]]) })).toThrow(RangeError);
  });

  it("the C++ guard refuses out-of-range requests of the raw binding with ERR_RANGE", () => {
    const r = new (binding().NsxReader)(good, {});
    const out = [new Int16Array(200)];
    expect(() => r.readRaw(Uint32Array.of(3), 0, 0, 1, out)).toThrow(expect.objectContaining({ rplCode: "ERR_RANGE" }));
    expect(() => r.readRaw(Uint32Array.of(0), 2, 0, 1, out)).toThrow(expect.objectContaining({ rplCode: "ERR_RANGE" }));
    expect(() => r.readRaw(Uint32Array.of(0), 0, 90, 11, out)).toThrow(expect.objectContaining({ rplCode: "ERR_RANGE" }));
    expect(() => r.readRaw(Uint32Array.of(0), 0, 2 ** 53 - 1, 2, out)).toThrow(expect.objectContaining({ rplCode: "ERR_RANGE" }));
    expect(() => r.readRaw(Uint32Array.of(0), 0, -1, 2, out)).toThrow(TypeError);
    expect(() => r.readRaw(Uint32Array.of(0), 0, 0, 300, out)).toThrow(RangeError); // output too short
    expect(() => r.readScaled(Uint32Array.of(0), 0, 0, 1, out as never)).toThrow(TypeError);
    expect(() => r.ptpTimestamps(0, 0, 1)).toThrow(expect.objectContaining({ rplCode: "ERR_RANGE" }));
    r.close();
    expect(() => r.header()).toThrow(/closed/);
    const p = new (binding().NsxReader)(ptp, {});
    expect(() => p.ptpTimestamps(0, 0, 21)).toThrow(expect.objectContaining({ rplCode: "ERR_RANGE" }));
    expect(p.ptpTimestamps(0, 19, 1).length).toBe(1);
    p.close();
  });

  it("writeNsx validates the spec", () => {
    const base = syntheticSpec("2.3", { ids: [1, 2], counts: [10] });
    const p = join(tmp.dir, "w.ns5");
    expect(() => writeNsx(p, { ...base, version: "2.4" as never })).toThrow(RangeError);
    expect(() => writeNsx(p, { ...base, label: "x".repeat(17) })).toThrow(/spec.label/);
    expect(() => writeNsx(p, { ...base, ptp: true })).toThrow(/spec.ptp/);
    expect(() => writeNsx(p, { ...base, channels: [] })).toThrow(TypeError);
    expect(() => writeNsx(p, { ...base, channels: [{ electrodeId: 70000 }, { electrodeId: 1 }] })).toThrow(/electrodeId/);
    expect(() => writeNsx(p, { ...base, channels: [{ electrodeId: 1, minDigital: 40000 }, { electrodeId: 2 }] })).toThrow(/minDigital/);
    expect(() => writeNsx(p, { ...base, segments: [{ timestamp: 2 ** 32, data: base.segments[0]!.data }] })).toThrow(/timestamp/);
    expect(() => writeNsx(p, { ...base, segments: [{ data: [new Int16Array(3), new Int16Array(4)] }] })).toThrow(/length 3/);
    expect(() => writeNsx(p, { ...base, segments: [{ data: [new Int16Array(3)] }] })).toThrow(/2 Int16Array/);
    expect(() => writeNsx(p, { ...base, version: "2.1", segments: [...base.segments, ...base.segments] })).toThrow(/exactly one segment/);
    expect(() => writeNsx(p, { ...base, segments: [{ data: base.segments[0]!.data, sampleTimestamps: new BigUint64Array(10) }] })).toThrow(/only PTP/);
    expect(() => writeNsx(p, { ...base, extra: 1 } as never)).toThrow(/Unknown option "extra"/);
  });
});
