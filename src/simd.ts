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
