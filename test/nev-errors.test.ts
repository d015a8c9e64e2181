/**
 * Malformed .nev files give typed RecordingFormatErrors (code, file, byte offset, expected, found, what to do)
 * and never a crash; bad arguments give TypeError/RangeError; a closed file says so.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RecordingFormatError } from "../src/errors.js";
import { openNev } from "../src/io/nev.js";
import { writeNev } from "../src/io/nev-writer.js";
import { haveRealFile, realDataDir } from "./helpers/reference.js";
import { makeTempDir, syntheticSpec } from "./nev-support.js";

const tmp = makeTempDir("errors");
afterAll(() => tmp.cleanup());

let counter = 0;
/** A valid 2.3 file (or `version`) with `patch` applied to its bytes. */
function patched(patch: (b: Buffer) => Buffer | void, version: "2.2" | "2.3" | "3.0" = "2.3"): string {
  const path = join(tmp.dir, `f${counter++}.nev`);
  writeNev(path, syntheticSpec(version));
  const b = readFileSync(path);
  writeFileSync(path, patch(b) ?? b);
  return path;
}

function formatError(f: () => unknown): RecordingFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RecordingFormatError);
    return e as RecordingFormatError;
  }
  throw new Error("expected a RecordingFormatError");
}

describe("NEV format errors", () => {
  it("missing file: ERR_FILE_OPEN", () => {
    const e = formatError(() => openNev(join(tmp.dir, "nope.nev")));
    expect(e.code).toBe("ERR_FILE_OPEN");
    expect(e.message).toMatch(/nope\.nev/);
  });

  it("empty and short files: ERR_TRUNCATED naming the missing structure", () => {
    const empty = join(tmp.dir, "empty.nev");
    writeFileSync(empty, Buffer.alloc(0));
    expect(formatError(() => openNev(empty))).toMatchObject({ code: "ERR_TRUNCATED", offset: 0 });
    const short = patched((b) => b.subarray(0, 200));
    const e = formatError(() => openNev(short));
    expect(e.code).toBe("ERR_TRUNCATED");
    expect(e.message).toMatch(/336-byte NEV basic header/);
    expect(e.message).toMatch(/incomplete copy/);
    // Header length consistent, but the file ends inside the extended headers.
    const cut = patched((b) => b.subarray(0, 336 + 40));
    expect(formatError(() => openNev(cut))).toMatchObject({ code: "ERR_TRUNCATED", offset: 336 });
  });

  it("an NSx file given as NEV: ERR_BAD_MAGIC that says it is an NSx file", () => {
    const nsx = patched((b) => void b.write("NEURALCD", 0, "latin1"));
    const e = formatError(() => openNev(nsx));
    expect(e).toMatchObject({ code: "ERR_BAD_MAGIC", offset: 0, found: '"NEURALCD"', expected: '"NEURALEV" or "BREVENTS"' });
    expect(e.message).toMatch(/NSx continuous-data file, not a NEV/);
    const junk = patched((b) => void b.write("\x00\x01GARBAGE", 0, "latin1"));
    expect(formatError(() => openNev(junk))).toMatchObject({ code: "ERR_BAD_MAGIC", found: '"\\x00\\x01GARBAG"' });
    const tiny = join(tmp.dir, "tiny.nev");
    writeFileSync(tiny, "NEUCDFLT");
    expect(formatError(() => openNev(tiny)).message).toMatch(/Ripple NFx/);
  });

  it.runIf(haveRealFile("TEST_UN001.ns2", "NEV: real NSx given as NEV"))("the real TEST_UN001.ns2 given as NEV", () => {
    expect(formatError(() => openNev(join(realDataDir, "TEST_UN001.ns2")))).toMatchObject({ code: "ERR_BAD_MAGIC" });
  });

  it("unsupported version: ERR_UNSUPPORTED_VERSION at byte 8", () => {
    for (const [maj, min] of [[2, 4], [1, 0], [3, 1], [2, 0]] as const) {
      const p = patched((b) => { b[8] = maj; b[9] = min; });
      expect(formatError(() => openNev(p))).toMatchObject({ code: "ERR_UNSUPPORTED_VERSION", offset: 8, found: `${maj}.${min}` });
    }
  });

  it("bytes_in_headers contradicting 336 + 32·n: ERR_HEADER_LENGTH", () => {
    const p = patched((b) => void b.writeUInt32LE(b.readUInt32LE(12) + 4, 12));
    const e = formatError(() => openNev(p));
    expect(e).toMatchObject({ code: "ERR_HEADER_LENGTH", offset: 12 });
    expect(e.expected).toMatch(/336 \+ 32 x \d+/);
    const n = patched((b) => void b.writeUInt32LE(0xffffffff, 332)); // absurd count, no overflow
    expect(formatError(() => openNev(n)).code).toBe("ERR_HEADER_LENGTH");
  });

  it("impossible packet size or resolution: ERR_BAD_FIELD", () => {
    for (const p of [0, 7, 9]) {
      const f = patched((b) => void b.writeUInt32LE(p, 16));
      expect(formatError(() => openNev(f))).toMatchObject({ code: "ERR_BAD_FIELD", offset: 16, found: String(p) });
    }
    const v3 = patched((b) => void b.writeUInt32LE(12, 16), "3.0");
    expect(formatError(() => openNev(v3)).expected).toMatch(/at least 14 bytes/);
    const res = patched((b) => void b.writeUInt32LE(0, 20));
    expect(formatError(() => openNev(res))).toMatchObject({ code: "ERR_BAD_FIELD", offset: 20 });
  });

  it("an impossible bytes-per-sample fails spikes() only; events stay readable", () => {
    const p = patched((b) => {
      b.writeUInt16LE(0, 10); // flag bit0 off: NEUEVWAV widths apply
      b[336 + 21] = 3;
    });
    const nev = openNev(p);
    try {
      expect(nev.digitalEvents().timestamps.length).toBe(13);
      expect(formatError(() => nev.spikes())).toMatchObject({ code: "ERR_BAD_FIELD", offset: 357, found: "3" });
    } finally {
      nev.close();
    }
  });

  it("random corruption of header bytes and random truncation never crash", () => {
    const base = readFileSync(patched(() => undefined));
    let seed = 12345;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const path = join(tmp.dir, "fuzz.nev");
    let opened = 0;
    for (let k = 0; k < 400; k++) {
      const b = Buffer.from(base);
      for (let j = 0; j < 1 + rnd(4); j++) b[rnd(k % 2 ? 400 : b.length)] = rnd(256);
      writeFileSync(path, k % 3 === 0 ? b.subarray(0, rnd(b.length)) : b);
      try {
        const nev = openNev(path);
        opened++;
        try {
          nev.packetCounts();
          nev.digitalEvents();
          nev.comments();
          nev.spikes();
          nev.spikes({ selection: "neo" });
        } finally {
          nev.close();
        }
      } catch (e) {
        expect(e).toBeInstanceOf(RecordingFormatError);
      }
    }
    expect(opened).toBeGreaterThan(50);
  });
});

