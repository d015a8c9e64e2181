/**
 * Polyphase rational resampling equal to `scipy.signal.resample_poly(x, up, down)` with scipy's defaults
 * (Kaiser window, beta 5; zero padding; output length ceil(n*up/down)). The filter taps are the same doubles
 * scipy designs and each output is summed in scipy's order, so float64 results match scipy to the last bit
 * on the reference machine (see docs/resampling.md). Arithmetic is always float64; float32 input or output
 * is converted on load/store.
 *
 * Layouts: a single channel (contiguous) or several channels interleaved sample-major (`x[t*nChannels + c]`,
 * as NSx stores them). Arrays are used in place (no copies into or out of the native code).
 */
import { invalidOption } from "../errors.js";
import { callNative, translateNativeError } from "../native/call.js";
import { binding } from "../native/load.js";
import type { FloatArray } from "../native/resample-binding.js";
import { checkInteger, checkKnownKeys, checkNumber, checkOneOf, isPlainObject } from "../validate.js";

export type { FloatArray };

/** Largest gcd-reduced factor accepted: the filter has 20*max(up, down)+1 taps (2,000,001 at this limit). */
export const MAX_RESAMPLE_FACTOR = 100_000;
/** Largest input factor before gcd reduction (2^31 - 1). */
const kMaxFactorArg = 2 ** 31 - 1;
/** Largest channel count of an interleaved signal. */
const kMaxChannels = 65_536;
/** Default Kaiser beta: scipy's window=('kaiser', 5.0). */
export const DEFAULT_KAISER_BETA = 5.0;

/** Kaiser window of the anti-aliasing filter. */
export interface KaiserWindowOption {
  /** Shape parameter, 0..700 (i0(beta) overflows a double above ~713). Default 5 (scipy's default). */
  beta?: number;
}

/** Options of the one-shot resampling functions. */
export interface ResamplePolyOptions {
  /** Window of the FIR design (scipy `window=('kaiser', beta)`). Default `{ beta: 5 }`. */
  window?: KaiserWindowOption;
  /**
   * Array to write the result into (Float32Array or Float64Array, exactly
   * `resampledLength(n, up, down) * nChannels` elements, not overlapping `x`). Default: a new array of the
   * input's type (as scipy returns float32 for float32 input).
   */
  out?: FloatArray;
}

/** Options of {@link ResamplePolyStream}. */
export interface ResamplePolyStreamOptions {
  /** Window of the FIR design. Default `{ beta: 5 }`. */
  window?: KaiserWindowOption;
  /** Element type of the emitted outputs. Default: the type of the first chunk. */
  outputType?: "float32" | "float64";
}

/** Options of {@link resamplePolyWindow}. */
export interface ResamplePolyWindowOptions extends ResamplePolyOptions {
  /** Signal row (sample index) of the first row of `x`. Default 0. */
  rowOffset?: number;
  /** Rows of the whole signal (rows past it are zero), or `undefined` when unknown (streaming). */
  totalRows?: number;
  /** First output sample to compute. Default 0. */
  outputStart?: number;
  /** One past the last output sample to compute (required). */
  outputEnd?: number;
}

/** up/down reduced by their gcd, and the filter geometry scipy derives from them. */
interface Ratio {
  up: number;
  down: number;
  /** Filter length 20*max(up,down)+1 (0 for the identity ratio). */
  numTaps: number;
  /** (numTaps-1)/2: the filter delay in upsampled samples. */
  halfLen: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function checkRatio(up: unknown, down: unknown): Ratio {
  const u = checkInteger("up", up, 1, kMaxFactorArg);
  const d = checkInteger("down", down, 1, kMaxFactorArg);
  const g = gcd(u, d);
  const r = { up: u / g, down: d / g };
  const maxRate = Math.max(r.up, r.down);
  if (r.up !== r.down && maxRate > MAX_RESAMPLE_FACTOR)
    throw new RangeError(
      `Expected up and down whose gcd-reduced ratio has factors of at most ${MAX_RESAMPLE_FACTOR} for up/down ` +
        `but received ${u}/${d} (reduced ${r.up}/${r.down}, a ${20 * maxRate + 1}-tap filter)`,
    );
  const numTaps = r.up === r.down ? 0 : 20 * maxRate + 1;
  return { ...r, numTaps, halfLen: (numTaps - 1) / 2 };
}

function isFloatArray(v: unknown): v is FloatArray {
  return v instanceof Float32Array || v instanceof Float64Array;
}

function checkFloatArray(name: string, v: unknown): FloatArray {
  if (!isFloatArray(v)) throw invalidOption(name, "Float32Array or Float64Array", v);
  return v;
}

function checkOptions(name: string, v: unknown, known: readonly string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isPlainObject(v)) throw invalidOption(name, "object", v);
  checkKnownKeys(name, v, known);
  return v;
}

