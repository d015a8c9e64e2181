/**
 * Reading NEV (.nev) event files: header, digital (parallel port / SMA) events, spikes and comments, as
 * columnar typed arrays in file order. Nothing is dropped by default; neo-compatible selections are explicit
 * (`parallelPortEvents("neo")`, `spikes({ selection: "neo" })`) so the difference is visible. docs/nev.md
 * explains every rule and each deliberate difference from neo.
 */
import { RplpipeError } from "../errors.js";
import { callNative } from "../native/call.js";
import { binding } from "../native/load.js";
import type { RawNevReader } from "../native/nev-binding.js";
import { checkKnownKeys, checkOneOf, checkString, isPlainObject } from "../validate.js";
import { invalidOption } from "../errors.js";
import type {
  NevComments,
  NevDigitalEvents,
  NevDigitizationOptions,
  NevHeader,
  NevPacketCounts,
  NevSpikeOptions,
  NevSpikes,
  NevVersion,
  ParallelPortMode,
} from "./nev-types.js";

export type * from "./nev-types.js";

/** The Cerebus digitization-factor overflow value and its replacement (NPMK openNEV, used by neo for NSx 2.1). */
const kOverflowFactor = 21516;
const kOverflowReplacement = 152592.547;

function checkOptions(name: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalidOption(name, "an options object", options);
  checkKnownKeys(name, options, known);
  return options;
}

/**
 * Which digital events are parallel-port markers (see {@link ParallelPortMode}).
 * @returns one byte per event, 1 = selected.
 * @throws {TypeError|RangeError} for an unknown version or mode.
 */
export function parallelPortMask(reasons: Uint8Array, version: NevVersion, mode: ParallelPortMode): Uint8Array {
  const v = checkOneOf("version", version, ["2.1", "2.2", "2.3", "3.0"] as const);
  const m = checkOneOf("mode", mode, ["neo", "all-parallel"] as const);
  const exact = m === "neo" && (v === "2.1" || v === "2.2"); // neo >= 0.8: equality for 2.1/2.2 (python-neo #671)
  const out = new Uint8Array(reasons.length);
  for (let i = 0; i < reasons.length; i++) {
    const r = reasons[i]!;
    out[i] = (exact ? r === 1 : (r & 0x01) !== 0 && (r & 0x80) === 0) ? 1 : 0;
  }
  return out;
}

function indicesOf(mask: Uint8Array): Uint32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  const idx = new Uint32Array(n);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i]) idx[k++] = i;
  return idx;
}

/** Rows `idx` of digital events (analog rows of 5 follow). */
function takeDigital(e: NevDigitalEvents, idx: Uint32Array): NevDigitalEvents {
  const out: NevDigitalEvents = {
    timestamps: new BigUint64Array(idx.length),
    seconds: new Float64Array(idx.length),
    reasons: new Uint8Array(idx.length),
    values: new Uint16Array(idx.length),
  };
  const analog = e.analog ? new Int16Array(idx.length * 5) : undefined;
  idx.forEach((j, k) => {
    out.timestamps[k] = e.timestamps[j]!;
    out.seconds[k] = e.seconds[j]!;
    out.reasons[k] = e.reasons[j]!;
    out.values[k] = e.values[j]!;
    if (analog) analog.set(e.analog!.subarray(5 * j, 5 * j + 5), 5 * k);
  });
  if (analog) out.analog = analog;
  return out;
}

/** Samples in one packet's waveform field for electrode `e` (same rule as the C++ reader). */
function fieldSamples(h: NevHeader, e: number): number {
  const field = h.packetBytes - (h.version === "3.0" ? 12 : 8);
  if (h.additionalFlags & 1) return Math.floor(field / 2);
  const b = h.waveformHeaders.find((w) => w.electrodeId === e)?.bytesPerSample ?? 2;
  return Math.floor(field / (b <= 1 ? 1 : b));
}

/**
 * neo's spike selection: ids in neo's range that have a NEUEVWAV header; for 2.3/3.0 the last `spikeWidth`
 * samples of each waveform (neo reads `spike_width × bytes` from the end of the field). Electrodes with
 * different spike widths are zero-padded to the widest.
 */
function neoSpikes(h: NevHeader, s: NevSpikes): NevSpikes {
  const maxId = h.version === "2.1" || h.version === "2.2" ? 255 : 2048;
  const width = new Map<number, number>();
  for (const w of h.waveformHeaders) if (!width.has(w.electrodeId)) width.set(w.electrodeId, w.spikeWidth);
  const trim = h.version === "2.3" || h.version === "3.0";
  const keep: number[] = [];
  let outW = trim ? 0 : s.samplesPerWaveform;
  for (let i = 0; i < s.electrodes.length; i++) {
    const e = s.electrodes[i]!;
    if (e > maxId || !width.has(e)) continue;
    keep.push(i);
    if (trim) outW = Math.max(outW, Math.min(width.get(e)!, s.samplesPerWaveform));
  }
  const n = keep.length;
  const out: NevSpikes = {
    timestamps: new BigUint64Array(n),
    seconds: new Float64Array(n),
    electrodes: new Uint16Array(n),
    units: new Uint8Array(n),
    waveforms: new Int16Array(n * outW),
    samplesPerWaveform: outW,
  };
  const inW = s.samplesPerWaveform;
  keep.forEach((j, k) => {
    const e = s.electrodes[j]!;
    out.timestamps[k] = s.timestamps[j]!;
    out.seconds[k] = s.seconds[j]!;
    out.electrodes[k] = e;
    out.units[k] = s.units[j]!;
    // A row holds the electrode's whole waveform field (then zero padding for wider-sample electrodes);
    // neo's 2.3/3.0 waveform is the last spikeWidth samples of that field.
    const inField = Math.min(inW, fieldSamples(h, e));
    const w = trim ? Math.min(width.get(e)!, inField) : inField;
    out.waveforms.set(s.waveforms.subarray(j * inW + inField - w, j * inW + inField), k * outW);
  });
  return out;
}

