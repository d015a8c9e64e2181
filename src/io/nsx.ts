/**
 * Reading NSx (.ns1-.ns6) continuous files: headers, segments, and any channel subset / sample range as raw
 * int16 or neo-scaled float32, de-interleaved in C++ straight into typed arrays (yours with the *Into
 * methods, so chunked reads allocate nothing). The file is memory-mapped: reading part of a 30 GB file
 * touches only that part. docs/nsx.md explains the segment and scaling rules and the differences from neo.
 */
import { RplpipeError, invalidOption } from "../errors.js";
import { callNative } from "../native/call.js";
import { binding } from "../native/load.js";
import type { RawNsxReader, RawNsxReaderOptions } from "../native/nsx-binding.js";
import { checkInteger, checkKnownKeys, checkNumber, checkString, isPlainObject } from "../validate.js";
import type {
  NsxHeader,
  NsxReadOptions,
  NsxSegment,
  NsxTimestampOptions,
  NsxVersion,
  OpenNsxOptions,
} from "./nsx-types.js";

export type * from "./nsx-types.js";

function checkOptions(name: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalidOption(name, "an options object", options);
  checkKnownKeys(name, options, known);
  return options;
}

/** options.start / options.count within a segment of `n` samples (default: from 0 to the end). */
function sampleRange(o: Record<string, unknown>, n: number): { start: number; count: number } {
  const start = o.start === undefined ? 0 : checkInteger("options.start", o.start, 0, n);
  const count = o.count === undefined ? n - start : checkInteger("options.count", o.count, 0, n - start);
  return { start, count };
}

/** Map or plain object of electrode id -> factor, as parallel typed arrays for the binding. */
function digitizationArrays(v: unknown): { ids: Uint32Array; factors: Float64Array } {
  const name = "options.digitizationFactors";
  let entries: [unknown, unknown][];
  if (v instanceof Map) entries = [...(v as Map<unknown, unknown>).entries()];
  else if (isPlainObject(v)) entries = Object.entries(v).map(([k, f]) => [Number(k), f]);
  else throw invalidOption(name, "a Map or object of electrode id -> nV per bit", v);
  const ids = new Uint32Array(entries.length);
  const factors = new Float64Array(entries.length);
  entries.forEach(([id, f], i) => {
    ids[i] = checkInteger(`${name} key`, id, 0, 0xffffffff);
    factors[i] = checkNumber(`${name}[${String(id)}]`, f, 0, Number.MAX_VALUE, true);
  });
  return { ids, factors };
}

/**
 * Opens an NSx file and reads its headers and segment table (nothing else is read until asked).
 * @param path an .ns1-.ns6 file of spec 2.1, 2.2, 2.3 or 3.0 (standard or PTP).
 * @example
 * const f = openNsx("session01.ns5");
 * const [ch0] = f.readScaled({ channels: [0], start: 0, count: 30000 });
 * f.close();
 * @throws {TypeError|RangeError} for bad options; RangeError when `digitizationFactors` lacks an electrode of
 *   a 2.1 file.
 * @throws {RecordingFormatError} ERR_FILE_OPEN, ERR_TRUNCATED, ERR_BAD_MAGIC (e.g. a Ripple .nfX float file),
 *   ERR_UNSUPPORTED_VERSION, ERR_HEADER_LENGTH, ERR_NO_CHANNELS, ERR_BAD_FIELD, ERR_BAD_BLOCK_HEADER,
 *   ERR_BLOCK_PAST_EOF: each names the file, byte offset, expected and found values.
 */
