/**
 * SOS filtering with scipy semantics: `sosfilt` (forward, optional initial state) and `sosfiltfilt`
 * (zero-phase, padded, steady-state start at both ends) for one channel, interleaved channels
 * (`x[t * nChannels + c]`, as NSx stores them) or one array per channel.
 *
 * All arithmetic and filter state is float64 whatever the sample type; Float32Array output is the float64
 * result rounded once (like PyHipp's `filtfilt(...).astype("float32")`). The native kernels run one channel
 * per SIMD lane (scalar, AVX2 or AVX-512, chosen at run time; all give identical bits) and write straight
 * into the output arrays. Synchronous calls are meant for worker threads; the `*Async` variants run on the
 * libuv pool and suit the main thread (do not transfer or modify the arrays until their promise settles).
 */
import { invalidOption } from "../errors.js";
import { callNative, translateNativeError } from "../native/call.js";
import type { FloatArray } from "../native/dsp-binding.js";
import { binding } from "../native/load.js";
import { checkInteger, checkKnownKeys, checkOneOf, isPlainObject } from "../validate.js";
import { checkSos, sosPadlen, type PadlenConvention } from "./butter.js";
import { allocChannelOutputs } from "./channel-arrays.js";

export type { FloatArray, PadlenConvention };

/** scipy's padtype: "odd" 2*x[0] - x[k] (default), "even" x[k], "constant" x[0], "none" no padding. */
export type PadType = "odd" | "even" | "constant" | "none";
const kPadCodes: Readonly<Record<PadType, number>> = Object.freeze({ none: 0, odd: 1, even: 2, constant: 3 });

export interface SosfiltfiltOptions {
  /** Edge extension. Default "odd" (scipy's and PyHipp's). */
  padtype?: PadType;
  /**
   * Samples added at each end: an integer >= 0, or a convention ({@link sosPadlen}): "pyhipp" (default,
   * `3 * (ntaps - 1)`, 24 for an order-4 band-pass, PyHipp's filtfilt) or "scipy" (`3 * ntaps`, 27).
   * Ignored when padtype is "none". The signal must be longer than padlen.
   */
  padlen?: number | PadlenConvention;
}
export interface FilledSosfiltfiltOptions {
  padtype: PadType;
  padlen: number | PadlenConvention;
}
export const kDefaultSosfiltfiltOptions: Readonly<FilledSosfiltfiltOptions> = Object.freeze({
  padtype: "odd",
  padlen: "pyhipp",
});

export interface SosfiltOptions {
  /**
   * Initial state, `[nSections][2][nChannels]` (scipy's zi for time on axis 0; `[nSections][2]` for one
   * channel). Overwritten with the final state, so consecutive calls continue the filter seamlessly.
   * Default: start at rest (zeros).
   */
  zi?: Float64Array;
}
export interface FilledSosfiltOptions {
  zi: Float64Array | null;
}
export const kDefaultSosfiltOptions: Readonly<FilledSosfiltOptions> = Object.freeze({ zi: null });

// ---------------------------------------------------------------------------------------------------------
// Validation

interface Signal {
  arrays: FloatArray[];
  nChannels: number;
  nSamples: number;
  interleaved: boolean;
}

function isFloatArray(v: unknown): v is FloatArray {
  return v instanceof Float32Array || v instanceof Float64Array;
}

function interleaved(name: string, x: unknown, nChannels: number): Signal {
  if (!isFloatArray(x)) throw invalidOption(name, "Float32Array or Float64Array", x);
  if (x.length % nChannels !== 0)
    throw invalidOption(`${name}.length`, `multiple of nChannels = ${nChannels}`, x.length, true);
  return { arrays: [x], nChannels, nSamples: x.length / nChannels, interleaved: true };
}

function channels(name: string, list: unknown): Signal {
  if (!Array.isArray(list) || list.length === 0)
    throw invalidOption(name, "non-empty array of Float32Array or Float64Array", list);
  const first = list[0] as unknown;
  for (let c = 0; c < list.length; c++) {
    const a = list[c] as unknown;
    if (!isFloatArray(a)) throw invalidOption(`${name}[${c}]`, "Float32Array or Float64Array", a);
    if (a.constructor !== (first as FloatArray).constructor)
      throw invalidOption(`${name}[${c}]`, `${(first as FloatArray).constructor.name} like ${name}[0]`, a);
    if (a.length !== (first as FloatArray).length)
      throw invalidOption(`${name}[${c}].length`, `${(first as FloatArray).length} like ${name}[0]`, a.length, true);
  }
  const arrays = list as FloatArray[];
  return { arrays, nChannels: arrays.length, nSamples: arrays[0]!.length, interleaved: false };
}