describe("NEV API misuse", () => {
  const good = join(tmp.dir, "good.nev");
  writeNev(good, syntheticSpec("2.2"));

  it("a closed file throws ERR_CLOSED; close() is idempotent", () => {
    const nev = openNev(good);
    nev.close();
    nev.close();
    expect(() => nev.digitalEvents()).toThrow(expect.objectContaining({ code: "ERR_CLOSED" }));
    expect(() => nev.spikes()).toThrow(/is closed/);
  });

  it("bad arguments and options: TypeError / RangeError naming the option", () => {
    expect(() => openNev("")).toThrow(TypeError);
    expect(() => openNev(42 as unknown as string)).toThrow(/Expected non-empty string for path/);
    const nev = openNev(good);
    try {
      expect(() => nev.parallelPortEvents("bogus" as "neo")).toThrow(RangeError);
      expect(() => nev.spikes({ selection: "some" as "all" })).toThrow(/options\.selection/);
      expect(() => nev.spikes({ selektion: "neo" } as never)).toThrow(/Unknown option "selektion" in options; known options: selection/);
      expect(() => nev.digitizationFactors({ overflowWorkaround: 1 as unknown as boolean })).toThrow(TypeError);
    } finally {
      nev.close();
    }
  });

  it("writeNev validates the spec before writing anything", () => {
    const out = join(tmp.dir, "w.nev");
    expect(() => writeNev(out, { version: "2.5" as "2.2" })).toThrow(/spec\.version/);
    expect(() => writeNev(out, { version: "2.2", labels: [{ electrodeId: 1, label: "x".repeat(17) }] })).toThrow(/spec\.labels\[0\]\.label/);
    expect(() => writeNev(out, { version: "2.2", application: "naïve ✓" })).toThrow(/latin-1/);
    expect(() => writeNev(out, { version: "2.2", pakketBytes: 104 } as never)).toThrow(/Unknown option "pakketBytes"/);
    expect(() => writeNev(out, { version: "3.0", digitalEvents: { timestamps: BigUint64Array.of(1n), reasons: Uint8Array.of(1), values: Uint16Array.of(1), analog: new Int16Array(5) } })).toThrow(/3\.0 file/);
    expect(() => writeNev(out, { version: "2.2", digitalEvents: { timestamps: BigUint64Array.of(1n), reasons: Uint8Array.of(1, 1), values: Uint16Array.of(1) } })).toThrow(/reasons/);
    expect(() => writeNev(out, { version: "2.2", spikes: { timestamps: BigUint64Array.of(1n), electrodes: Uint16Array.of(0), units: Uint8Array.of(0), waveforms: new Int16Array(48), samplesPerWaveform: 48 } }))
      .toThrow(expect.objectContaining({ code: "ERR_RANGE" }));
    expect(() => writeNev(out, { version: "2.2", packetBytes: 20, spikes: { timestamps: BigUint64Array.of(1n), electrodes: Uint16Array.of(1), units: Uint8Array.of(0), waveforms: new Int16Array(48), samplesPerWaveform: 48 } }))
      .toThrow(/does not fit the packet/);
    expect(existsSync(out)).toBe(false);
  });

  it("writeNev into a missing directory: ERR_WRITE, no temporary file left", () => {
    const e = formatError(() => writeNev(join(tmp.dir, "no", "such", "dir.nev"), { version: "2.2" }));
    expect(e.code).toBe("ERR_WRITE");
    expect(readdirSync(tmp.dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});
