/**
 * PyHipp's two per-channel filter chains (spec/pyhipp.md §3.4–3.5), every parameter configurable under
 * PyHipp's own names:
 * - LFP (RPLLFP): resample `samplingRate` → `ResampleRate` (scipy resample_poly, Kaiser β 5), then a
 *   Butterworth band-pass `LowPassFrequency` of order `LFPOrder / 2`, zero-phase.
 * - spike band (RPLHighPass): Butterworth band-pass `HighPassFrequency` of order `HighOrder / 2`, zero-phase,
 *   at the recording rate.
 * Both pad like PyHipp's filtfilt (odd, padlen 3·(ntaps − 1) = 24 for the defaults). The filter runs as
 * second-order sections by default — equal to PyHipp's (b, a) results within 1e-6 of the RMS for the
 * defaults and stable for any parameters; `form: "ba"` reproduces PyHipp's transfer-function arithmetic.
 */
import { invalidOption } from "../errors.js";
import { checkInteger, checkKnownKeys, checkNumber, checkOneOf, isPlainObject } from "../validate.js";
import { butter, sosPadlen } from "./butter.js";
import { filtfiltBa, sosToBa } from "./ba-filtfilt.js";
import { allocChannelOutputs } from "./channel-arrays.js";
import { sosfiltfilt, sosfiltfiltChannels, sosfiltfiltInterleaved, type PadType } from "./filter.js";
import { resamplePoly, resamplePolyChannels, resampledLength } from "./resample.js";

export type FilterForm = "sos" | "ba";

/** RPLLFP's parameters (PyHipp names) plus the input rate and the filter form. */
export interface LfpChainOptions {
  /** Input sampling rate in Hz (integer). Default 30000. */
  samplingRate?: number;
  /** Output rate in Hz (integer, ≤ samplingRate). PyHipp `ResampleRate`, default 1000. */
  resampleRate?: number;
  /** PyHipp `LFPOrder` (even, 2..64): the band-pass has order LFPOrder/2. Default 8. */
  lfpOrder?: number;
  /** PyHipp `LowPassFrequency` [low, high] in Hz, 0 < low < high < resampleRate/2. Default [1, 150]. */
  lowPassFrequency?: readonly [number, number];
  /** "sos" (default) or "ba" (PyHipp's own arithmetic). */
  form?: FilterForm;
  /** filtfilt padding: default "odd" with PyHipp's padlen. */
  padtype?: PadType;
  padlen?: number | "pyhipp" | "scipy";
}

/** RPLHighPass's parameters (PyHipp names) plus the input rate and the filter form. */
export interface HighpassChainOptions {
  samplingRate?: number;
  /** PyHipp `HighOrder` (even, 2..64): the band-pass has order HighOrder/2. Default 8. */
  highOrder?: number;
  /** PyHipp `HighPassFrequency` [low, high] in Hz, 0 < low < high < samplingRate/2. Default [500, 7500]. */
  highPassFrequency?: readonly [number, number];
  form?: FilterForm;
  padtype?: PadType;
  padlen?: number | "pyhipp" | "scipy";
}

export const kDefaultLfpChain: Readonly<Required<LfpChainOptions>> = Object.freeze({
  samplingRate: 30000,
  resampleRate: 1000,
  lfpOrder: 8,
  lowPassFrequency: Object.freeze([1, 150]) as readonly [number, number],
  form: "sos",
  padtype: "odd",
  padlen: "pyhipp",
});

export const kDefaultHighpassChain: Readonly<Required<HighpassChainOptions>> = Object.freeze({
  samplingRate: 30000,
  highOrder: 8,
  highPassFrequency: Object.freeze([500, 7500]) as readonly [number, number],
  form: "sos",
  padtype: "odd",
  padlen: "pyhipp",
});

/** LFP chain options with every default filled in. */
export type FilledLfpChainOptions = Required<LfpChainOptions>;
/** Spike-band chain options with every default filled in. */
export type FilledHighpassChainOptions = Required<HighpassChainOptions>;

function band(name: string, v: unknown, nyquist: number): readonly [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw invalidOption(name, "[low, high] pair of numbers in Hz", v);
  const lo = checkNumber(`${name}[0]`, v[0], 0, nyquist, true);
  const hi = checkNumber(`${name}[1]`, v[1], 0, nyquist, true);
  if (!(lo < hi)) throw invalidOption(`${name}[1]`, `number greater than ${name}[0] = ${lo}`, hi, true);
  return [lo, hi];
}

function evenOrder(name: string, v: unknown): number {
  const o = checkInteger(name, v, 2, 64);
  if (o % 2 !== 0) throw invalidOption(name, "even integer between 2 and 64 (PyHipp halves it)", o, true);
  return o;
}

