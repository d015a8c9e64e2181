/**
 * Raw functions of native/src/napi/dsp_binding.cc (internal: src/dsp/butter.ts and src/dsp/filter.ts validate
 * every argument before calling these).
 *
 * Signals are passed as arrays of typed arrays: one array = interleaved samples (`x[t * nChannels + c]`),
 * `nChannels` arrays = one per channel. Input and output layouts are independent. Filtering writes into the
 * caller's output arrays; nothing is copied.
 */
export type FloatArray = Float32Array | Float64Array;

export interface DspBinding {
  /** SOS rows [b0 b1 b2 1 a1 a2]; btype 0 lowpass, 1 highpass, 2 bandpass, 3 bandstop; fHigh unused for 0/1. */
  dspButter(order: number, btype: number, fLow: number, fHigh: number, fs: number): Float64Array;
  /** scipy.signal.sosfilt_zi: [nSections][2]. */
  dspSosfiltZi(sos: Float64Array): Float64Array;
  /** Forward filter; `zi` ([nSections][2][nChannels]) is read as the initial and left as the final state. */
  dspSosfilt(sos: Float64Array, xs: FloatArray[], outs: FloatArray[], nChannels: number, zi: Float64Array | null): void;
  dspSosfiltAsync(
    sos: Float64Array,
    xs: FloatArray[],
    outs: FloatArray[],
    nChannels: number,
    zi: Float64Array | null,
  ): Promise<void>;
  /** Zero-phase filter; padType 0 none, 1 odd, 2 even, 3 constant. */
  dspSosfiltfilt(
    sos: Float64Array,
    xs: FloatArray[],
    outs: FloatArray[],
    nChannels: number,
    padType: number,
    padlen: number,
  ): void;
  dspSosfiltfiltAsync(
    sos: Float64Array,
    xs: FloatArray[],
    outs: FloatArray[],
    nChannels: number,
    padType: number,
    padlen: number,
  ): Promise<void>;
}
