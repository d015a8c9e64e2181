/**
 * Butterworth design as second-order sections (SOS), equal to `scipy.signal.butter(order, cutoff, btype,
 * fs=fs, output="sos")` to within 1e-12 per coefficient (checked against golden vectors made by
 * test/python/make_golden_butter.py), plus the SOS helpers filtering needs: validation, `sosfilt_zi`, and
 * the default pad lengths of PyHipp and scipy.
 *
 * An SOS is a Float64Array of `nSections * 6` values, rows `[b0, b1, b2, a0, a1, a2]` with `a0 = 1`
 * (scipy's layout): section k computes y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2].
 */
import { invalidOption } from "../errors.js";
import { callNative } from "../native/call.js";
import { binding } from "../native/load.js";
import { checkInteger, checkKnownKeys, checkNumber, checkOneOf, isPlainObject } from "../validate.js";

export type BandType = "lowpass" | "highpass" | "bandpass" | "bandstop";
export const kBandTypes: readonly BandType[] = Object.freeze(["lowpass", "highpass", "bandpass", "bandstop"]);

/** Highest order {@link butter} accepts (scipy has no limit; beyond this IIR designs are not meaningful). */
export const kMaxButterOrder = 64;

export interface ButterOptions {
  /** Filter type. Default: "lowpass" for one cutoff, "bandpass" for a `[low, high]` pair. */
  btype?: BandType;
  /** Sampling rate in Hz, finite and > 0. Default 2: cutoffs in units of the Nyquist frequency (scipy's default). */
  fs?: number;
}

export interface FilledButterOptions {
  btype: BandType;
  fs: number;
}

export const kDefaultButterOptions: Readonly<Omit<FilledButterOptions, "btype">> = Object.freeze({ fs: 2 });

/** How the default filtfilt pad length is derived from an SOS (see {@link sosPadlen}). */
export type PadlenConvention = "pyhipp" | "scipy";

function resolveButterOptions(cutoff: unknown, options: unknown): Readonly<FilledButterOptions> {
  if (options === undefined) options = {};
  if (!isPlainObject(options)) throw invalidOption("options", "object", options);
  checkKnownKeys("options", options, ["btype", "fs"]);
  const fs =
    options.fs === undefined ? kDefaultButterOptions.fs : checkNumber("options.fs", options.fs, 0, Infinity, true);
  const btype =
    options.btype === undefined
      ? Array.isArray(cutoff) ? "bandpass" : "lowpass"
      : checkOneOf("options.btype", options.btype, kBandTypes);
  return Object.freeze({ btype, fs });
}

function checkCorner(name: string, v: unknown, fs: number): number {
  const expected = `number greater than 0 and less than fs/2 = ${fs / 2}`;
  if (typeof v !== "number" || Number.isNaN(v)) throw invalidOption(name, expected, v);
  if (!(v > 0 && v < fs / 2)) throw invalidOption(name, expected, v, true);
  return v;
}

/**
 * Designs a digital Butterworth filter (pole/zero design, bilinear transform with pre-warped corners) and
 * returns it as second-order sections, section order and pole/zero pairing exactly as scipy's.
 *
 * A band-pass or band-stop of order N has N sections (2N poles); a low/high-pass has ceil(N/2).
 * Applied forward and backward ({@link sosfiltfilt}) the attenuation doubles (effective order 2N).
 *
 * @param order Filter order, integer 1..64 (PyHipp's "LFPOrder 8" / "HighOrder 8" mean `order = 4` band-passes).
 * @param cutoffHz Corner frequency (lowpass/highpass) or `[low, high]` (bandpass/bandstop), each in
 *   (0, fs/2), low < high.
 * @param options `btype` (default from the cutoff's shape) and `fs` (default 2).
 * @returns Float64Array of `nSections * 6` coefficients, rows `[b0, b1, b2, 1, a1, a2]`.
 * @throws {TypeError} wrong types, unknown option names, a single cutoff for a band filter (or a pair for low/high).
 * @throws {RangeError} order outside 1..64, fs <= 0, a corner outside (0, fs/2), low >= high.
 * @example
 * const sos = butter(4, [500, 7500], { fs: 30000 }); // PyHipp RPLHighPass: 4 sections, band-pass
 */
