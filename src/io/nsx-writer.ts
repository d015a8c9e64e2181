/**
 * Writing NSx files (2.1, 2.2, 2.3, 3.0 standard and 3.0 PTP) from per-channel Int16Arrays: several segments
 * (pauses, clock resets), any channel headers. Used for fixtures, format conversion and tests; the write is
 * atomic (temp file in the same directory, fsync, rename).
 */
import { invalidOption } from "../errors.js";
import { callNative } from "../native/call.js";
import { binding } from "../native/load.js";
import type { RawNsxChannelSpec, RawNsxWriteSpec } from "../native/nsx-binding.js";
import { checkInteger, checkKnownKeys, checkOneOf, checkString, isPlainObject } from "../validate.js";
import type { NsxChannelSpec, NsxSegmentSpec, NsxTimeOrigin, NsxVersion, NsxWriteSpec } from "./nsx-types.js";

const kVersions = ["2.1", "2.2", "2.3", "3.0"] as const;
const kSpecKeys = [
  "version", "fileId", "ptp", "label", "comment", "period", "timestampResolution", "timeOrigin", "channels", "segments",
  // NsxHeader fields accepted and ignored, so `{ ...file.header, segments }` works:
  "path", "samplingRate", "commentBytes", "headerBytes", "fileSize", "trailingBytes", "neoCompatible",
] as const;
const kChannelKeys = [
  "electrodeId", "label", "physicalConnector", "connectorPin", "minDigital", "maxDigital", "minAnalog", "maxAnalog",
  "units", "highFreqCorner", "highFreqOrder", "highFreqType", "lowFreqCorner", "lowFreqOrder", "lowFreqType",
  "index", "type", "gain", "offset",
] as const;
const kTimeKeys = ["year", "month", "dayOfWeek", "day", "hour", "minute", "second", "millisecond"] as const;
const kU32 = 0xffffffff;
const kU64 = (1n << 64n) - 1n;

/** Default channel header values (Blackrock neural channel: ±8191 µV over ±32764, no filters). */
export const kNsxChannelDefaults = Object.freeze({
  physicalConnector: 0,
  connectorPin: 0,
  minDigital: -32764,
  maxDigital: 32764,
  minAnalog: -8191,
  maxAnalog: 8191,
  units: "uV",
  highFreqCorner: 0,
  highFreqOrder: 0,
  highFreqType: 0,
  lowFreqCorner: 0,
  lowFreqOrder: 0,
  lowFreqType: 0,
});

function checkText(name: string, v: unknown, maxBytes: number): string {
  if (typeof v !== "string") throw invalidOption(name, `string of at most ${maxBytes} UTF-8 bytes`, v);
  if (Buffer.byteLength(v, "utf8") > maxBytes)
    throw invalidOption(name, `string of at most ${maxBytes} UTF-8 bytes`, v, true);
  return v;
}

function defaultLabel(period: number): string {
  const hz = 30000 / period;
  return hz >= 1000 ? `${+(hz / 1000).toFixed(3)} kS/s` : `${+hz.toFixed(3)} S/s`;
}

function channelSpec(c: unknown, i: number, version: NsxVersion): RawNsxChannelSpec {
  const name = `spec.channels[${i}]`;
  if (!isPlainObject(c)) throw invalidOption(name, "a channel object", c);
  checkKnownKeys(name, c, kChannelKeys);
  const ch = c as Partial<NsxChannelSpec>;
  const electrodeId = checkInteger(`${name}.electrodeId`, ch.electrodeId, 0, version === "2.1" ? kU32 : 0xffff);
  const d = kNsxChannelDefaults;
  if (version === "2.1") {
    // A 2.1 file stores only electrode ids; the rest is ignored (a 2.1 header read back has NaN analog ranges).
    return { electrodeId, label: "", ...d };
  }
  const int = (key: keyof typeof d, lo: number, hi: number): number =>
    ch[key] === undefined ? (d[key] as number) : checkInteger(`${name}.${key}`, ch[key], lo, hi);
  return {
    electrodeId,
    label: ch.label === undefined ? `chan${electrodeId}` : checkText(`${name}.label`, ch.label, 16),
    physicalConnector: int("physicalConnector", 0, 255),
    connectorPin: int("connectorPin", 0, 255),
    minDigital: int("minDigital", -32768, 32767),
    maxDigital: int("maxDigital", -32768, 32767),
    minAnalog: int("minAnalog", -32768, 32767),
    maxAnalog: int("maxAnalog", -32768, 32767),
    units: ch.units === undefined ? d.units : checkText(`${name}.units`, ch.units, 16),
    highFreqCorner: int("highFreqCorner", 0, kU32),
    highFreqOrder: int("highFreqOrder", 0, kU32),
    highFreqType: int("highFreqType", 0, 0xffff),
    lowFreqCorner: int("lowFreqCorner", 0, kU32),
    lowFreqOrder: int("lowFreqOrder", 0, kU32),
    lowFreqType: int("lowFreqType", 0, 0xffff),
  };
}

