/**
 * rplpipe library API. Everything public is exported here; the raw native binding is not.
 *
 * - Recordings: {@link openNsx} / {@link writeNsx} (.ns1–.ns6), {@link openNev} / {@link writeNev} (.nev),
 *   {@link summarizeRecordings} (what `rplpipe info` prints), {@link detectRecordingKind}.
 * - Filters: {@link butter}, {@link sosfiltfilt} and friends, {@link resamplePoly}, and PyHipp's two chains
 *   {@link lfpChain} / {@link highpassChain}.
 * - PyHipp compatibility: levels and discovery, file names and hashes, trial markers, hickle files
 *   ({@link writeHickle} / {@link readHickle}, with value builders under `py`).
 * - Synthetic data: {@link synthesize}, {@link writeSyntheticDay}.
 * - The job ledger of a day: {@link openLedger} (reserve / done / fail, NFS-safe across hosts).
 * - Errors: {@link RecordingFormatError} (stable `code`, file, byte offset), {@link RplpipeError}.
 */
export * from "./errors.js";
export { simdInfo, setSimdLevel, minMaxF32, type SimdLevelName } from "./simd.js";
export { cpuBudget, cgroupCpuQuota, type CpuBudget } from "./scheduling/cpus.js";

// Recordings
export { openNsx, NsxFile } from "./io/nsx.js";
export type * from "./io/nsx-types.js";
export { writeNsx, kNsxChannelDefaults } from "./io/nsx-writer.js";
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

// Filters
export {
  butter,
  checkSos,
  sosfiltZi,
  sosPadlen,
  kMaxButterOrder,
  kBandTypes,
  kDefaultButterOptions,
  type BandType,
  type ButterOptions,
  type FilledButterOptions,
  type PadlenConvention,
} from "./dsp/butter.js";
export {
  sosfilt,
  sosfiltAsync,
  sosfiltInterleaved,
  sosfiltInterleavedAsync,
  sosfiltfilt,
  sosfiltfiltAsync,
  sosfiltfiltInterleaved,
  sosfiltfiltInterleavedAsync,
  sosfiltfiltChannels,
  sosfiltfiltChannelsAsync,
  kDefaultSosfiltfiltOptions,
  kDefaultSosfiltOptions,
  type FloatArray,
  type PadType,
  type SosfiltfiltOptions,
  type FilledSosfiltfiltOptions,
  type SosfiltOptions,
  type FilledSosfiltOptions,
} from "./dsp/filter.js";
export { channelArrays } from "./dsp/channel-arrays.js";
export {
  resamplePoly,
  resamplePolyAsync,
  resamplePolyChannels,
  resamplePolyInterleaved,
  resamplePolyInterleavedAsync,
  resamplePolyWindow,
  resamplePolyInputRange,
  ResamplePolyStream,
  resampledLength,
  firwinKaiser,
  kaiserWindow,
  resamplePolyFilter,
  MAX_RESAMPLE_FACTOR,
  DEFAULT_KAISER_BETA,
  type ResamplePolyOptions,
  type ResamplePolyStreamOptions,
  type ResamplePolyWindowOptions,
  type KaiserWindowOption,
} from "./dsp/resample.js";
export {
  lfpChain,
  lfpChainChannels,
  highpassChain,
  highpassChainChannels,
  lfpLength,
  lfpChainOptions,
  highpassChainOptions,
  kDefaultLfpChain,
  kDefaultHighpassChain,
  type LfpChainOptions,
  type HighpassChainOptions,
  type FilledLfpChainOptions,
  type FilledHighpassChainOptions,
  type FilterForm,
} from "./dsp/chains.js";
export { filtfiltBa, lfilterZi, sosToBa } from "./dsp/ba-filtfilt.js";

// PyHipp layout, names, markers
export * from "./layout/levels.js";
export { levelDirs, globDirs } from "./layout/level-dirs.js";
export * from "./layout/discover.js";
export {
  pyhippHash,
  objectFileName,
  buildArgs,
  PYHIPP_OBJECTS,
  pyhippFileName,
  channelDirName,
  arrayDirName,
  cellDirName,
  type PyArgs,
  type ArgSpec,
  type PyhippObjectSpec,
  type PyhippObjectName,
} from "./layout/names.js";
/** Python argument values for {@link pyhippHash} (ints vs floats, tuples, dicts) and Python's str()/repr(). */
export * as pyargs from "./layout/pyvalue.js";
export * from "./pipeline/markers.js";

// hickle files
export { writeHickle, type HickleLayout } from "./hdf5/hickle-write.js";
export { readHickle, readHickleWithInfo, readHickleArray } from "./hdf5/hickle-read.js";
/** Builders of the Python values hickle files hold: `py.pyDict(...)`, `py.npScalar("uint32", 8)`, ... */
export * as py from "./hdf5/hickle-types.js";

// Synthetic data
export {
  synthesize,
  defaultUnits,
  kMicrovoltsPerBit,
  type SynthOptions,
  type SynthRecording,
  type SynthUnit,
} from "./synth/neural.js";
export { trialMarkers, type MarkerEvent, type MarkerOptions } from "./synth/markers.js";
export { writeSyntheticDay, type SyntheticDayOptions, type SyntheticSession } from "./synth/day.js";

// The pipeline
export { runPipeline, groupSizes, type RunOptions, type RunSummary, type RunEvent, type RunFailure } from "./pipeline/run.js";
export { planRun, kStages, type Stage, type SessionPlan, type ChannelPlan, type PlanOptions } from "./pipeline/plan.js";
export type { SortStageOptions } from "./pipeline/sort-stage.js";

// The job ledger (per day, NFS-safe; docs/ledger.md)
export {
  openLedger,
  Ledger,
  Reservation,
  kJobStages,
  checkJobKey,
  keyText,
  keyFileName,
  jobError,
  jobErrorFrom,
  paramsHash,
  ledgerDir,
  type LedgerOptions,
  type LedgerEntry,
  type ListFilter,
  type ReserveOptions,
  type ReserveResult,
  type DoneInfo,
  type FailInfo,
  type JobKey,
  type JobStage,
  type JobError,
  type JobRecord,
  type JobState,
} from "./ledger/index.js";

// Spike sorting
export { sortChannel, SortError, kSortErrorCodes, type Sorter, type SortChannelOptions, type SortChannelResult } from "./sort/sort-channel.js";
export { sortDay, dayChannels, type SortDayOptions, type SortDaySummary } from "./sort/sort-day.js";
export { exportCells, sessionOfSpikes, cellNumbers, spikeTimeMs, spiketrainCsv, type ExportOptions, type ExportResult, type ExportedCell } from "./sort/export.js";
export { joinChannel, startIndicesCsv, parseStartIndicesCsv, type JoinResult } from "./sort/join.js";
export { readMda, readMdaHeader, writeMda, type MdaArray, type MdaHeader, type MdaDtype } from "./sort/mda.js";

// Sorter environments (slot pool)
export { openSlotPool, type Slot, type SlotPool, type Lease, type SlotStatus, type SlotPoolOptions, type AcquireOptions } from "./envs/slot-pool.js";
export { runInSlot, slotEnv } from "./envs/run-in-slot.js";
export { provisionCopies, provisionFromPack, unpackCondaPack, copyEnv, createSorterEnv, type ProvisionOptions, type CreateSorterOptions } from "./envs/provision.js";
