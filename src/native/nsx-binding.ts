/**
 * Raw functions of native/src/napi/nsx_binding.cc (internal; src/io/nsx.ts and src/io/nsx-writer.ts are the
 * public, validating layer). Shapes are exactly what the C++ builds or expects.
 */
import type { NsxHeader } from "../io/nsx-types.js";

/** header() as built by C++ (version as a string; the TS facade narrows it and adds neoCompatible). */
export type RawNsxHeader = Omit<NsxHeader, "version" | "neoCompatible"> & { version: string };

/** Options of `new NsxReader(path, options)`; absent keys mean the default. */
export interface RawNsxReaderOptions {
  gapToleranceMs?: number;
  neoCompatible?: boolean;
  /** Parallel arrays: electrode id -> NEV digitization factor (2.1 scaling). */
  digitizationIds?: Uint32Array;
  digitizationFactors?: Float64Array;
}

/** One open, memory-mapped NSx file. Every method throws a native error carrying `rplCode`. */
export interface RawNsxReader {
  header(): RawNsxHeader;
  /** Fills outs[k][0..count) with channel channels[k]; outs must be one Int16Array per channel, each >= count. */
  readRaw(channels: Uint32Array, segment: number, start: number, count: number, outs: Int16Array[]): void;
  readScaled(channels: Uint32Array, segment: number, start: number, count: number, outs: Float32Array[]): void;
  ptpTimestamps(segment: number, start: number, count: number): BigUint64Array;
  /** Unmaps the file; later calls throw. */
  close(): void;
}

/** Flat, fully filled spec for writeNsx (every field present; validated in src/io/nsx-writer.ts). */
export interface RawNsxWriteSpec {
  version: string;
  /** "" = the version's default id. */
  fileId: string;
  ptp: boolean;
  label: string;
  comment: string;
  period: number;
  timestampResolution: number;
  /** year, month, dayOfWeek, day, hour, minute, second, millisecond. */
  timeOrigin: number[];
  channels: RawNsxChannelSpec[];
  segments: { timestamp: bigint; data: Int16Array[]; sampleTimestamps?: BigUint64Array }[];
}

export interface RawNsxChannelSpec {
  electrodeId: number;
  label: string;
  physicalConnector: number;
  connectorPin: number;
  minDigital: number;
  maxDigital: number;
  minAnalog: number;
  maxAnalog: number;
  units: string;
  highFreqCorner: number;
  highFreqOrder: number;
  highFreqType: number;
  lowFreqCorner: number;
  lowFreqOrder: number;
  lowFreqType: number;
}

export interface NsxBinding {
  NsxReader: new (path: string, options: RawNsxReaderOptions) => RawNsxReader;
  /** Writes atomically (temp file + rename); returns the file size in bytes. */
  writeNsx(path: string, spec: RawNsxWriteSpec): number;
}
