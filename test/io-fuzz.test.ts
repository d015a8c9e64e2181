/**
 * Mutation fuzzing of both readers through the public API: 10,000 mutants and truncations of valid NSx files
 * (every version) and 10,000 of valid NEV files (2.2, 2.3, 3.0), each opened and read completely. The only
 * acceptable outcomes are success or a RecordingFormatError with a known code whose message names the file
 * and a byte offset. (scripts/native-tests.sh runs the same idea in C++ under ASan + UBSan.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FormatErrorCodes, RecordingFormatError } from "../src/errors.js";
import { openNsx } from "../src/io/nsx.js";
import { openNev } from "../src/io/nev.js";
import { writeNsx } from "../src/io/nsx-writer.js";
import { writeNev } from "../src/io/nev-writer.js";
import { uniform } from "../src/synth/random.js";
import type { NsxVersion } from "../src/io/nsx-types.js";

const kMutantsPerReader = 10_000;
const dir = mkdtempSync(join(tmpdir(), "rplpipe-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nsxSeed(version: NsxVersion, ptp = false): Buffer {
  const path = join(dir, `seed-${version}${ptp ? "-ptp" : ""}.ns5`);
  const nch = 3;
  const seg = (n: number, t: number) => ({
    timestamp: t,
    data: Array.from({ length: nch }, (_, c) => Int16Array.from({ length: n }, (_, i) => (i * 31 + c * 7) % 300 - 150)),
  });
  writeNsx(path, {
    version,
    ptp,
    channels: [{ electrodeId: 1, label: "raw 1" }, { electrodeId: 4 }, { electrodeId: 9, physicalConnector: 1 }],
    segments: version === "2.1" ? [seg(40, 0)] : [seg(20, 100), seg(1, 900), seg(25, 30)],
  });
  return readFileSync(path);
}

function nevSeed(version: "2.2" | "2.3" | "3.0"): Buffer {
  const path = join(dir, `seed-${version}.nev`);
  const n = 12;
  writeNev(path, {
    version,
    waveformHeaders: [{ electrodeId: 1 }, { electrodeId: 2 }],
    digitalLabels: [{ label: "digin", mode: 1 }],
    digitalEvents: {
      timestamps: BigUint64Array.from({ length: n }, (_, i) => BigInt(5 + 6 * i)),
      reasons: Uint8Array.from({ length: n }, (_, i) => [1, 3, 129][i % 3]!),
      values: Uint16Array.from({ length: n }, (_, i) => (i % 2 ? 0 : 11 + i)),
    },
    spikes: {
      timestamps: BigUint64Array.from({ length: 6 }, (_, i) => BigInt(7 + 11 * i)),
      electrodes: Uint16Array.from({ length: 6 }, (_, i) => 1 + (i % 2)),
      units: Uint8Array.from({ length: 6 }, (_, i) => i % 3),
      waveforms: Int16Array.from({ length: 6 * 48 }, (_, i) => (i % 48) * 5 - 100),
      samplesPerWaveform: 48,
    },
  });
  return readFileSync(path);
}

/** One random mutation: byte flips, an extreme u32 in a header field, a truncation, or both. */
function mutate(orig: Buffer, headerSpan: number, rnd: () => number): Buffer {
  const b = Buffer.from(orig);
  const span = Math.min(headerSpan, b.length);
  const at = (n: number) => Math.floor(rnd() * n);
  switch (at(4)) {
    case 0:
      for (let k = 0, n = 1 + at(4); k < n; k++) b[at(span)] = at(256);
      return b;
    case 1: {
      const extremes = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 65535, 66, 314];
      b.writeUInt32LE(rnd() < 0.5 ? extremes[at(8)]! : at(2 ** 32), at(span - 4));
      return b;
    }
    case 2:
      return b.subarray(0, at(b.length + 1));
    default:
      b[at(span)]! ^= 1 << at(8);
      return b.subarray(0, Math.min(b.length, span + at(512)));
  }
}

function readAllNsx(path: string): void {
  const f = openNsx(path);
  try {
    for (const s of f.header.segments) {
      const count = Math.min(s.sampleCount, 4096);
      f.readRaw({ segment: s.index, count });
      if (f.header.channels.every((c) => Number.isFinite(c.gain))) f.readScaled({ segment: s.index, count });
      if (f.header.ptp) f.ptpTimestamps(s.index, { count });
    }
  } finally {
    f.close();
  }
}

function readAllNev(path: string): void {
  const f = openNev(path);
  try {
    f.packetCounts();
    f.digitalEvents();
    f.parallelPortEvents("neo");
    f.spikes();
    f.spikes({ selection: "neo" });
    f.comments();
  } finally {
    f.close();
  }
}

function fuzz(seeds: Buffer[], headerSpan: number, read: (p: string) => void, ext: string, seed: number) {
  const rnd = uniform(seed);
  const path = join(dir, `mutant${ext}`);
  const codes = new Map<string, number>();
  let ok = 0;
  for (let i = 0; i < kMutantsPerReader; i++) {
    writeFileSync(path, mutate(seeds[i % seeds.length]!, headerSpan, rnd));
    try {
      read(path);
      ok++;
    } catch (e) {
      if (!(e instanceof RecordingFormatError)) throw new Error(`mutant ${i}: untyped error ${String((e as Error).stack)}`);
      expect(FormatErrorCodes).toContain(e.code);
      expect(e.file).toBe(path);
      expect(e.message).toMatch(/at byte \d+: expected .+, found .+/);
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    }
  }
  return { ok, codes };
}

describe("reader fuzzing", () => {
  it(`survives ${kMutantsPerReader} NSx mutants with success or a typed error`, () => {
    const seeds = [nsxSeed("2.1"), nsxSeed("2.2"), nsxSeed("2.3"), nsxSeed("3.0"), nsxSeed("3.0", true)];
    const { ok, codes } = fuzz(seeds, 314 + 66 * 3 + 40, readAllNsx, ".ns5", 42);
    process.stdout.write(`NSx fuzz: ${ok} read fine, typed errors ${JSON.stringify(Object.fromEntries(codes))}\n`);
    expect(ok + [...codes.values()].reduce((a, b) => a + b, 0)).toBe(kMutantsPerReader);
    // The mutations must reach the checks: several distinct typed errors, and some mutants still readable.
    expect(codes.size).toBeGreaterThanOrEqual(5);
    expect(ok).toBeGreaterThan(0);
  });

  it(`survives ${kMutantsPerReader} NEV mutants with success or a typed error`, () => {
    const seeds = [nevSeed("2.2"), nevSeed("2.3"), nevSeed("3.0")];
    const { ok, codes } = fuzz(seeds, 336 + 32 * 5 + 208, readAllNev, ".nev", 7);
    process.stdout.write(`NEV fuzz: ${ok} read fine, typed errors ${JSON.stringify(Object.fromEntries(codes))}\n`);
    expect(ok + [...codes.values()].reduce((a, b) => a + b, 0)).toBe(kMutantsPerReader);
    expect(codes.size).toBeGreaterThanOrEqual(3);
    expect(ok).toBeGreaterThan(0);
  });
});