export function openNsx(path: string, options?: OpenNsxOptions): NsxFile {
  checkString("path", path);
  const o = checkOptions("options", options, ["gapToleranceMs", "neoCompatible", "digitizationFactors"]);
  const raw: RawNsxReaderOptions = {};
  if (o.gapToleranceMs !== undefined)
    raw.gapToleranceMs = checkNumber("options.gapToleranceMs", o.gapToleranceMs, 0, Infinity);
  if (o.neoCompatible !== undefined) {
    if (typeof o.neoCompatible !== "boolean") throw invalidOption("options.neoCompatible", "boolean", o.neoCompatible);
    raw.neoCompatible = o.neoCompatible;
  }
  if (o.digitizationFactors !== undefined) {
    const { ids, factors } = digitizationArrays(o.digitizationFactors);
    raw.digitizationIds = ids;
    raw.digitizationFactors = factors;
  }
  const reader = callNative(() => new (binding().NsxReader)(path, raw));
  try {
    return new NsxFile(reader, raw.neoCompatible === true, raw.digitizationIds);
  } catch (e) {
    reader.close();
    throw e;
  }
}

/**
 * One open NSx file (memory-mapped). Reads are synchronous (run them in a worker for big files) and
 * de-interleave in C++ with SIMD. Call {@link NsxFile.close} when done; methods then throw `RplpipeError`
 * `ERR_CLOSED`.
 */
export class NsxFile {
  /** Basic and extended headers plus the segment table, parsed and validated at open. */
  readonly header: NsxHeader;
  #raw: RawNsxReader | undefined;

  /** @internal use {@link openNsx}. */
  constructor(raw: RawNsxReader, neoCompatible: boolean, digitizationIds?: Uint32Array) {
    this.#raw = raw;
    const h = callNative(() => raw.header());
    this.header = { ...h, version: h.version as NsxVersion, neoCompatible };
    if (digitizationIds && this.header.version === "2.1") {
      const known = new Set(digitizationIds);
      const missing = this.header.channels.filter((c) => !known.has(c.electrodeId)).map((c) => c.electrodeId);
      if (missing.length > 0)
        throw new RangeError(
          `Expected a digitization factor for every electrode of ${h.path} in options.digitizationFactors but ` +
            `electrode(s) ${missing.join(", ")} have none (neo fails on such a NEV/NSx pair too)`,
        );
    }
  }

  /** True after close(). */
  get closed(): boolean {
    return this.#raw === undefined;
  }

  #open(): RawNsxReader {
    if (!this.#raw) throw new RplpipeError("ERR_CLOSED", `NSx file ${this.header.path} is closed`);
    return this.#raw;
  }

  /** Index of the channel recorded from `electrodeId`, or -1. */
  channelIndexOf(electrodeId: number): number {
    return this.header.channels.find((c) => c.electrodeId === electrodeId)?.index ?? -1;
  }