function checkBeta(name: string, window: unknown): number {
  const w = checkOptions(name, window, ["beta"]);
  return w.beta === undefined ? DEFAULT_KAISER_BETA : checkNumber(`${name}.beta`, w.beta, 0, 700);
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function checkOut(out: unknown, x: FloatArray, length: number): FloatArray {
  const o = checkFloatArray("options.out", out);
  if (o.length !== length)
    throw new RangeError(`Expected an array of exactly ${length} elements for options.out but received length ${o.length}`);
  if (overlaps(o, x)) throw new RangeError("Expected options.out not to overlap x (resampling cannot run in place)");
  return o;
}

function newLike(x: FloatArray | "float32" | "float64", length: number): FloatArray {
  const f32 = x === "float32" || x instanceof Float32Array;
  return f32 ? new Float32Array(length) : new Float64Array(length);
}

// Taps per (up, down, beta), designed once per thread: the design costs a sin and two Bessel evaluations per tap.
const tapCache = new Map<string, Float64Array>();
const kTapCacheSize = 32;

function tapsFor(r: Ratio, beta: number): Float64Array {
  const key = `${r.up}/${r.down}/${beta}`;
  let taps = tapCache.get(key);
  if (!taps) {
    taps = callNative(() => binding().resamplePolyTaps(r.up, r.down, beta));
    if (tapCache.size >= kTapCacheSize) tapCache.delete(tapCache.keys().next().value as string);
    tapCache.set(key, taps);
  }
  return taps;
}

/** Input rows [first, last) that outputs [mBegin, mEnd) use (unclipped). */
function inputRows(r: Ratio, mBegin: number, mEnd: number): [number, number] {
  if (mEnd <= mBegin) return [0, 0];
  if (r.numTaps === 0) return [mBegin, mEnd];
  const qFirst = mBegin * r.down + r.halfLen;
  const qLast = (mEnd - 1) * r.down + r.halfLen;
  return [Math.ceil((qFirst - r.numTaps + 1) / r.up), Math.floor(qLast / r.up) + 1];
}

/** Number of outputs computable from the first `rows` rows without knowing what follows. */
function outputsKnownFrom(r: Ratio, rows: number): number {
  if (r.numTaps === 0) return rows;
  // Output m needs rows up to floor((m*down + halfLen)/up): all < rows  <=>  m*down + halfLen <= rows*up - 1.
  const n = Math.floor((rows * r.up - 1 - r.halfLen) / r.down) + 1;
  return Math.max(0, n);
}

function lengthFor(n: number, r: Ratio): number {
  return Math.ceil((n * r.up) / r.down);
}

/**
 * Number of output samples of `resample_poly` for `n` input samples: `ceil(n * up / down)`.
 * @param n input samples per channel, integer >= 0
 * @param up upsampling factor, integer 1..2^31-1
 * @param down downsampling factor, integer 1..2^31-1
 * @throws {TypeError | RangeError} for a non-integer or out-of-range argument
 */
export function resampledLength(n: number, up: number, down: number): number {
  const len = checkInteger("n", n, 0, Number.MAX_SAFE_INTEGER);
  const u = checkInteger("up", up, 1, kMaxFactorArg);
  const d = checkInteger("down", down, 1, kMaxFactorArg);
  const g = gcd(u, d);
  return lengthFor(len, { up: u / g, down: d / g, numTaps: 0, halfLen: 0 });
}

interface Prepared {
  ratio: Ratio;
  taps: Float64Array;
  nChannels: number;
  rows: number;
  nOut: number;
  out: FloatArray;
}

function prepare(x: unknown, nChannels: unknown, up: unknown, down: unknown, options: unknown): Prepared & { x: FloatArray } {
  const xs = checkFloatArray("x", x);
  const nch = checkInteger("nChannels", nChannels, 1, kMaxChannels);
  if (xs.length % nch !== 0)
    throw new RangeError(`Expected x.length to be a multiple of nChannels (${nch}) but received length ${xs.length}`);
  const ratio = checkRatio(up, down);
  const opts = checkOptions("options", options, ["window", "out"]);
  const beta = checkBeta("options.window", opts.window);
  const rows = xs.length / nch;
  const nOut = lengthFor(rows, ratio);
  const out = opts.out === undefined ? newLike(xs, nOut * nch) : checkOut(opts.out, xs, nOut * nch);
  return { x: xs, ratio, taps: tapsFor(ratio, beta), nChannels: nch, rows, nOut, out };
}

function runSync(p: Prepared & { x: FloatArray }): FloatArray {
  const { x, ratio, taps, nChannels, rows, nOut, out } = p;
  callNative(() => binding().resamplePolyRun(x, nChannels, 0, rows, 0, nOut, ratio.up, ratio.down, taps, out));
  return out;
}

async function runAsync(p: Prepared & { x: FloatArray }): Promise<FloatArray> {
  const { x, ratio, taps, nChannels, rows, nOut, out } = p;
  try {
    await binding().resamplePolyRunAsync(x, nChannels, 0, rows, 0, nOut, ratio.up, ratio.down, taps, out);
  } catch (e) {
    throw translateNativeError(e);
  }
  return out;
}

/**
 * Resamples one channel by `up/down` exactly as `scipy.signal.resample_poly(x, up, down)` does (float64
 * arithmetic; float32 input gives scipy's result for `x.astype(float64)`).
 * @param x the signal (Float32Array or Float64Array; may be empty)
 * @param up upsampling factor, integer 1..2^31-1; up/down is reduced by the gcd, after which
 *   max(up, down) must be <= {@link MAX_RESAMPLE_FACTOR}
 * @param down downsampling factor, integer 1..2^31-1
 * @param options `window` (Kaiser beta, default 5) and `out` (destination; default a new array of x's type)
 * @returns `out`, holding `resampledLength(x.length, up, down)` samples
 * @throws {TypeError} for a wrong argument type or an unknown option
 * @throws {RangeError} for an out-of-range factor, beta, or `out` of the wrong length or overlapping `x`
 */
export function resamplePoly(x: FloatArray, up: number, down: number, options?: ResamplePolyOptions): FloatArray {
  return runSync(prepare(x, 1, up, down, options));
}

/**
 * Resamples `nChannels` interleaved channels (`x[t*nChannels + c]`) at once; the result is interleaved the
 * same way and every channel equals {@link resamplePoly} of that channel, bit for bit. Vectorised across
 * channels (AVX-512: 8, AVX2: 4 per instruction).
 * @param x interleaved samples, length a multiple of `nChannels`
 * @param nChannels channels per row, integer 1..65536
 * @param up upsampling factor (see {@link resamplePoly})
 * @param down downsampling factor (see {@link resamplePoly})
 * @param options `window` and `out` (length `resampledLength(rows, up, down) * nChannels`)
 * @returns `out`
 * @throws {TypeError | RangeError} as {@link resamplePoly}, and RangeError when x.length is not a multiple of nChannels
 */
export function resamplePolyInterleaved(
  x: FloatArray,
  nChannels: number,
  up: number,
  down: number,
  options?: ResamplePolyOptions,
): FloatArray {
  return runSync(prepare(x, nChannels, up, down, options));
}

/**
 * Resamples channels held as separate arrays (of one type and one length) at once, as
 * {@link resamplePolyInterleaved} does their interleaved rows, without an interleaved copy of the signal: each
 * block of outputs has its rows interleaved into a small window first. The result is interleaved
 * (`out[m*nChannels + c]`), and every channel equals {@link resamplePoly} of that channel, bit for bit.
 * @param channels one Float32Array or Float64Array per channel, all of the same type and length
 * @param up upsampling factor (see {@link resamplePoly})
 * @param down downsampling factor (see {@link resamplePoly})
 * @param options `window` and `out` (length `resampledLength(length, up, down) * channels.length`; default a
 *   new array of the channels' type)
 * @returns `out`
 * @throws {TypeError | RangeError} as {@link resamplePoly}; for no channels, mixed types or lengths, or an `out`
 *   overlapping a channel
 */
export function resamplePolyChannels(channels: readonly FloatArray[], up: number, down: number, options?: ResamplePolyOptions): FloatArray {
  if (!Array.isArray(channels) || channels.length === 0 || channels.length > kMaxChannels)
    throw invalidOption("channels", `an array of 1 to ${kMaxChannels} Float32Arrays or Float64Arrays`, channels);
  const first = checkFloatArray("channels[0]", channels[0]);
  channels.forEach((c, i) => {
    checkFloatArray(`channels[${i}]`, c);
    if (c.constructor !== first.constructor || c.length !== first.length)
      throw invalidOption(`channels[${i}]`, `a ${first.constructor.name} of ${first.length} samples like channels[0]`, c);
  });
  const ratio = checkRatio(up, down);
  const opts = checkOptions("options", options, ["window", "out"]);
  const beta = checkBeta("options.window", opts.window);
  const nOut = lengthFor(first.length, ratio) * channels.length;
  const out = opts.out === undefined ? newLike(first, nOut) : checkOut(opts.out, first, nOut);
  channels.forEach((c, i) => {
    if (overlaps(out, c)) throw new RangeError(`Expected options.out not to overlap channels[${i}] (resampling cannot run in place)`);
  });
  const taps = tapsFor(ratio, beta);
  callNative(() => binding().resamplePolyRunChannels([...channels], first.length, 0, nOut / channels.length, ratio.up, ratio.down, taps, out));
  return out;
}

/**
 * {@link resamplePoly} on a libuv pool thread. `x` and `out` must not be modified or transferred until the
 * promise settles. Argument errors reject the promise.
 * @returns a promise of `out`
 */
export async function resamplePolyAsync(
  x: FloatArray,
  up: number,
  down: number,
  options?: ResamplePolyOptions,
): Promise<FloatArray> {
  return runAsync(prepare(x, 1, up, down, options));
}

/**
 * {@link resamplePolyInterleaved} on a libuv pool thread. `x` and `out` must not be modified or transferred
 * until the promise settles. Argument errors reject the promise.
 * @returns a promise of `out`
 */
export async function resamplePolyInterleavedAsync(
  x: FloatArray,
  nChannels: number,
  up: number,
  down: number,
  options?: ResamplePolyOptions,
): Promise<FloatArray> {
  return runAsync(prepare(x, nChannels, up, down, options));
}

/**
 * Computes outputs `[outputStart, outputEnd)` of a signal of which `x` holds only rows
 * `[rowOffset, rowOffset + x.length/nChannels)`. The window must contain every row of the signal those outputs
 * use (see {@link resamplePolyInputRange}); the results are bit-identical to the same outputs of a one-shot
 * call, so a long recording can be processed in pieces with margins.
 * @param x interleaved rows of the window
 * @param nChannels channels per row, integer 1..65536
 * @param up upsampling factor (see {@link resamplePoly})
 * @param down downsampling factor (see {@link resamplePoly})
 * @param options `rowOffset` (default 0), `totalRows` (rows of the whole signal; omit when unknown),
 *   `outputStart` (default 0), `outputEnd` (required), `window`, `out`
 * @returns `out` with `(outputEnd - outputStart) * nChannels` samples
 * @throws {TypeError | RangeError} for bad arguments; a NativeError when the window lacks a needed row
 */
export function resamplePolyWindow(
  x: FloatArray,
  nChannels: number,
  up: number,
  down: number,
  options: ResamplePolyWindowOptions,
): FloatArray {
  const xs = checkFloatArray("x", x);
  const nch = checkInteger("nChannels", nChannels, 1, kMaxChannels);
  if (xs.length % nch !== 0)
    throw new RangeError(`Expected x.length to be a multiple of nChannels (${nch}) but received length ${xs.length}`);
  const ratio = checkRatio(up, down);
  const opts = checkOptions("options", options, ["window", "out", "rowOffset", "totalRows", "outputStart", "outputEnd"]);
  const beta = checkBeta("options.window", opts.window);
  const rows = xs.length / nch;
  const rowOffset = opts.rowOffset === undefined ? 0 : checkInteger("options.rowOffset", opts.rowOffset, 0, Number.MAX_SAFE_INTEGER);
  const total =
    opts.totalRows === undefined
      ? -1
      : checkInteger("options.totalRows", opts.totalRows, rowOffset + rows, Number.MAX_SAFE_INTEGER);
  const maxOut = total < 0 ? Number.MAX_SAFE_INTEGER : lengthFor(total, ratio);
  const start = opts.outputStart === undefined ? 0 : checkInteger("options.outputStart", opts.outputStart, 0, maxOut);
  if (opts.outputEnd === undefined) throw invalidOption("options.outputEnd", `integer between ${start} and ${maxOut}`, undefined);
  const end = checkInteger("options.outputEnd", opts.outputEnd, start, maxOut);
  const n = (end - start) * nch;
  const out = opts.out === undefined ? newLike(xs, n) : checkOut(opts.out, xs, n);
  const taps = tapsFor(ratio, beta);
  callNative(() => binding().resamplePolyRun(xs, nch, rowOffset, total, start, end, ratio.up, ratio.down, taps, out));
  return out;
}

/**
 * Input rows `[first, last)` that outputs `[outputStart, outputEnd)` depend on, clipped to
 * `[0, totalRows)` (rows outside the signal are zero and need not be supplied).
 * @param totalRows rows of the signal; omit when unknown (then only the lower end is clipped)
 * @throws {TypeError | RangeError} for non-integer or out-of-range arguments
 */
export function resamplePolyInputRange(
  outputStart: number,
  outputEnd: number,
  up: number,
  down: number,
  totalRows?: number,
): [number, number] {
  const ratio = checkRatio(up, down);
  const s = checkInteger("outputStart", outputStart, 0, Number.MAX_SAFE_INTEGER);
  const e = checkInteger("outputEnd", outputEnd, s, Number.MAX_SAFE_INTEGER);
  const total = totalRows === undefined ? Infinity : checkInteger("totalRows", totalRows, 0, Number.MAX_SAFE_INTEGER);
  if (e === s) return [0, 0];
  const [first, last] = inputRows(ratio, s, e);
  const lo = Math.min(Math.max(0, first), total);
  return [lo, Math.max(lo, Math.min(last, total))];
}

/**
 * Streaming resampler: push interleaved chunks of any size, get every output as soon as the rows it needs have
 * arrived; {@link end} emits the rest (zero padding past the end, as scipy). The concatenation of everything
 * returned equals the one-shot result bit for bit. Keeps only the last ~numTaps/up rows between pushes, so a
 * channel-hour never has to be in memory at once. Not thread-safe (one stream per thread).
 */
export class ResamplePolyStream {
  /** Channels per row. */
  readonly nChannels: number;
  /** Upsampling factor after gcd reduction. */
  readonly up: number;
  /** Downsampling factor after gcd reduction. */
  readonly down: number;
  private readonly ratio: Ratio;
  private readonly taps: Float64Array;
  private outputType: "float32" | "float64" | undefined;
  private inputType: "float32" | "float64" | undefined;
  private hist: FloatArray | undefined; // rows [histStart, rowsIn) still needed
  private histStart = 0;
  private rowsIn = 0;
  private emitted = 0;
  private ended = false;

  /**
   * @param nChannels channels per row, integer 1..65536
   * @param up upsampling factor (see {@link resamplePoly})
   * @param down downsampling factor (see {@link resamplePoly})
   * @param options `window` (Kaiser beta, default 5), `outputType` (default: the first chunk's type)
   * @throws {TypeError | RangeError} for bad arguments
   */
  constructor(nChannels: number, up: number, down: number, options?: ResamplePolyStreamOptions) {
    this.nChannels = checkInteger("nChannels", nChannels, 1, kMaxChannels);
    this.ratio = checkRatio(up, down);
    this.up = this.ratio.up;
    this.down = this.ratio.down;
    const opts = checkOptions("options", options, ["window", "outputType"]);
    this.taps = tapsFor(this.ratio, checkBeta("options.window", opts.window));
    if (opts.outputType !== undefined)
      this.outputType = checkOneOf("options.outputType", opts.outputType, ["float32", "float64"] as const);
  }

  /** Rows (samples per channel) pushed so far. */
  get rowsReceived(): number {
    return this.rowsIn;
  }

  /** Output samples per channel emitted so far. */
  get outputsEmitted(): number {
    return this.emitted;
  }

  /**
   * Adds interleaved rows and returns the outputs they complete (possibly none). The chunk is not retained.
   * @param chunk Float32Array or Float64Array, length a multiple of nChannels; all chunks of one type
   * @returns the new outputs, interleaved, of the stream's output type
   * @throws {TypeError | RangeError} for a bad chunk; an Error after {@link end}
   */
  push(chunk: FloatArray): FloatArray {
    if (this.ended) throw new Error("ResamplePolyStream.push() called after end()");
    const c = this.checkChunk(chunk);
    const nch = this.nChannels;
    const c0 = this.rowsIn;
    const c1 = c0 + c.length / nch;
    const mEnd = outputsKnownFrom(this.ratio, c1);
    const out = newLike(this.outputType!, (Math.max(mEnd, this.emitted) - this.emitted) * nch);
    if (mEnd > this.emitted) {
      // Outputs that still read rows from before this chunk run on history + the head of the chunk; the rest
      // run on the chunk itself, in place.
      const split = Math.min(mEnd, Math.max(this.emitted, this.firstOutputFrom(c0)));
      if (split > this.emitted) {
        const [first, last] = inputRows(this.ratio, this.emitted, split);
        const from = Math.max(first, this.histStart, 0);
        const joined = this.joinRows(c, c0, from, Math.min(last, c1));
        this.run(joined, from, this.emitted, split, -1, out.subarray(0, (split - this.emitted) * nch));
      }
      if (mEnd > split) this.run(c, c0, split, mEnd, -1, out.subarray((split - this.emitted) * nch));
      this.emitted = mEnd;
    }
    const keepFrom = Math.max(0, Math.min(c1, inputRows(this.ratio, this.emitted, this.emitted + 1)[0]));
    this.hist = this.joinRows(c, c0, Math.max(keepFrom, this.histStart), c1);
    this.histStart = Math.max(keepFrom, this.histStart);
    this.rowsIn = c1;
    return out;
  }

  /**
   * Ends the stream: returns the remaining outputs, computed with zeros past the last row, so the total number
   * of outputs is `resampledLength(rowsReceived, up, down)`.
   * @throws {Error} when called twice
   */
  end(): FloatArray {
    if (this.ended) throw new Error("ResamplePolyStream.end() called twice");
    this.ended = true;
    const total = this.rowsIn;
    const nOut = lengthFor(total, this.ratio);
    const type = this.outputType ?? this.inputType ?? "float64";
    const out = newLike(type, (nOut - this.emitted) * this.nChannels);
    if (nOut > this.emitted) {
      const hist = this.hist ?? newLike(type, 0);
      this.run(hist, this.histStart, this.emitted, nOut, total, out);
      this.emitted = nOut;
    }
    this.hist = undefined;
    return out;
  }

  private checkChunk(chunk: unknown): FloatArray {
    const c = checkFloatArray("chunk", chunk);
    const type = c instanceof Float32Array ? "float32" : "float64";
    if (this.inputType !== undefined && type !== this.inputType)
      throw invalidOption("chunk", `a ${this.inputType === "float32" ? "Float32Array" : "Float64Array"} like the first chunk`, c);
    if (c.length % this.nChannels !== 0)
      throw new RangeError(`Expected chunk.length to be a multiple of nChannels (${this.nChannels}) but received length ${c.length}`);
    this.inputType = type;
    this.outputType ??= type;
    return c;
  }

  /** Smallest output whose rows all lie at or after row `row`. */
  private firstOutputFrom(row: number): number {
    const r = this.ratio;
    if (r.numTaps === 0) return row;
    // ceil((m*down + halfLen - numTaps + 1)/up) >= row  <=>  m*down >= (row-1)*up + numTaps - halfLen.
    return Math.max(0, Math.ceil(((row - 1) * r.up + r.numTaps - r.halfLen) / r.down));
  }

  /** Rows [from, to) taken from history (rows before c0) and the chunk (rows from c0); copies. */
  private joinRows(chunk: FloatArray, c0: number, from: number, to: number): FloatArray {
    const nch = this.nChannels;
    const n = Math.max(0, to - from);
    const joined = newLike(chunk, n * nch);
    if (n === 0) return joined;
    if (from < c0 && this.hist) {
      const h = this.hist.subarray((from - this.histStart) * nch, (Math.min(to, c0) - this.histStart) * nch);
      joined.set(h);
    }
    if (to > c0) {
      const s = Math.max(from, c0);
      joined.set(chunk.subarray((s - c0) * nch, (to - c0) * nch), (s - from) * nch);
    }
    return joined;
  }

  private run(x: FloatArray, row0: number, mBegin: number, mEnd: number, total: number, out: FloatArray): void {
    const r = this.ratio;
    callNative(() => binding().resamplePolyRun(x, this.nChannels, row0, total, mBegin, mEnd, r.up, r.down, this.taps, out));
  }
}

/**
 * Low-pass FIR taps equal to `scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta))` (scale=True,
 * cutoff relative to Nyquist).
 * @param numtaps filter length, integer 1..2,000,001
 * @param cutoff cutoff as a fraction of Nyquist, in (0, 1)
 * @param beta Kaiser beta, 0..700, default 5
 * @throws {TypeError | RangeError} for bad arguments
 */
export function firwinKaiser(numtaps: number, cutoff: number, beta: number = DEFAULT_KAISER_BETA): Float64Array {
  const n = checkInteger("numtaps", numtaps, 1, 20 * MAX_RESAMPLE_FACTOR + 1);
  const fc = checkNumber("cutoff", cutoff, 0, 1, true);
  const b = checkNumber("beta", beta, 0, 700);
  return callNative(() => binding().firwinKaiser(n, fc, b));
}

/**
 * Symmetric Kaiser window equal to `scipy.signal.windows.kaiser(m, beta)`.
 * @param m window length, integer 0..2,000,001
 * @param beta shape, 0..700
 * @throws {TypeError | RangeError} for bad arguments
 */
export function kaiserWindow(m: number, beta: number): Float64Array {
  const n = checkInteger("m", m, 0, 20 * MAX_RESAMPLE_FACTOR + 1);
  const b = checkNumber("beta", beta, 0, 700);
  return callNative(() => binding().kaiserWindow(n, b));
}

/**
 * The FIR filter `resample_poly(x, up, down)` applies (firwin taps times the reduced `up`), for inspection.
 * Empty when up/down reduces to 1/1 (scipy then returns a copy).
 * @throws {TypeError | RangeError} for bad arguments
 */
export function resamplePolyFilter(up: number, down: number, options?: { window?: KaiserWindowOption }): Float64Array {
  const ratio = checkRatio(up, down);
  const opts = checkOptions("options", options, ["window"]);
  return tapsFor(ratio, checkBeta("options.window", opts.window)).slice();
}
