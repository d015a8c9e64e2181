/** Raw functions of native/src/napi/resample_binding.cc (internal; src/dsp/resample.ts validates first). */

/** Element types the resampler reads and writes in place. */
export type FloatArray = Float32Array | Float64Array;

/** What every resampling run takes after its input: its rows, the outputs wanted, the ratio, taps and output. */
type RunTail = [nTotal: number, mBegin: number, mEnd: number, up: number, down: number, taps: Float64Array, out: FloatArray];
/** Arguments of resamplePolyRun and its async twin. */
export type ResampleRunArgs = [x: FloatArray, nChannels: number, row0: number, ...tail: RunTail];

export interface ResampleBinding {
  /** scipy's resample_poly filter for the gcd-reduced ratio, already multiplied by up; empty when up == down. */
  resamplePolyTaps(up: number, down: number, beta: number): Float64Array;
  /** scipy.signal.firwin(numtaps, cutoff, window=("kaiser", beta)). */
  firwinKaiser(numtaps: number, cutoff: number, beta: number): Float64Array;
  /** scipy.signal.windows.kaiser(m, beta, sym=True). */
  kaiserWindow(m: number, beta: number): Float64Array;
  /**
   * Outputs [mBegin, mEnd) of every channel into `out` (interleaved). `x` holds rows
   * [row0, row0 + x.length / nChannels) of an interleaved signal of `nTotal` rows (-1: unknown).
   */
  resamplePolyRun(...args: ResampleRunArgs): void;
  /**
   * Outputs [mBegin, mEnd) of channels held as separate arrays (one type, each `nTotal` long) into `out`,
   * interleaved: the same numbers as resamplePolyRun on the interleaved rows.
   */
  resamplePolyRunChannels(channels: FloatArray[], ...tail: RunTail): void;
  /** Same as resamplePolyRun on a libuv pool thread; x and out must not be touched until it settles. */
  resamplePolyRunAsync(...args: ResampleRunArgs): Promise<void>;
}