function common<T extends { form: FilterForm; padtype: PadType; padlen: number | "pyhipp" | "scipy" }>(
  o: Record<string, unknown>,
  f: T,
): void {
  f.form = checkOneOf("options.form", o.form ?? f.form, ["sos", "ba"] as const);
  f.padtype = checkOneOf("options.padtype", o.padtype ?? f.padtype, ["odd", "even", "constant", "none"] as const);
  const p = o.padlen ?? f.padlen;
  f.padlen = p === "pyhipp" || p === "scipy" ? p : checkInteger("options.padlen", p, 0, 2 ** 31);
  if (f.form === "ba" && f.padtype !== "odd") throw invalidOption("options.padtype", '"odd" with form "ba"', f.padtype, true);
}

/** Validates LFP chain options and fills the defaults. @throws {TypeError | RangeError} */
export function lfpChainOptions(options?: LfpChainOptions): FilledLfpChainOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  if (!isPlainObject(o)) throw invalidOption("options", "an options object", options);
  checkKnownKeys("options", o, Object.keys(kDefaultLfpChain));
  const f = { ...kDefaultLfpChain } as FilledLfpChainOptions;
  f.samplingRate = checkInteger("options.samplingRate", o.samplingRate ?? f.samplingRate, 1, 10_000_000);
  f.resampleRate = checkInteger("options.resampleRate", o.resampleRate ?? f.resampleRate, 1, f.samplingRate);
  f.lfpOrder = evenOrder("options.lfpOrder", o.lfpOrder ?? f.lfpOrder);
  f.lowPassFrequency = band("options.lowPassFrequency", o.lowPassFrequency ?? f.lowPassFrequency, f.resampleRate / 2);
  common(o, f);
  return f;
}

/** Validates spike-band chain options and fills the defaults. @throws {TypeError | RangeError} */
export function highpassChainOptions(options?: HighpassChainOptions): FilledHighpassChainOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  if (!isPlainObject(o)) throw invalidOption("options", "an options object", options);
  checkKnownKeys("options", o, Object.keys(kDefaultHighpassChain));
  const f = { ...kDefaultHighpassChain } as FilledHighpassChainOptions;
  f.samplingRate = checkInteger("options.samplingRate", o.samplingRate ?? f.samplingRate, 1, 10_000_000);
  f.highOrder = evenOrder("options.highOrder", o.highOrder ?? f.highOrder);
  f.highPassFrequency = band("options.highPassFrequency", o.highPassFrequency ?? f.highPassFrequency, f.samplingRate / 2);
  common(o, f);
  return f;
}

function zeroPhase(
  sos: Float64Array,
  x: Float32Array | Float64Array,
  f: { form: FilterForm; padtype: PadType; padlen: number | "pyhipp" | "scipy" },
): Float32Array {
  const out = new Float32Array(x.length);
  if (f.form === "sos") return sosfiltfilt(sos, x, { padtype: f.padtype, padlen: f.padlen }, out);
  const { b, a } = sosToBa(sos);
  const padlen = typeof f.padlen === "number" ? f.padlen : sosPadlen(sos, f.padlen);
  out.set(filtfiltBa(b, a, x, padlen));
  return out;
}

/** Number of LFP samples the chain makes from `n` input samples: ceil(n · resampleRate / samplingRate). */
export function lfpLength(n: number, options?: LfpChainOptions): number {
  const f = lfpChainOptions(options);
  return resampledLength(n, f.resampleRate, f.samplingRate);
}

/**
 * RPLLFP's chain on one channel: resample to `resampleRate`, then zero-phase band-pass. The input is the
 * channel in µV (float32 as read from the .ns5, or float64); the result is float32, as PyHipp stores it.
 * Intermediates are float64.
 * @throws {TypeError | RangeError} for bad options, or a signal too short for the filter padding.
 */
export function lfpChain(x: Float32Array | Float64Array, options?: LfpChainOptions): Float32Array {
  const f = lfpChainOptions(options);
  // Resampled straight into float64 (accumulation is double either way); no float64 copy of the input.
  const y = new Float64Array(resampledLength(x.length, f.resampleRate, f.samplingRate));
  resamplePoly(x, f.resampleRate, f.samplingRate, { out: y });
  const sos = butter(f.lfpOrder / 2, f.lowPassFrequency, { btype: "bandpass", fs: f.resampleRate });
  return zeroPhase(sos, y, f);
}

/**
 * {@link lfpChain} on several channels of equal length at once: they are resampled together, one channel
 * per SIMD lane (resamplePolyChannels), and band-passed together (8 lanes at a time with AVX-512): 8 channels ×
 * 10 min took 85–94 ms against 118–137 ms for one call per channel on the 2-core VM of bench/README.md (with
 * `outs` and `scratch` reused). Results equal {@link lfpChain} on each channel, bit for bit. The float64
 * intermediate is `lfpLength · channels` samples (38 MB for 8 channels × 10 min).
 * @param outs where the LFPs go (default: new arrays, views of one buffer from `channelArrays`)
 * @param scratch room for the float64 intermediate, at least `lfpLength · channels` samples (default: a new
 *   array); a caller that runs the chain again and again passes the same one, so no fresh memory is faulted
 *   in each time
 * @throws {TypeError | RangeError} for bad options, channels of different lengths or types, `outs` or
 *   `scratch` not matching, or signals too short for the filter padding.
 */
