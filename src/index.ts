/**
 * rplpipe library API. Everything public is exported here; the raw native binding is not.
 *
 * - Recordings: {@link openNsx} / {@link writeNsx} (.ns1–.ns6), {@link openNev} / {@link writeNev} (.nev),
 *   {@link summarizeRecordings} (what `rplpipe info` prints), {@link detectRecordingKind}.
 * - Synthetic data: {@link synthesize}, {@link writeSyntheticDay}.
 * - Errors: {@link RecordingFormatError} (stable `code`, file, byte offset), {@link RplpipeError}.
 */
export * from "./errors.js";
export { simdInfo, setSimdLevel, type SimdLevelName } from "./simd.js";

export { openNsx, NsxFile } from "./io/nsx.js";
export type * from "./io/nsx-types.js";
export { writeNsx } from "./io/nsx-writer.js";
export { openNev, NevFile, parallelPortMask } from "./io/nev.js";
export type * from "./io/nev-types.js";
export { writeNev } from "./io/nev-writer.js";
export { detectRecordingKind, type RecordingKind } from "./io/detect.js";
export {
  summarizeRecordings,
  summarizeNsx,
  summarizeNev,
  type RecordingSummary,
  type NsxSummary,
  type NevSummary,
  type FailedSummary,
  type FilterSummary,
} from "./io/summary.js";

export { synthesize, defaultUnits, kMicrovoltsPerBit, type SynthOptions, type SynthRecording, type SynthUnit } from "./synth/neural.js";
export { trialMarkers, type MarkerEvent, type MarkerOptions } from "./synth/markers.js";
export { writeSyntheticDay, type SyntheticDayOptions, type SyntheticSession } from "./synth/day.js";