/** The output: given (interleaved array or one array per channel) or allocated in the input's layout and type. */
function output(out: unknown, x: Signal): Signal {
  if (out === undefined) {
    const Ctor = x.arrays[0]!.constructor as new (n: number) => FloatArray;
    if (x.interleaved) return { ...x, arrays: [new Ctor(x.nSamples * x.nChannels)] };
    return { ...x, arrays: newChannelArrays(Ctor, x.nChannels, x.nSamples) };
  }
  const y = Array.isArray(out) ? channels("out", out) : interleaved("out", out, x.nChannels);
  if (y.nChannels !== x.nChannels)
    throw invalidOption("out.length", `${x.nChannels} channel arrays`, y.nChannels, true);
  if (y.nSamples !== x.nSamples)
    throw invalidOption("out", `${x.nSamples} samples per channel like the input`, y.nSamples, true);
  return y;
}

/** Default channel outputs: float32 ones laid out by allocChannelOutputs (channelArrays), float64 separate. */
function newChannelArrays(Ctor: new (n: number) => FloatArray, count: number, length: number): FloatArray[] {
  if (Ctor === Float32Array) return allocChannelOutputs(count, length);
  return Array.from({ length: count }, () => new Ctor(length));
}

function byteRange(a: FloatArray): [number, number] {
  return [a.byteOffset, a.byteOffset + a.byteLength];
}

/**
 * Outputs may not overlap each other, nor an input, except as the very same array in the same role
 * (in-place filtering: `out === x`, or channel c written over channel c).
 */
function checkAliasing(x: Signal, y: Signal): void {
  const shared = (a: FloatArray, b: FloatArray): boolean => {
    if (a.buffer !== b.buffer) return false;
    const [a0, a1] = byteRange(a);
    const [b0, b1] = byteRange(b);
    return a0 < b1 && b0 < a1;
  };
  const outs = [...y.arrays].sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < outs.length; i++)
    if (shared(outs[i - 1]!, outs[i]!)) throw new RangeError("Output arrays overlap each other");
  const outBuffers = new Set(y.arrays.map((a) => a.buffer));
  x.arrays.forEach((xa, i) => {
    if (!outBuffers.has(xa.buffer)) return;
    y.arrays.forEach((ya, j) => {
      if (!shared(xa, ya)) return;
      const same = i === j && x.interleaved === y.interleaved && xa.byteOffset === ya.byteOffset &&
        xa.length === ya.length && xa.constructor === ya.constructor;
      if (!same)
        throw new RangeError(
          "The output overlaps the input; to filter in place pass the input array itself as the output",
        );
    });
  });
}

function resolveFiltfiltOptions(options: unknown): Readonly<FilledSosfiltfiltOptions> {
  if (options === undefined) return kDefaultSosfiltfiltOptions;
  if (!isPlainObject(options)) throw invalidOption("options", "object", options);
  checkKnownKeys("options", options, ["padtype", "padlen"]);
  const padtype =
    options.padtype === undefined
      ? kDefaultSosfiltfiltOptions.padtype
      : checkOneOf("options.padtype", options.padtype, ["odd", "even", "constant", "none"] as const);
  const raw: unknown = options.padlen === undefined ? kDefaultSosfiltfiltOptions.padlen : options.padlen;
  let padlen: number | PadlenConvention;
  if (typeof raw === "string") padlen = checkOneOf("options.padlen", raw, ["pyhipp", "scipy"] as const);
  else if (typeof raw === "number") padlen = checkInteger("options.padlen", raw, 0, 0xffffffff);
  else throw invalidOption("options.padlen", 'integer >= 0, "pyhipp" or "scipy"', raw);
  return Object.freeze({ padtype, padlen });
}

function resolveSosfiltOptions(options: unknown, nsec: number, nChannels: number): Readonly<FilledSosfiltOptions> {
  if (options === undefined) return kDefaultSosfiltOptions;
  if (!isPlainObject(options)) throw invalidOption("options", "object", options);
  checkKnownKeys("options", options, ["zi"]);
  const zi = options.zi ?? null;
  if (zi !== null) {
    if (!(zi instanceof Float64Array)) throw invalidOption("options.zi", "Float64Array", zi);
    if (zi.length !== nsec * 2 * nChannels)
      throw invalidOption("options.zi.length", `nSections * 2 * nChannels = ${nsec * 2 * nChannels}`, zi.length, true);
  }
  return Object.freeze({ zi });
}

// ---------------------------------------------------------------------------------------------------------
// Calls

type Mode = "sync" | "async";

/** Validates and calls synchronously, or on the thread pool with every error (ours or native) as a rejection. */
interface Prepared<R> {
  run: (async: boolean) => void | Promise<void>;
  result: R;
}
function settle<R>(mode: Mode, prepare: () => Prepared<R>): R | Promise<R> {
  if (mode === "sync") {
    const { run, result } = prepare();
    callNative(() => run(false));
    return result;
  }
  try {
    const { run, result } = prepare();
    return (callNative(() => run(true)) as Promise<void>).then(
      () => result,
      (e: unknown) => Promise.reject(translateNativeError(e)),
    );
  } catch (e) {
    return Promise.reject(e);
  }
}

