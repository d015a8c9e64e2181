/**
 * Shared fixtures of the NSx tests (test/nsx-*.test.ts): temp dirs, deterministic synthetic write specs, a
 * minimal NEV 2.1 writer (neo needs one to scale NSx 2.1), and the neo oracle (test/python/neo_nsx_read.py),
 * whose arrays come back as raw files.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPythonJson } from "./helpers/reference.js";
import type { NsxChannelSpec, NsxSegmentSpec, NsxVersion, NsxWriteSpec } from "../src/io/nsx-types.js";

export function makeTempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rplpipe-nsx-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `dir/<name>/<name>.ns<k>`: neo opens a file set by base name, so each file gets its own directory. */
export function nsxPathIn(dir: string, name: string, k = 5): string {
  mkdirSync(join(dir, name), { recursive: true });
  return join(dir, name, `${name}.ns${k}`);
}

/** Deterministic int16 samples covering the extremes (-32768, 32767, 0) and everything between. */
export function samples(n: number, seed: number): Int16Array {
  const a = new Int16Array(n);
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = i % 97 === 0 ? -32768 : i % 89 === 0 ? 32767 : i % 83 === 0 ? 0 : (x >>> 16) - 32768;
  }
  return a;
}

/**
 * Channel headers with varied scaling: symmetric Blackrock neural (offset 0), analog inputs in mV,
 * asymmetric ranges (offset != 0), a negative gain, units with and without embedded NULs.
 */
export function channelSpecs(ids: readonly number[]): NsxChannelSpec[] {
  return ids.map((id, i) => {
    const kind = i % 5;
    const base = { electrodeId: id, physicalConnector: 1 + (i % 4), connectorPin: (i % 32) + 1 };
    if (kind === 0) return { ...base, label: `raw ${id}`, highFreqCorner: 300, highFreqOrder: 1, highFreqType: 1, lowFreqCorner: 7500000, lowFreqOrder: 3, lowFreqType: 1 };
    if (kind === 1) return { ...base, label: `ainp${i}`, minDigital: -32767, maxDigital: 32767, minAnalog: -5000, maxAnalog: 5000, units: "mV" };
    if (kind === 2) return { ...base, label: `asym ${id}`, minDigital: -1000, maxDigital: 31000, minAnalog: -123, maxAnalog: 4567, units: "uV" };
    if (kind === 3) return { ...base, label: `neg ${id}`, minDigital: -32767, maxDigital: 32767, minAnalog: 5000, maxAnalog: -5000, units: "mV" };
    return { ...base, label: `elec${id}-001`, minDigital: 0, maxDigital: 4095, minAnalog: 0, maxAnalog: 3300, units: "mV", lowFreqCorner: 500000, lowFreqOrder: 4, lowFreqType: 2 };
  });
}

/** Segment data for `counts` samples with timestamps `timestamps` (channel-major, as readRaw returns). */
export function segmentSpecs(nch: number, counts: readonly number[], timestamps: readonly (number | bigint)[]): NsxSegmentSpec[] {
  return counts.map((n, s) => ({
    timestamp: timestamps[s] ?? 0,
    data: Array.from({ length: nch }, (_, c) => samples(n, 1000 * s + c)),
  }));
}

export interface SynthOptions {
  ids: readonly number[];
  counts: readonly number[];
  timestamps?: readonly (number | bigint)[];
  period?: number;
  fileId?: string;
  ptp?: boolean;
}

export function syntheticSpec(version: NsxVersion, o: SynthOptions): NsxWriteSpec {
  const spec: NsxWriteSpec = {
    version,
    label: "30 kS/s",
    comment: "synthetic rplpipe fixture",
    period: o.period ?? 1,
    timeOrigin: { year: 2024, month: 3, dayOfWeek: 2, day: 12, hour: 13, minute: 14, second: 15, millisecond: 678 },
    channels: channelSpecs(o.ids),
    segments: segmentSpecs(o.ids.length, o.counts, o.timestamps ?? o.counts.map(() => 0)),
  };
  if (o.fileId !== undefined) spec.fileId = o.fileId;
  if (o.ptp !== undefined) spec.ptp = o.ptp;
  return spec;
}

/**
 * Minimal NEV 2.1 (header + NEUEVWAV extended headers, no packets): what neo needs beside an NSx 2.1 to scale
 * it. digitization factors are u16 nV/bit.
 */
