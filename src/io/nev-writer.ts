/**
 * Writing NEV (.nev) files (spec 2.1, 2.2, 2.3, 3.0): validates a {@link NevWriteSpec} completely, fills the
 * defaults and hands one flat object to C++ (native/src/io/nev_writer.cc), which writes a temporary file and
 * renames it. What openNev reads back is identical to what was written.
 */
import { invalidOption } from "../errors.js";
import { callNative } from "../native/call.js";
import { binding } from "../native/load.js";
import type { RawNevWriteSpec } from "../native/nev-binding.js";
import { checkInteger, checkKnownKeys, checkNumber, checkOneOf, checkString, isPlainObject } from "../validate.js";
import type {
  NevDigitalLabel,
  NevElectrodeFilter,
  NevElectrodeLabel,
  NevNsasExev,
  NevTextHeader,
  NevTimeOrigin,
  NevTrackableObject,
  NevVideoSource,
  NevWaveformHeader,
  NevWriteSpec,
} from "./nev-types.js";

const kSpecKeys = [
  "version", "fileId", "additionalFlags", "packetBytes", "timestampResolution", "sampleResolution", "timeOrigin",
  "application", "comment", "processorTimestamp", "waveformHeaders", "labels", "filters", "digitalLabels",
  "nsasExev", "textHeaders", "videoSources", "trackableObjects", "digitalEvents", "spikes", "comments",
  // Derived fields of a NevHeader read from a file: accepted so a header can be spread in, then ignored.
  "path", "headerBytes", "extendedHeaderCount", "fileSize", "packetCount", "trailingBytes", "unknownHeaders",
] as const;
const kU8 = 255;
const kU16 = 65535;
const kU32 = 4294967295;
const kDefaultSamples = 48; // Central's 1.6 ms at 30 kHz: 104-byte packets in 2.x

type Rec = Record<string, unknown>;

function obj(name: string, v: unknown, known: readonly string[]): Rec {
  if (!isPlainObject(v)) throw invalidOption(name, "an object", v);
  checkKnownKeys(name, v, known);
  return v;
}

function list(name: string, v: unknown): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalidOption(name, "an array", v);
  return v;
}

/** latin-1 text of at most `max` bytes (NEV strings are fixed-width byte fields). */
function latin1(name: string, v: unknown, max: number): string {
  if (typeof v !== "string") throw invalidOption(name, `string of at most ${max} latin-1 characters`, v);
  // eslint-disable-next-line no-control-regex
  if (v.length > max || /[^\u0000-\u00ff]/.test(v))
    throw invalidOption(name, `string of at most ${max} latin-1 characters`, v, true);
  return v;
}

function int(name: string, v: unknown, max: number, min = 0, dflt?: number): number {
  return checkInteger(name, v === undefined && dflt !== undefined ? dflt : v, min, max);
}

/** A typed array of exactly class `ctor` (and `length` elements when given). */
function typed<T extends { length: number }>(
  name: string, v: unknown, ctor: (new (n: number) => T) & { name: string }, length?: number): T {
  if (!(v instanceof ctor)) throw invalidOption(name, ctor.name, v);
  if (length !== undefined && v.length !== length)
    throw invalidOption(name, `${ctor.name} of length ${length}`, `${ctor.name} of length ${v.length}`, true);
  return v;
}

function bytesPerSample(name: string, v: unknown): number {
  const b = int(name, v, 4, 0, 2);
  if (b === 3) throw invalidOption(name, "0, 1, 2 or 4", b, true);
  return b;
}

