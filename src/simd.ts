/** Which SIMD width the native kernels use, and how to force a narrower one (for testing and benchmarks). */
import { binding } from "./native/load.js";
import { checkOneOf } from "./validate.js";
import type { SimdLevelName } from "./native/binding.js";

export type { SimdLevelName };

/** The widest SIMD level this CPU supports (`detected`) and the one kernels use now (`active`). */
export function simdInfo(): { detected: SimdLevelName; active: SimdLevelName } {
  return binding().simdInfo();
}

/**
 * Forces kernels to use at most `level` ("auto" restores the detected level). Process-wide.
 * @returns the level now active (never wider than the CPU supports).
 */
export function setSimdLevel(level: SimdLevelName | "auto"): SimdLevelName {
  const l = checkOneOf("level", level, ["scalar", "avx2", "avx512", "auto"] as const);
  const n = l === "auto" ? -1 : l === "scalar" ? 0 : l === "avx2" ? 1 : 2;
  return binding().setSimdLevel(n);
}

/**
 * Smallest and largest sample of a float32 array (PyHipp's MinVal / MaxVal), in native SIMD code: ~20× a JS
 * loop, which mattered at two 18 M-sample arrays per channel. NaN samples are skipped; an empty or all-NaN
 * array gives `[Infinity, -Infinity]`.
 * @throws {TypeError} when `x` is not a Float32Array
 */
export function minMaxF32(x: Float32Array): [number, number] {
  if (!(x instanceof Float32Array)) throw new TypeError(`Expected a Float32Array for x, got ${Object.prototype.toString.call(x)}`);
  return binding().minMaxF32(x);
}