export function writeNev21(path: string, electrodes: readonly { id: number; digitization: number }[]): void {
  const b = Buffer.alloc(336 + 32 * electrodes.length);
  b.write("NEURALEV", 0, "latin1");
  b.writeUInt8(2, 8);
  b.writeUInt8(1, 9);
  b.writeUInt16LE(1, 10); // all waveforms 16-bit (neo needs bit 0 set)
  b.writeUInt32LE(b.length, 12);
  b.writeUInt32LE(104, 16);
  b.writeUInt32LE(30000, 20);
  b.writeUInt32LE(30000, 24);
  [2024, 3, 2, 12, 13, 14, 15, 678].forEach((v, i) => b.writeUInt16LE(v, 28 + 2 * i));
  b.write("rplpipe test", 44, "latin1");
  b.writeUInt32LE(electrodes.length, 332);
  electrodes.forEach((e, i) => {
    const o = 336 + 32 * i;
    b.write("NEUEVWAV", o, "latin1");
    b.writeUInt16LE(e.id, o + 8);
    b.writeUInt8(1, o + 10);
    b.writeUInt8((i % 32) + 1, o + 11);
    b.writeUInt16LE(e.digitization, o + 12);
    b.writeUInt8(2, o + 21); // bytes per waveform sample
  });
  writeFileSync(path, b);
}

const view = <T>(ctor: new (b: ArrayBuffer) => T, path: string): T => {
  const b = readFileSync(path);
  return new ctor(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
};

export interface NeoChannel {
  name: string;
  id: string;
  sampling_rate: number;
  dtype: string;
  units: string;
  gain: number;
  offset: number;
}
export interface NeoSegment {
  t_start: number;
  t_stop: number;
  signal_t_start: number;
  size: number;
  /** Per channel (neo's column order). */
  raw: Int16Array[];
  scaled: Float32Array[];
  subRaw?: Int16Array[];
  subScaled?: Float32Array[];
}
export interface NeoNsx {
  error?: string;
  message?: string;
  neo_version: string;
  nb_segment: number;
  warnings: string[];
  channels: NeoChannel[];
  annotations: Record<string, number[]>;
  segments: NeoSegment[];
}

function split<T extends Int16Array | Float32Array>(all: T, parts: number, len: number): T[] {
  return Array.from({ length: parts }, (_, c) => all.subarray(c * len, (c + 1) * len) as T);
}

/** What neo's BlackrockRawIO reports for `nsxPath` (its raw and scaled samples per segment and channel). */
export function neoRead(
  nsxPath: string,
  outDir: string,
  opts: { gapToleranceMs?: number; loadNev?: boolean; subset?: readonly number[] } = {},
): NeoNsx {
  mkdirSync(outDir, { recursive: true });
  const args = [nsxPath, outDir];
  if (opts.gapToleranceMs !== undefined) args.push("--gap-tolerance-ms", String(opts.gapToleranceMs));
  if (opts.loadNev) args.push("--load-nev");
  if (opts.subset) args.push("--channels", opts.subset.join(","));
  const meta = runPythonJson<Omit<NeoNsx, "segments"> & { segments: Omit<NeoSegment, "raw" | "scaled">[] }>("neo_nsx_read.py", args);
  if (meta.error) return { ...meta, segments: [] };
  const nch = meta.channels.length;
  const segments = meta.segments.map((s, k) => {
    const seg: NeoSegment = {
      ...s,
      raw: split(view(Int16Array, join(outDir, `seg${k}_raw.i16`)), nch, s.size),
      scaled: split(view(Float32Array, join(outDir, `seg${k}_scaled.f32`)), nch, s.size),
    };
    if (opts.subset) {
      seg.subRaw = split(view(Int16Array, join(outDir, `seg${k}_sub_raw.i16`)), opts.subset.length, s.size);
      seg.subScaled = split(view(Float32Array, join(outDir, `seg${k}_sub_scaled.f32`)), opts.subset.length, s.size);
    }
    return seg;
  });
  return { ...meta, segments };
}

/** neo's scaling of one raw value, in JS doubles: float32(float32(raw * gain) + offset) when offsets apply. */
export function neoScale(raw: number, gain: number, offset: number, addOffset: boolean): number {
  const y = Math.fround(raw * gain);
  return addOffset ? Math.fround(y + offset) : y;
}

type Typed = Int16Array | Float32Array | Uint32Array | BigUint64Array;

/**
 * Byte-exact equality of two typed arrays (fast: vitest's toEqual walks elements one by one). On a mismatch
 * the assertion names the first differing index and both values.
 */
export function sameBytes(a: Typed | undefined, b: Typed | undefined): string | true {
  if (!a || !b) return `missing array (${a ? "" : "ours"} ${b ? "" : "theirs"})`;
  if (a.length !== b.length) return `lengths differ: ${a.length} vs ${b.length}`;
  const x = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const y = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (x.equals(y)) return true;
  for (let i = 0; i < a.length; i++) {
    const u = a[i]!;
    const v = b[i]!;
    if (!Object.is(u, v)) return `first difference at index ${i}: ${String(u)} vs ${String(v)}`;
  }
  return "NaN payloads differ";
}
