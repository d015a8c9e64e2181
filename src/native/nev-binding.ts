/**
 * Raw functions of native/src/napi/nev_binding.cc (internal; src/io/nev.ts and src/io/nev-writer.ts are the
 * public, validating layer). Shapes are exactly what the C++ builds or expects.
 */
import type {
  NevComments,
  NevDigitalLabel,
  NevElectrodeFilter,
  NevElectrodeLabel,
  NevHeader,
  NevNsasExev,
  NevPacketCounts,
  NevTextHeader,
  NevTimeOrigin,
  NevTrackableObject,
  NevVideoSource,
  NevWaveformHeader,
} from "../io/nev-types.js";

/** header() as built by C++ (version as "major.minor"; the TS facade narrows it). */
export type RawNevHeader = Omit<NevHeader, "version" | "fileId"> & { version: string; fileId: string };

export interface RawNevDigitalEvents {
  timestamps: BigUint64Array;
  seconds: Float64Array;
  reasons: Uint8Array;
  values: Uint16Array;
  /** 5 per event; null for 3.0 files and 2.x files with packets shorter than 20 bytes. */
  analog: Int16Array | null;
}

export interface RawNevSpikes {
  timestamps: BigUint64Array;
  seconds: Float64Array;
  electrodes: Uint16Array;
  units: Uint8Array;
  waveforms: Int16Array;
  samplesPerWaveform: number;
}

/** One open, memory-mapped .nev file. Every method throws a native error carrying `rplCode`. */
export interface RawNevReader {
  header(): RawNevHeader;
  packetCounts(): NevPacketCounts;
  digitalEvents(): RawNevDigitalEvents;
  spikes(): RawNevSpikes;
  comments(): NevComments;
  close(): void;
}

/** Flat, fully filled spec for writeNev (every field present; validated in src/io/nev-writer.ts). */
export interface RawNevWriteSpec {
  fileId: string;
  versionMajor: number;
  versionMinor: number;
  additionalFlags: number;
  packetBytes: number;
  timestampResolution: number;
  sampleResolution: number;
  timeOrigin: NevTimeOrigin;
  application: string;
  comment: string;
  processorTimestamp: number;
  waveformHeaders: NevWaveformHeader[];
  labels: NevElectrodeLabel[];
  filters: NevElectrodeFilter[];
  digitalLabels: NevDigitalLabel[];
  nsasExev: NevNsasExev[];
  textHeaders: NevTextHeader[];
  videoSources: NevVideoSource[];
  trackableObjects: NevTrackableObject[];
  digital: { timestamps: BigUint64Array; reasons: Uint8Array; values: Uint16Array; analog: Int16Array | null };
  spikes: {
    timestamps: BigUint64Array;
    electrodes: Uint16Array;
    units: Uint8Array;
    waveforms: Int16Array;
    samplesPerWaveform: number;
  };
  comments: {
    timestamps: BigUint64Array;
    charSets: Uint8Array;
    flags: Uint8Array;
    colors: Uint32Array;
    /** Encoded texts back to back; text i is textBytes[textOffsets[i] .. textOffsets[i+1]). */
    textBytes: Uint8Array;
    textOffsets: Uint32Array;
  };
}

export interface NevBinding {
  NevReader: new (path: string) => RawNevReader;
  writeNev(path: string, spec: RawNevWriteSpec): void;
}