  /** Validated selection: channel indices, segment, start, count (defaults filled). */
  #selection(options: unknown): { channels: Uint32Array; segment: NsxSegment; start: number; count: number } {
    const o = checkOptions("options", options, ["channels", "segment", "start", "count"]);
    const h = this.header;
    const nch = h.channels.length;
    let channels: Uint32Array;
    if (o.channels === undefined) {
      channels = Uint32Array.from(h.channels, (c) => c.index);
    } else {
      if (!Array.isArray(o.channels))
        throw invalidOption("options.channels", "an array of channel indices", o.channels);
      const list = o.channels as unknown[];
      channels = Uint32Array.from(list, (c, i) => checkInteger(`options.channels[${i}]`, c, 0, nch - 1));
    }
    if (h.segments.length === 0)
      throw new RangeError(`Expected a file with data for options.segment but ${h.path} has no segments`);
    const segIndex = o.segment === undefined ? 0 : checkInteger("options.segment", o.segment, 0, h.segments.length - 1);
    const segment = h.segments[segIndex]!;
    return { channels, segment, ...sampleRange(o, segment.sampleCount) };
  }

  #checkOutputs(outputs: unknown, ctor: typeof Int16Array | typeof Float32Array, n: number, count: number): void {
    const type = ctor.name;
    if (!Array.isArray(outputs)) throw invalidOption("outputs", `an array of ${type}`, outputs);
    if (outputs.length !== n) throw invalidOption("outputs", `${n} arrays (one per selected channel)`, outputs, true);
    outputs.forEach((a: unknown, i) => {
      if (!(a instanceof ctor)) throw invalidOption(`outputs[${i}]`, type, a);
      if (a.length < count)
        throw invalidOption(`outputs[${i}]`, `${type} of length >= ${count}`, `length ${a.length}`, true);
    });
  }

  /**
   * Reads raw int16 samples, one new array per selected channel.
   * @throws {TypeError|RangeError} for bad options (unknown channel, segment or sample range).
   * @throws {RplpipeError} ERR_CLOSED after close().
   */
  readRaw(options?: NsxReadOptions): Int16Array[] {
    const s = this.#selection(options);
    const outs = Array.from(s.channels, () => new Int16Array(s.count));
    this.#read(false, s, outs);
    return outs;
  }

  /**
   * Reads samples scaled to physical units (NsxChannel.units) as float32, bit-identical to neo's
   * `rescale_signal_raw_to_float(get_analogsignal_chunk(...))`.
   * @throws {TypeError|RangeError} for bad options.
   * @throws {RecordingFormatError} ERR_BAD_FIELD for a channel without defined scaling (maxDigital == minDigital).
   * @throws {RplpipeError} ERR_CLOSED after close().
   */
  readScaled(options?: NsxReadOptions): Float32Array[] {
    const s = this.#selection(options);
    const outs = Array.from(s.channels, () => new Float32Array(s.count));
    this.#read(true, s, outs);
    return outs;
  }

  /**
   * Like {@link NsxFile.readRaw} into your arrays (one per selected channel, each at least `count` long; values
   * land at 0..count-1). Zero-copy: C++ writes straight into them.
   * @throws {TypeError|RangeError} for bad options or outputs. {@link RplpipeError} ERR_CLOSED after close().
   */
  readRawInto(outputs: Int16Array[], options?: NsxReadOptions): void {
    const s = this.#selection(options);
    this.#checkOutputs(outputs, Int16Array, s.channels.length, s.count);
    this.#read(false, s, outputs);
  }

  /**
   * Like {@link NsxFile.readScaled} into your Float32Arrays (reuse them across chunks).
   * @throws {TypeError|RangeError} for bad options or outputs. {@link RecordingFormatError} ERR_BAD_FIELD as
   *   readScaled. {@link RplpipeError} ERR_CLOSED after close().
   */
  readScaledInto(outputs: Float32Array[], options?: NsxReadOptions): void {
    const s = this.#selection(options);
    this.#checkOutputs(outputs, Float32Array, s.channels.length, s.count);
    this.#read(true, s, outputs);
  }

  #read(
    scaled: boolean,
    s: { channels: Uint32Array; segment: NsxSegment; start: number; count: number },
    outs: Int16Array[] | Float32Array[],
  ): void {
    const raw = this.#open();
    if (scaled) callNative(() => raw.readScaled(s.channels, s.segment.index, s.start, s.count, outs as Float32Array[]));
    else callNative(() => raw.readRaw(s.channels, s.segment.index, s.start, s.count, outs as Int16Array[]));
  }

  /**
   * PTP files: the nanosecond timestamp of every sample of a segment (or of `start`..`start+count`).
   * @throws {RplpipeError} ERR_NOT_PTP for a file that is not PTP (use NsxSegment.timestamp there);
   *   ERR_CLOSED after close().
   * @throws {TypeError|RangeError} for a bad segment or range.
   */
  ptpTimestamps(segment = 0, options?: NsxTimestampOptions): BigUint64Array {
    const h = this.header;
    if (!h.ptp)
      throw new RplpipeError(
        "ERR_NOT_PTP",
        `${h.path} is not a PTP file (timestamp resolution ${h.timestampResolution}); its segments have one ` +
          "timestamp each (NsxSegment.timestamp), sample i is at timestamp + i * period ticks of 1/30000 s",
      );
    const o = checkOptions("options", options, ["start", "count"]);
    const seg = h.segments[checkInteger("segment", segment, 0, h.segments.length - 1)]!;
    const { start, count } = sampleRange(o, seg.sampleCount);
    const raw = this.#open();
    return callNative(() => raw.ptpTimestamps(seg.index, start, count));
  }

  /** Unmaps the file. Idempotent. */
  close(): void {
    this.#raw?.close();
    this.#raw = undefined;
  }
}