function runFiltfilt(fn: string, mode: Mode, sos: unknown, x: () => Signal, out: unknown, options: unknown): unknown {
  return settle(mode, () => {
    checkSos("sos", sos);
    const o = resolveFiltfiltOptions(options);
    const xs = x();
    const ys = output(out, xs);
    checkAliasing(xs, ys);
    const padlen =
      o.padtype === "none" ? 0 : typeof o.padlen === "number" ? o.padlen : sosPadlen(sos as Float64Array, o.padlen);
    if (xs.nSamples <= padlen)
      throw new RangeError(
        `${fn}: the signal has ${xs.nSamples} samples per channel but padlen is ${padlen}; the signal must be longer ` +
          `than padlen. Filter a longer stretch, pass a smaller options.padlen, or options.padtype "none".`,
      );
    const args = [sos as Float64Array, xs.arrays, ys.arrays, xs.nChannels, kPadCodes[o.padtype], padlen] as const;
    return {
      run: (async: boolean) => (async ? binding().dspSosfiltfiltAsync(...args) : binding().dspSosfiltfilt(...args)),
      result: ys.interleaved ? ys.arrays[0]! : ys.arrays,
    };
  });
}

function runSosfilt(mode: Mode, sos: unknown, x: () => Signal, out: unknown, options: unknown): unknown {
  return settle(mode, () => {
    const nsec = checkSos("sos", sos);
    const xs = x();
    const ys = output(out, xs);
    checkAliasing(xs, ys);
    const { zi } = resolveSosfiltOptions(options, nsec, xs.nChannels);
    const args = [sos as Float64Array, xs.arrays, ys.arrays, xs.nChannels, zi] as const;
    return {
      run: (async: boolean) => (async ? binding().dspSosfiltAsync(...args) : binding().dspSosfilt(...args)),
      result: ys.arrays[0]!,
    };
  });
}

const nch = (n: unknown): number => checkInteger("nChannels", n, 1, 0xffffffff);

// ---------------------------------------------------------------------------------------------------------
// Public API. Shared contract of every function below:
// @throws {TypeError} wrong argument types, unknown or misspelled option names.
// @throws {RangeError} a bad SOS (see checkSos), nChannels not dividing x.length, an output or zi of the wrong
//   size, outputs overlapping each other or the input (other than `out === x`), a signal not longer than padlen.
// Async variants never throw: they return a promise rejected with the same errors.

/**
 * Forward-filters one channel, `scipy.signal.sosfilt(sos, x, zi=options.zi)`.
 * @param sos Second-order sections from {@link butter} (any `[n][6]` Float64Array with a0 = 1).
 * @param x Samples, Float32Array or Float64Array.
 * @param options `zi`: initial state `[nSections][2]`, overwritten with the final state. Default: at rest.
 * @param out Output of `x.length` samples, Float32Array or Float64Array, may be `x`. Default: new array of x's type.
 * @returns `out`.
 */
export function sosfilt<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, x: X, options?: SosfiltOptions, out?: O): O {
  return runSosfilt("sync", sos, () => interleaved("x", x, 1), out, options) as O;
}
/** {@link sosfilt} on the libuv thread pool. */
export function sosfiltAsync<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, x: X, options?: SosfiltOptions, out?: O): Promise<O> {
  return runSosfilt("async", sos, () => interleaved("x", x, 1), out, options) as Promise<O>;
}

/**
 * Forward-filters interleaved channels (`x[t * nChannels + c]`); `options.zi` is `[nSections][2][nChannels]`.
 * @param nChannels Channels per sample frame, integer >= 1, dividing `x.length`.
 */
export function sosfiltInterleaved<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, x: X, nChannels: number, options?: SosfiltOptions, out?: O): O {
  return runSosfilt("sync", sos, () => interleaved("x", x, nch(nChannels)), out, options) as O;
}
/** {@link sosfiltInterleaved} on the libuv thread pool. */
export function sosfiltInterleavedAsync<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, x: X, nChannels: number, options?: SosfiltOptions, out?: O): Promise<O> {
  return runSosfilt("async", sos, () => interleaved("x", x, nch(nChannels)), out, options) as Promise<O>;
}

/**
 * Zero-phase filters one channel, `scipy.signal.sosfiltfilt(sos, x, padtype=..., padlen=...)` — by default
 * with PyHipp's padlen (`filtfilt(b, a, padtype="odd", padlen=3*(max(len(a), len(b)) - 1))`).
 * @param options `padtype` (default "odd"), `padlen` (default "pyhipp"). The signal must be longer than padlen.
 * @param out Output of `x.length` samples, may be `x` (in place). Default: new array of x's type.
 * @returns `out`.
 * @example
 * const hp = sosfiltfilt(butter(4, [500, 7500], { fs: 30000 }), raw); // PyHipp RPLHighPass
 */