export function butter(
  order: number,
  cutoffHz: number | readonly [number, number],
  options?: ButterOptions,
): Float64Array {
  checkInteger("order", order, 1, kMaxButterOrder);
  const { btype, fs } = resolveButterOptions(cutoffHz, options);
  const band = btype === "bandpass" || btype === "bandstop";
  let lo: number;
  let hi = 0;
  if (band) {
    if (!Array.isArray(cutoffHz) || cutoffHz.length !== 2)
      throw invalidOption("cutoffHz", `[low, high] pair for btype "${btype}"`, cutoffHz);
    lo = checkCorner("cutoffHz[0]", cutoffHz[0], fs);
    hi = checkCorner("cutoffHz[1]", cutoffHz[1], fs);
    if (!(lo < hi)) throw invalidOption("cutoffHz[1]", `number greater than cutoffHz[0] = ${lo}`, hi, true);
  } else {
    if (typeof cutoffHz !== "number") throw invalidOption("cutoffHz", `a single number for btype "${btype}"`, cutoffHz);
    lo = checkCorner("cutoffHz", cutoffHz, fs);
  }
  return callNative(() => binding().dspButter(order, kBandTypes.indexOf(btype), lo, hi, fs));
}

/**
 * Checks that `sos` is a usable SOS array: a Float64Array of `nSections * 6` finite values with every
 * `a0 === 1` (as scipy requires). Returns the number of sections.
 * @throws {TypeError} not a Float64Array. @throws {RangeError} empty, length not a multiple of 6, a0 != 1, non-finite.
 */
export function checkSos(name: string, sos: unknown): number {
  if (!(sos instanceof Float64Array)) throw invalidOption(name, "Float64Array of n x 6 SOS coefficients", sos);
  if (sos.length === 0 || sos.length % 6 !== 0)
    throw invalidOption(name, "Float64Array whose length is a positive multiple of 6", `length ${sos.length}`, true);
  for (let i = 0; i < sos.length; i++) {
    if (!Number.isFinite(sos[i])) throw invalidOption(`${name}[${i}]`, "finite number", sos[i], true);
    if (i % 6 === 3 && sos[i] !== 1)
      throw invalidOption(`${name}[${i}] (a0 of section ${(i - 3) / 6})`, "1", sos[i], true);
  }
  return sos.length / 6;
}

/**
 * Steady-state initial conditions (`scipy.signal.sosfilt_zi`): the state, per unit input, in which a
 * constant input passes without a transient. Shape `[nSections][2]`; multiply by the first sample to start
 * a filter "already running" (what sosfiltfilt does at both ends).
 * @throws {TypeError|RangeError} as {@link checkSos}.
 */
export function sosfiltZi(sos: Float64Array): Float64Array {
  checkSos("sos", sos);
  return callNative(() => binding().dspSosfiltZi(sos));
}

/**
 * Default filtfilt pad length for an SOS, from its equivalent (b, a) length `ntaps = 2 * nSections + 1 -
 * min(#(b2 == 0), #(a2 == 0))` (scipy's formula):
 * - "pyhipp": `3 * (ntaps - 1)`, what PyHipp passes to `filtfilt(b, a, padlen=3*(max(len(a), len(b)) - 1))`
 *   (MATLAB's convention): 24 for its order-4 band-passes.
 * - "scipy": `3 * ntaps`, `scipy.signal.sosfiltfilt`'s own default (27 for the same filters).
 * @throws {TypeError|RangeError} as {@link checkSos}, or an unknown convention.
 */
export function sosPadlen(sos: Float64Array, convention: PadlenConvention = "pyhipp"): number {
  const n = checkSos("sos", sos);
  checkOneOf("convention", convention, ["pyhipp", "scipy"] as const);
  let zb = 0;
  let za = 0;
  for (let s = 0; s < n; s++) {
    if (sos[6 * s + 2] === 0) zb++;
    if (sos[6 * s + 5] === 0) za++;
  }
  const ntaps = 2 * n + 1 - Math.min(zb, za);
  return convention === "pyhipp" ? 3 * (ntaps - 1) : 3 * ntaps;
}