export function lfpChainChannels(
  xs: readonly (Float32Array | Float64Array)[],
  options?: LfpChainOptions,
  outs?: Float32Array[],
  scratch?: Float64Array,
): Float32Array[] {
  const f = lfpChainOptions(options);
  if (!Array.isArray(xs)) throw invalidOption("xs", "an array of Float32Arrays or Float64Arrays", xs);
  const m = xs.map((x) => (x instanceof Float32Array || x instanceof Float64Array ? resampledLength(x.length, f.resampleRate, f.samplingRate) : -1));
  if (outs !== undefined && (!Array.isArray(outs) || outs.length !== xs.length || outs.some((o, i) => !(o instanceof Float32Array) || o.length !== m[i])))
    throw invalidOption("outs", `${xs.length} Float32Arrays of lfpLength(input length) samples`, outs);
  if (xs.length === 0) return [];
  const alike = xs.every((x) => x.constructor === xs[0]!.constructor && x.length === xs[0]!.length);
  // The ba form (and unlike channels) go one by one: filtfilt(b, a) has no multi-channel kernel.
  if (f.form === "ba" || !alike || xs.length === 1) return xs.map((x, i) => (outs ? (outs[i]!.set(lfpChain(x, f)), outs[i]!) : lfpChain(x, f)));
  const nch = xs.length;
  const len = m[0]!;
  if (scratch !== undefined && (!(scratch instanceof Float64Array) || scratch.length < len * nch))
    throw invalidOption("scratch", `a Float64Array of at least ${len * nch} samples (lfpLength x channels)`, scratch);
  const y = resamplePolyChannels(xs, f.resampleRate, f.samplingRate, { out: scratch ? scratch.subarray(0, len * nch) : new Float64Array(len * nch) });
  const sos = butter(f.lfpOrder / 2, f.lowPassFrequency, { btype: "bandpass", fs: f.resampleRate });
  const o = outs ?? allocChannelOutputs(nch, len);
  sosfiltfiltInterleaved(sos, y, nch, { padtype: f.padtype, padlen: f.padlen }, o);
  return o;
}

/**
 * RPLHighPass's chain on one channel: zero-phase band-pass at the recording rate. float32 result.
 * @throws {TypeError | RangeError} for bad options, or a signal too short for the filter padding.
 */
export function highpassChain(x: Float32Array | Float64Array, options?: HighpassChainOptions): Float32Array {
  const f = highpassChainOptions(options);
  const sos = butter(f.highOrder / 2, f.highPassFrequency, { btype: "bandpass", fs: f.samplingRate });
  return zeroPhase(sos, x, f);
}

/**
 * {@link highpassChain} on several channels of equal length at once: the SOS form filters them together, one
 * channel per SIMD lane (8 at a time with AVX-512), which is several times faster than one call per channel.
 * Results equal {@link highpassChain} on each channel.
 * @param outs where the bands go (default: new arrays, views of one buffer from `channelArrays`);
 *   `outs[i]` may be `xs[i]`, which filters in place.
 * @throws {TypeError | RangeError} for bad options, channels of different lengths, `outs` not matching `xs`, or
 *   signals too short for the padding.
 */
export function highpassChainChannels(xs: readonly Float32Array[], options?: HighpassChainOptions, outs?: Float32Array[]): Float32Array[] {
  const f = highpassChainOptions(options);
  if (outs !== undefined && (!Array.isArray(outs) || outs.length !== xs.length || outs.some((o, i) => !(o instanceof Float32Array) || o.length !== xs[i]?.length)))
    throw invalidOption("outs", `${xs.length} Float32Arrays of the inputs' lengths (outs[i] may be xs[i]: in place)`, outs);
  if (xs.length === 0) return [];
  if (f.form === "ba") return xs.map((x, i) => (outs ? (outs[i]!.set(highpassChain(x, f)), outs[i]!) : highpassChain(x, f)));
  const sos = butter(f.highOrder / 2, f.highPassFrequency, { btype: "bandpass", fs: f.samplingRate });
  outs ??= xs.every((x) => x.length === xs[0]!.length) ? allocChannelOutputs(xs.length, xs[0]!.length) : xs.map((x) => new Float32Array(x.length));
  sosfiltfiltChannels(sos, xs, { padtype: f.padtype, padlen: f.padlen }, outs);
  return outs;
}
