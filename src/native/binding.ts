/**
 * Typed view of the raw addon. Internal: never exported from src/index.ts (the public API validates first).
 * Each area adds its functions here as the native side grows (one interface per binding file).
 */

/** napi/simd_binding.cc */
export interface SimdBinding {
  simdInfo(): { detected: SimdLevelName; active: SimdLevelName };
  /** 0 scalar, 1 avx2, 2 avx512, -1 automatic; returns the level now active. */
  setSimdLevel(level: number): SimdLevelName;
  /** [min, max] of a float32 array, NaN skipped ([Infinity, -Infinity] when nothing is left). */
  minMaxF32(x: Float32Array): [number, number];
  /** Drops the physical pages wholly inside the view's bytes (they read as zeros after); returns the bytes dropped. */
  releasePages(view: ArrayBufferView): number;
}
export type SimdLevelName = "scalar" | "avx2" | "avx512";

/** napi/direct_io_binding.cc: page-cache-bypassing writes (fd opened with O_DIRECT; offsets/lengths 4 KiB multiples). */
export interface DirectIoBinding {
  directWrite(fd: number, src: ArrayBufferView, srcByteOffset: number, length: number, fileOffset: number, async: true): Promise<void>;
  directWrite(fd: number, src: ArrayBufferView, srcByteOffset: number, length: number, fileOffset: number, async: false): undefined;
  /** Blocks until every async write on fd has landed; throws the first error one met. */
  directWait(fd: number): void;
}

// Areas add their interfaces below and to RawBinding.
import type { NsxBinding } from "./nsx-binding.js";
import type { NevBinding } from "./nev-binding.js";
import type { DspBinding } from "./dsp-binding.js";
import type { ResampleBinding } from "./resample-binding.js";

export interface RawBinding extends SimdBinding, DirectIoBinding, NsxBinding, NevBinding, DspBinding, ResampleBinding {
  abiVersion: number;
}