/**
 * One open .nev file (memory-mapped). Methods are synchronous and return fresh arrays on every call.
 * Call {@link NevFile.close} when done (unmaps the file); methods then throw `RplpipeError` `ERR_CLOSED`.
 */
export class NevFile {
  /** Basic and extended headers, parsed and validated at open. */
  readonly header: NevHeader;
  #raw: RawNevReader | undefined;

  /** @internal use {@link openNev}. */
  constructor(raw: RawNevReader) {
    this.#raw = raw;
    this.header = callNative(() => raw.header()) as NevHeader;
  }

  #open(): RawNevReader {
    if (!this.#raw) throw new RplpipeError("ERR_CLOSED", `NEV file ${this.header.path} is closed`);
    return this.#raw;
  }

  /**
   * Packets per class (one pass over the file).
   * @throws {RplpipeError} ERR_CLOSED after close().
   */
  packetCounts(): NevPacketCounts {
    const raw = this.#open();
    return callNative(() => raw.packetCounts());
  }

  /**
   * Every digital packet (id 0) in file order, whatever its insertion reason.
   * @throws {RplpipeError} ERR_CLOSED after close().
   */
  digitalEvents(): NevDigitalEvents {
    const raw = this.#open();
    const r = callNative(() => raw.digitalEvents());
    const out: NevDigitalEvents = { timestamps: r.timestamps, seconds: r.seconds, reasons: r.reasons, values: r.values };
    if (r.analog) out.analog = r.analog;
    return out;
  }

  /**
   * Parallel-port marker events: `"neo"` (default) gives exactly neo's `digital_input_port`, `"all-parallel"`
   * also keeps packets whose reason has other bits set beside bit 0 (Ripple strobe + SMA). See
   * {@link ParallelPortMode}.
   * @throws {TypeError|RangeError} for an unknown mode. {@link RplpipeError} ERR_CLOSED after close().
   */
  parallelPortEvents(mode: ParallelPortMode = "neo"): NevDigitalEvents {
    checkOneOf("mode", mode, ["neo", "all-parallel"] as const);
    const all = this.digitalEvents();
    return takeDigital(all, indicesOf(parallelPortMask(all.reasons, this.header.version, mode)));
  }

  /**
   * Spike packets in file order; `{ selection: "neo" }` applies neo's electrode ranges and waveform width.
   * @throws {TypeError|RangeError} for bad options. {@link RecordingFormatError} ERR_BAD_FIELD when a NEUEVWAV
   *   header has an impossible bytes-per-sample. {@link RplpipeError} ERR_CLOSED after close().
   */
  spikes(options?: NevSpikeOptions): NevSpikes {
    const o = checkOptions("options", options, ["selection"]);
    const selection = o.selection === undefined ? "all" : checkOneOf("options.selection", o.selection, ["all", "neo"] as const);
    const raw = this.#open();
    const s: NevSpikes = callNative(() => raw.spikes());
    return selection === "neo" ? neoSpikes(this.header, s) : s;
  }

  /**
   * Comment packets (id 0xFFFF), texts decoded by char set (UTF-16LE for 1, latin-1 otherwise). Read for every
   * version (neo only lists them for 2.3/3.0).
   * @throws {RplpipeError} ERR_CLOSED after close().
   */
  comments(): NevComments {
    const raw = this.#open();
    return callNative(() => raw.comments());
  }

  /**
   * nV per bit for each electrode with a NEUEVWAV header (first header wins if repeated). By default 21516 is
   * replaced by 152592.547, the NPMK workaround for a Cerebus overflow that neo applies when scaling NSx 2.1
   * signals (neo's spike waveform gain uses the raw value: pass `{ overflowWorkaround: false }` for that).
   * @throws {TypeError} for bad options.
   */
  digitizationFactors(options?: NevDigitizationOptions): Map<number, number> {
    const o = checkOptions("options", options, ["overflowWorkaround"]);
    const fix = o.overflowWorkaround === undefined ? true : o.overflowWorkaround;
    if (typeof fix !== "boolean") throw invalidOption("options.overflowWorkaround", "boolean", fix);
    const out = new Map<number, number>();
    for (const w of this.header.waveformHeaders) {
      if (out.has(w.electrodeId)) continue;
      out.set(w.electrodeId, fix && w.digitizationFactor === kOverflowFactor ? kOverflowReplacement : w.digitizationFactor);
    }
    return out;
  }

  /** Unmaps the file. Idempotent. */
  close(): void {
    this.#raw?.close();
    this.#raw = undefined;
  }
}

/**
 * Opens a .nev file (spec 2.1, 2.2, 2.3 or 3.0) and validates its header.
 * @example
 * const nev = openNev("session/datafile001.nev");
 * const markers = nev.parallelPortEvents("neo"); // {timestamps, seconds, reasons, values}
 * nev.close();
 * @throws {TypeError} when `path` is not a non-empty string.
 * @throws {RecordingFormatError} ERR_FILE_OPEN (missing/unreadable), ERR_TRUNCATED (file ends inside the
 *   headers), ERR_BAD_MAGIC (not a NEV file; names NSx/NFx files), ERR_UNSUPPORTED_VERSION, ERR_HEADER_LENGTH
 *   (bytes_in_headers ≠ 336 + 32·n), ERR_BAD_FIELD (packet size or timestamp resolution impossible).
 */
export function openNev(path: string): NevFile {
  const p = checkString("path", path);
  const b = binding();
  return new NevFile(callNative(() => new b.NevReader(p)));
}