export function sosfiltfilt<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, x: X, options?: SosfiltfiltOptions, out?: O): O {
  return runFiltfilt("sosfiltfilt", "sync", sos, () => interleaved("x", x, 1), out, options) as O;
}
/** {@link sosfiltfilt} on the libuv thread pool. */
export function sosfiltfiltAsync<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, x: X, options?: SosfiltfiltOptions, out?: O): Promise<O> {
  return runFiltfilt("sosfiltfilt", "async", sos, () => interleaved("x", x, 1), out, options) as Promise<O>;
}

/**
 * Zero-phase filters interleaved channels (`x[t * nChannels + c]`, NSx order), each exactly as
 * {@link sosfiltfilt} would filter it alone.
 * @param nChannels Channels per sample frame, integer >= 1, dividing `x.length`.
 * @param out One interleaved array (may be `x`), or one array per channel (de-interleaves while filtering).
 *   Default: a new interleaved array of x's type.
 */
export function sosfiltfiltInterleaved<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, x: X, nChannels: number, options?: SosfiltfiltOptions, out?: O): O;
export function sosfiltfiltInterleaved<O extends FloatArray>(
  sos: Float64Array, x: FloatArray, nChannels: number, options: SosfiltfiltOptions | undefined, out: O[]): O[];
export function sosfiltfiltInterleaved(
  sos: Float64Array, x: FloatArray, nChannels: number, options?: SosfiltfiltOptions, out?: FloatArray | FloatArray[],
): unknown {
  return runFiltfilt("sosfiltfiltInterleaved", "sync", sos, () => interleaved("x", x, nch(nChannels)), out, options);
}
/** {@link sosfiltfiltInterleaved} on the libuv thread pool. */
export function sosfiltfiltInterleavedAsync<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, x: X, nChannels: number, options?: SosfiltfiltOptions, out?: O): Promise<O>;
export function sosfiltfiltInterleavedAsync<O extends FloatArray>(
  sos: Float64Array, x: FloatArray, nChannels: number, options: SosfiltfiltOptions | undefined, out: O[]): Promise<O[]>;
export function sosfiltfiltInterleavedAsync(
  sos: Float64Array, x: FloatArray, nChannels: number, options?: SosfiltfiltOptions, out?: FloatArray | FloatArray[],
): Promise<unknown> {
  const xs = () => interleaved("x", x, nch(nChannels));
  return runFiltfilt("sosfiltfiltInterleaved", "async", sos, xs, out, options) as Promise<unknown>;
}

/**
 * Zero-phase filters channel-major data: one array per channel, all of the same type and length (e.g.
 * `subarray` views of one buffer). Channels are still filtered several at a time, one per SIMD lane.
 * @param outs One array per channel (channel c may be `channels[c]`), or one interleaved array.
 *   Default: new arrays of the input type; float32 ones are views of one buffer (`channelArrays`), so
 *   transferring one output's buffer to another thread moves them all.
 */
export function sosfiltfiltChannels<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, channelArrays: readonly X[], options?: SosfiltfiltOptions, outs?: O[]): O[];
export function sosfiltfiltChannels<O extends FloatArray>(
  sos: Float64Array, channelArrays: readonly FloatArray[], options: SosfiltfiltOptions | undefined, out: O): O;
export function sosfiltfiltChannels(
  sos: Float64Array, channelArrays: readonly FloatArray[], options?: SosfiltfiltOptions, outs?: FloatArray | FloatArray[],
): unknown {
  return runFiltfilt("sosfiltfiltChannels", "sync", sos, () => channels("channels", channelArrays), outs, options);
}
/** {@link sosfiltfiltChannels} on the libuv thread pool. */
export function sosfiltfiltChannelsAsync<X extends FloatArray, O extends FloatArray = X>(
  sos: Float64Array, channelArrays: readonly X[], options?: SosfiltfiltOptions, outs?: O[]): Promise<O[]>;
export function sosfiltfiltChannelsAsync<O extends FloatArray>(
  sos: Float64Array, channelArrays: readonly FloatArray[], options: SosfiltfiltOptions | undefined, out: O): Promise<O>;
export function sosfiltfiltChannelsAsync(
  sos: Float64Array, channelArrays: readonly FloatArray[], options?: SosfiltfiltOptions, outs?: FloatArray | FloatArray[],
): Promise<unknown> {
  const xs = () => channels("channels", channelArrays);
  return runFiltfilt("sosfiltfiltChannels", "async", sos, xs, outs, options) as Promise<unknown>;
}