function segmentSpec(s: unknown, i: number, nch: number, version: NsxVersion, ptp: boolean) {
  const name = `spec.segments[${i}]`;
  if (!isPlainObject(s)) throw invalidOption(name, "a segment object", s);
  checkKnownKeys(name, s, ["timestamp", "data", "sampleTimestamps"]);
  const seg = s as Partial<NsxSegmentSpec>;
  const maxTs = version === "3.0" ? kU64 : version === "2.1" ? 0n : BigInt(kU32);
  let timestamp = 0n;
  if (seg.timestamp !== undefined) {
    const t = seg.timestamp;
    const ok = (typeof t === "bigint" || (typeof t === "number" && Number.isSafeInteger(t))) && BigInt(t) >= 0n;
    if (!ok) throw invalidOption(`${name}.timestamp`, "a non-negative integer (bigint or number)", t);
    timestamp = BigInt(t);
    if (timestamp > maxTs) throw invalidOption(`${name}.timestamp`, `an integer between 0 and ${maxTs}`, t, true);
  }
  if (!Array.isArray(seg.data) || seg.data.length !== nch)
    throw invalidOption(`${name}.data`, `an array of ${nch} Int16Array (one per channel)`, seg.data);
  const data = seg.data as Int16Array[];
  data.forEach((a, c) => {
    if (!(a instanceof Int16Array)) throw invalidOption(`${name}.data[${c}]`, "Int16Array", a);
    if (a.length !== data[0]!.length)
      throw invalidOption(`${name}.data[${c}]`, `length ${data[0]!.length} like data[0]`, `length ${a.length}`, true);
  });
  const n = data[0]?.length ?? 0;
  if (!ptp && n > kU32) throw invalidOption(`${name}.data`, `at most ${kU32} samples per block`, `length ${n}`, true);
  const out: RawNsxWriteSpec["segments"][number] = { timestamp, data };
  if (seg.sampleTimestamps !== undefined) {
    if (!ptp)
      throw invalidOption(`${name}.sampleTimestamps`, "undefined (only PTP files have them)", seg.sampleTimestamps);
    if (!(seg.sampleTimestamps instanceof BigUint64Array) || seg.sampleTimestamps.length !== n)
      throw invalidOption(`${name}.sampleTimestamps`, `a BigUint64Array of length ${n}`, seg.sampleTimestamps);
    out.sampleTimestamps = seg.sampleTimestamps;
  }
  return out;
}

function timeOrigin(v: unknown): number[] {
  if (v === undefined || v === null) return [0, 0, 0, 0, 0, 0, 0, 0];
  if (!isPlainObject(v)) throw invalidOption("spec.timeOrigin", "an NsxTimeOrigin object", v);
  checkKnownKeys("spec.timeOrigin", v, kTimeKeys);
  const t = v as Partial<NsxTimeOrigin>;
  return kTimeKeys.map((k) => (t[k] === undefined ? 0 : checkInteger(`spec.timeOrigin.${k}`, t[k], 0, 0xffff)));
}

/** Validates `spec` and fills every default: the flat object the binding expects. */
function fillSpec(spec: unknown): RawNsxWriteSpec {
  if (!isPlainObject(spec)) throw invalidOption("spec", "an NsxWriteSpec object", spec);
  checkKnownKeys("spec", spec, kSpecKeys);
  const s = spec as Partial<NsxWriteSpec>;
  const version = checkOneOf("spec.version", s.version, kVersions);
  let ptp = false;
  if (s.ptp !== undefined) {
    if (typeof s.ptp !== "boolean") throw invalidOption("spec.ptp", "boolean", s.ptp);
    if (s.ptp && version !== "3.0") throw invalidOption("spec.ptp", "false for versions other than 3.0", s.ptp, true);
    ptp = s.ptp;
  }
  const ids = ["BRSMPGRP", "NEURALCD"] as const;
  const fileId = version === "3.0" && s.fileId !== undefined ? checkOneOf("spec.fileId", s.fileId, ids) : "";
  const period = s.period === undefined ? 1 : checkInteger("spec.period", s.period, 1, kU32);
  const resolution =
    s.timestampResolution === undefined
      ? (ptp ? 1e9 : 30000)
      : checkInteger("spec.timestampResolution", s.timestampResolution, 1, kU32);
  if (ptp && resolution !== 1e9)
    throw invalidOption("spec.timestampResolution", "1000000000 for a PTP file", resolution, true);
  if (!Array.isArray(s.channels) || s.channels.length === 0)
    throw invalidOption("spec.channels", "a non-empty array of channels", s.channels);
  if (s.channels.length > 0xffff) throw invalidOption("spec.channels", "at most 65535 channels", s.channels, true);
  const channels = s.channels.map((c, i) => channelSpec(c, i, version));
  if (!Array.isArray(s.segments)) throw invalidOption("spec.segments", "an array of segments", s.segments);
  if (version === "2.1" && s.segments.length !== 1)
    throw invalidOption("spec.segments", "exactly one segment for a 2.1 file (no block headers)", s.segments, true);
  return {
    version,
    fileId,
    ptp,
    label: s.label === undefined ? defaultLabel(period) : checkText("spec.label", s.label, 16),
    comment: s.comment === undefined ? "" : checkText("spec.comment", s.comment, 256),
    period,
    timestampResolution: resolution,
    timeOrigin: timeOrigin(s.timeOrigin),
    channels,
    segments: s.segments.map((g, i) => segmentSpec(g, i, channels.length, version, ptp)),
  };
}

/**
 * Writes an NSx file atomically: to a temporary name in the same directory, flushed, then renamed over
 * `path` (an existing file is replaced only when the new one is complete).
 * @returns the size of the written file in bytes.
 * @example
 * writeNsx("out.ns5", { version: "2.3", channels: [{ electrodeId: 1 }, { electrodeId: 2 }],
 *   segments: [{ timestamp: 0, data: [ch1, ch2] }, { timestamp: 90000, data: [ch1b, ch2b] }] });
 * @throws {TypeError|RangeError} for an invalid spec (names the field, e.g. `spec.channels[3].label`).
 * @throws {RecordingFormatError} ERR_WRITE when the directory is not writable or the disk is full.
 */
export function writeNsx(path: string, spec: NsxWriteSpec): number {
  checkString("path", path);
  const raw = fillSpec(spec);
  return callNative(() => binding().writeNsx(path, raw));
}