function timeOrigin(v: unknown): NevTimeOrigin {
  if (v === undefined) return { year: 2000, month: 1, dayOfWeek: 6, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
  const keys = ["year", "month", "dayOfWeek", "day", "hour", "minute", "second", "millisecond"] as const;
  const o = obj("spec.timeOrigin", v, keys);
  const t = {} as NevTimeOrigin;
  for (const k of keys) t[k] = int(`spec.timeOrigin.${k}`, o[k], kU16);
  return t;
}

function waveformHeader(v: unknown, i: number, defaultWidth: number): NevWaveformHeader {
  const n = `spec.waveformHeaders[${i}]`;
  const o = obj(n, v, ["electrodeId", "physicalConnector", "connectorPin", "digitizationFactor", "energyThreshold",
    "highThreshold", "lowThreshold", "sortedUnits", "bytesPerSample", "spikeWidth"]);
  return {
    electrodeId: int(`${n}.electrodeId`, o.electrodeId, kU16),
    physicalConnector: int(`${n}.physicalConnector`, o.physicalConnector, kU8, 0, 0),
    connectorPin: int(`${n}.connectorPin`, o.connectorPin, kU8, 0, 0),
    digitizationFactor: int(`${n}.digitizationFactor`, o.digitizationFactor, kU16, 0, 250),
    energyThreshold: int(`${n}.energyThreshold`, o.energyThreshold, kU16, 0, 0),
    highThreshold: int(`${n}.highThreshold`, o.highThreshold, 32767, -32768, 0),
    lowThreshold: int(`${n}.lowThreshold`, o.lowThreshold, 32767, -32768, 0),
    sortedUnits: int(`${n}.sortedUnits`, o.sortedUnits, kU8, 0, 0),
    bytesPerSample: bytesPerSample(`${n}.bytesPerSample`, o.bytesPerSample),
    spikeWidth: int(`${n}.spikeWidth`, o.spikeWidth, kU16, 0, defaultWidth),
  };
}

function headerLists(s: Rec, defaultWidth: number): Pick<RawNevWriteSpec,
  "waveformHeaders" | "labels" | "filters" | "digitalLabels" | "nsasExev" | "textHeaders" | "videoSources" |
  "trackableObjects"> {
  return {
    waveformHeaders: list("spec.waveformHeaders", s.waveformHeaders).map((v, i) => waveformHeader(v, i, defaultWidth)),
    labels: list("spec.labels", s.labels).map((v, i): NevElectrodeLabel => {
      const o = obj(`spec.labels[${i}]`, v, ["electrodeId", "label"]);
      return { electrodeId: int(`spec.labels[${i}].electrodeId`, o.electrodeId, kU16),
        label: latin1(`spec.labels[${i}].label`, o.label, 16) };
    }),
    filters: list("spec.filters", s.filters).map((v, i): NevElectrodeFilter => {
      const n = `spec.filters[${i}]`;
      const o = obj(n, v, ["electrodeId", "highFreqCorner", "highFreqOrder", "highFreqType", "lowFreqCorner",
        "lowFreqOrder", "lowFreqType"]);
      return {
        electrodeId: int(`${n}.electrodeId`, o.electrodeId, kU16),
        highFreqCorner: int(`${n}.highFreqCorner`, o.highFreqCorner, kU32),
        highFreqOrder: int(`${n}.highFreqOrder`, o.highFreqOrder, kU32),
        highFreqType: int(`${n}.highFreqType`, o.highFreqType, kU16),
        lowFreqCorner: int(`${n}.lowFreqCorner`, o.lowFreqCorner, kU32),
        lowFreqOrder: int(`${n}.lowFreqOrder`, o.lowFreqOrder, kU32),
        lowFreqType: int(`${n}.lowFreqType`, o.lowFreqType, kU16),
      };
    }),
    digitalLabels: list("spec.digitalLabels", s.digitalLabels).map((v, i): NevDigitalLabel => {
      const o = obj(`spec.digitalLabels[${i}]`, v, ["label", "mode"]);
      return { label: latin1(`spec.digitalLabels[${i}].label`, o.label, 16),
        mode: int(`spec.digitalLabels[${i}].mode`, o.mode, kU8) };
    }),
    nsasExev: list("spec.nsasExev", s.nsasExev).map((v, i): NevNsasExev => {
      const n = `spec.nsasExev[${i}]`;
      const o = obj(n, v, ["frequency", "digitalInputConfig", "analogConfig", "analogEdgeDetect"]);
      const five = (k: string, max: number): number[] => {
        const a = list(`${n}.${k}`, o[k]);
        if (a.length !== 5) throw invalidOption(`${n}.${k}`, "an array of 5 integers", a, true);
        return a.map((x, j) => int(`${n}.${k}[${j}]`, x, max));
      };
      return { frequency: int(`${n}.frequency`, o.frequency, kU16),
        digitalInputConfig: int(`${n}.digitalInputConfig`, o.digitalInputConfig, kU8),
        analogConfig: five("analogConfig", kU8), analogEdgeDetect: five("analogEdgeDetect", kU16) };
    }),
    textHeaders: list("spec.textHeaders", s.textHeaders).map((v, i): NevTextHeader => {
      const o = obj(`spec.textHeaders[${i}]`, v, ["id", "text"]);
      return { id: checkOneOf(`spec.textHeaders[${i}].id`, o.id, ["ARRAYNME", "ECOMMENT", "CCOMMENT", "MAPFILE"] as const),
        text: latin1(`spec.textHeaders[${i}].text`, o.text, 24) };
    }),
    videoSources: list("spec.videoSources", s.videoSources).map((v, i): NevVideoSource => {
      const o = obj(`spec.videoSources[${i}]`, v, ["sourceId", "source", "frameRate"]);
      return { sourceId: int(`spec.videoSources[${i}].sourceId`, o.sourceId, kU16),
        source: latin1(`spec.videoSources[${i}].source`, o.source, 16),
        frameRate: checkNumber(`spec.videoSources[${i}].frameRate`, o.frameRate, -3.4e38, 3.4e38) };
    }),
    trackableObjects: list("spec.trackableObjects", s.trackableObjects).map((v, i): NevTrackableObject => {
      const n = `spec.trackableObjects[${i}]`;
      const o = obj(n, v, ["type", "id", "pointCount", "source"]);
      return { type: int(`${n}.type`, o.type, kU16), id: int(`${n}.id`, o.id, kU16),
        pointCount: int(`${n}.pointCount`, o.pointCount, kU16), source: latin1(`${n}.source`, o.source, 16) };
    }),
  };
}

function digital(v: unknown): RawNevWriteSpec["digital"] {
  if (v === undefined)
    return { timestamps: new BigUint64Array(0), reasons: new Uint8Array(0), values: new Uint16Array(0), analog: null };
  const o = obj("spec.digitalEvents", v, ["timestamps", "seconds", "reasons", "values", "analog"]);
  const ts = typed("spec.digitalEvents.timestamps", o.timestamps, BigUint64Array);
  const n = ts.length;
  return {
    timestamps: ts,
    reasons: typed("spec.digitalEvents.reasons", o.reasons, Uint8Array, n),
    values: typed("spec.digitalEvents.values", o.values, Uint16Array, n),
    analog: o.analog === undefined || o.analog === null ? null : typed("spec.digitalEvents.analog", o.analog, Int16Array, 5 * n),
  };
}

function spikes(v: unknown): RawNevWriteSpec["spikes"] | undefined {
  if (v === undefined) return undefined;
  const o = obj("spec.spikes", v, ["timestamps", "seconds", "electrodes", "units", "waveforms", "samplesPerWaveform"]);
  const ts = typed("spec.spikes.timestamps", o.timestamps, BigUint64Array);
  const w = int("spec.spikes.samplesPerWaveform", o.samplesPerWaveform, kU16);
  return {
    timestamps: ts,
    electrodes: typed("spec.spikes.electrodes", o.electrodes, Uint16Array, ts.length),
    units: typed("spec.spikes.units", o.units, Uint8Array, ts.length),
    waveforms: typed("spec.spikes.waveforms", o.waveforms, Int16Array, ts.length * w),
    samplesPerWaveform: w,
  };
}

/** Comment texts are encoded here: UTF-16LE for char set 1, latin-1 otherwise (what the reader decodes). */
function comments(v: unknown): RawNevWriteSpec["comments"] {
  const empty = { timestamps: new BigUint64Array(0), charSets: new Uint8Array(0), flags: new Uint8Array(0),
    colors: new Uint32Array(0), textBytes: new Uint8Array(0), textOffsets: new Uint32Array(1) };
  if (v === undefined) return empty;
  const o = obj("spec.comments", v, ["timestamps", "seconds", "charSets", "flags", "colors", "texts"]);
  const ts = typed("spec.comments.timestamps", o.timestamps, BigUint64Array);
  const n = ts.length;
  const charSets = typed("spec.comments.charSets", o.charSets, Uint8Array, n);
  const texts = list("spec.comments.texts", o.texts);
  if (texts.length !== n) throw invalidOption("spec.comments.texts", `an array of ${n} strings`, texts, true);
  const parts = texts.map((t, i) => {
    if (charSets[i] === 1) {
      if (typeof t !== "string") throw invalidOption(`spec.comments.texts[${i}]`, "string", t);
      return Buffer.from(t, "utf16le");
    }
    return Buffer.from(latin1(`spec.comments.texts[${i}]`, t, kU16), "latin1");
  });
  const offsets = new Uint32Array(n + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  return {
    timestamps: ts,
    charSets,
    flags: typed("spec.comments.flags", o.flags, Uint8Array, n),
    colors: typed("spec.comments.colors", o.colors, Uint32Array, n),
    textBytes: new Uint8Array(Buffer.concat(parts)),
    textOffsets: offsets,
  };
}

/** Validates `spec` and fills every default; exported for tests of the defaults. @internal */
export function toRawNevSpec(spec: NevWriteSpec): RawNevWriteSpec {
  const s = obj("spec", spec, kSpecKeys);
  const version = checkOneOf("spec.version", s.version, ["2.1", "2.2", "2.3", "3.0"] as const);
  const v3 = version === "3.0";
  const [major, minor] = version.split(".").map(Number) as [number, number];
  const sp = spikes(s.spikes);
  const dig = digital(s.digitalEvents);
  const samples = sp?.samplesPerWaveform ?? kDefaultSamples;
  const minPacket = dig.analog ? 20 : v3 ? 14 : 10;
  const packetBytes = int("spec.packetBytes", s.packetBytes, kU32, minPacket,
    Math.max(minPacket, (v3 ? 12 : 8) + 2 * samples));
  if (dig.analog && v3) throw invalidOption("spec.digitalEvents.analog", "undefined for a 3.0 file (no analog fields)", "an Int16Array", true);
  const processorTimestamp = int("spec.processorTimestamp", s.processorTimestamp, kU32, 0, 0);
  const defaultWidth = version === "2.3" || v3 ? samples : 0;
  return {
    fileId: s.fileId === undefined ? (v3 ? "BREVENTS" : "NEURALEV") : checkOneOf("spec.fileId", s.fileId, ["NEURALEV", "BREVENTS"] as const),
    versionMajor: major,
    versionMinor: minor,
    additionalFlags: int("spec.additionalFlags", s.additionalFlags, kU16, 0, 1),
    packetBytes,
    timestampResolution: int("spec.timestampResolution", s.timestampResolution, kU32, 1, 30000),
    sampleResolution: int("spec.sampleResolution", s.sampleResolution, kU32, 0, 30000),
    timeOrigin: timeOrigin(s.timeOrigin),
    application: latin1("spec.application", s.application ?? "rplpipe", 32),
    comment: latin1("spec.comment", s.comment ?? "", processorTimestamp !== 0 ? 252 : 256),
    processorTimestamp,
    ...headerLists(s, defaultWidth),
    digital: dig,
    spikes: sp ?? { timestamps: new BigUint64Array(0), electrodes: new Uint16Array(0), units: new Uint8Array(0),
      waveforms: new Int16Array(0), samplesPerWaveform: 0 },
    comments: comments(s.comments),
  };
}

/**
 * Writes a .nev file: headers, then digital, spike and comment packets merged by timestamp (each stream keeps
 * its own order). The file appears under `path` only when complete (temporary name + rename).
 * @example
 * writeNev("out.nev", { version: "2.3", digitalEvents: { timestamps: new BigUint64Array([5n]),
 *   reasons: Uint8Array.of(1), values: Uint16Array.of(128) } });
 * @throws {TypeError|RangeError} for a malformed spec (names the field, e.g. `spec.labels[3].label`).
 * @throws {RecordingFormatError} ERR_RANGE for data the format cannot hold (a 2.x timestamp ≥ 2^32, electrode
 *   id outside 1..16384, a waveform longer than the packet, an int8 sample outside −128..127, a comment longer
 *   than the packet); ERR_WRITE when the file cannot be created, written or renamed.
 */
export function writeNev(path: string, spec: NevWriteSpec): void {
  const p = checkString("path", path);
  const raw = toRawNevSpec(spec);
  const b = binding();
  callNative(() => b.writeNev(p, raw));
}
