/**
 * Types of the NSx (.ns1-.ns6) reader and writer (src/io/nsx.ts, src/io/nsx-writer.ts). docs/nsx.md explains
 * the segment and scaling rules and where they deliberately differ from neo.
 */

/** File spec: "2.1" = NEURALSG, "2.2"/"2.3" = NEURALCD, "3.0" = BRSMPGRP or NEURALCD with major version 3. */
export type NsxVersion = "2.1" | "2.2" | "2.3" | "3.0";

/** UTC time the recording started (2.2+ basic header); `dayOfWeek` 0 = Sunday. */
export interface NsxTimeOrigin {
  year: number;
  month: number;
  dayOfWeek: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** One channel (a CC extended header; for 2.1 derived from the electrode id, like neo). */
export interface NsxChannel {
  /** Column of this channel in the data (0-based): what read options' `channels` refer to. */
  index: number;
  /** Extended header type, "CC" (2.2+); "" for 2.1. */
  type: string;
  electrodeId: number;
  /** Label as stored: only trailing NULs stripped (neo's rule). 2.1: `chan<id>` / `ainp<id-128>` like neo. */
  label: string;
  /** Blackrock bank (A..D = 1..4, analog inputs 5); Ripple: 0-based front-end id. 0 in 2.1. */
  physicalConnector: number;
  connectorPin: number;
  /** Digital/analog ranges. 2.1: -1000/1000 and -/+digitization factor as neo builds them (analog NaN without factors). */
  minDigital: number;
  maxDigital: number;
  minAnalog: number;
  maxAnalog: number;
  /** Units as stored ("uV", "mV"; never converted). 2.1: "uV" with digitization factors, else "". */
  units: string;
  /** High-pass corner in mHz, order, type (0 none, 1 Butterworth, 2 Chebyshev). */
  highFreqCorner: number;
  highFreqOrder: number;
  highFreqType: number;
  /** Low-pass corner in mHz, order, type. */
  lowFreqCorner: number;
  lowFreqOrder: number;
  lowFreqType: number;
  /**
   * neo's scaling, value = raw * gain + offset in `units`:
   * gain = (maxAnalog - minAnalog) / (maxDigital - minDigital), offset = -minDigital * gain + minAnalog.
   * NaN when maxDigital == minDigital (readScaled then refuses the channel; neo cannot open such a file).
   */
  gain: number;
  offset: number;
}

/** One segment: a data block (2.2+), the whole file (2.1), or a gap-free run of PTP packets (3.0 PTP). */
export interface NsxSegment {
  index: number;
  /** Data block of the file it came from (PTP: index of its first packet); differs from `index` with neoCompatible. */
  blockIndex: number;
  /** Timestamp of the first sample in file ticks (`timestampResolution` Hz); 0 for 2.1. */
  timestamp: bigint;
  /** `timestamp / timestampResolution` in seconds (neo's signal t_start). */
  tStart: number;
  sampleCount: number;
  /** File offset of the first sample's values. */
  dataOffset: number;
}

export interface NsxHeader {
  path: string;
  /** "NEURALSG", "NEURALCD" or "BRSMPGRP". */
  fileId: string;
  version: NsxVersion;
  /** Sampling group label, e.g. "30 kS/s". */
  label: string;
  /** The 256-byte comment up to its first NUL (Central leaves garbage after it). */
  comment: string;
  /** All 256 comment bytes (Ripple: application, comment, processor timestamp u32 at byte 252). Empty for 2.1. */
  commentBytes: Uint8Array;
  /** Ticks of 1/30000 s between samples. */
  period: number;
  /** Timestamp ticks per second: 30000, or 1e9 for PTP; 30000 (implicit) for 2.1. */
  timestampResolution: number;
  /** 30000 / period, as neo (never timestampResolution / period). */
  samplingRate: number;
  /** null for 2.1. */
  timeOrigin: NsxTimeOrigin | null;
  /** 3.0 PTP file: one packet per sample with its own nanosecond timestamp (see NsxFile.ptpTimestamps). */
  ptp: boolean;
  /** Offset of the first data byte (bytes_in_headers). */
  headerBytes: number;
  fileSize: number;
  /** Bytes at the end that form no whole sample (2.1) or packet (PTP); 0 otherwise. */
  trailingBytes: number;
  /** Whether segments follow neo's rules (see OpenNsxOptions.neoCompatible). */
  neoCompatible: boolean;
  channels: NsxChannel[];
  segments: NsxSegment[];
}

export interface OpenNsxOptions {
  /**
   * PTP files only: split only at timestamp gaps larger than this many milliseconds (and larger than 2 sample
   * periods), as neo's `gap_tolerance_ms`. Default: split at every gap > 2 sample periods (neo raises instead).
   */
  gapToleranceMs?: number;
  /**
   * Segments exactly as neo's BlackrockRawIO reports this file on its own: segments with fewer than 2 samples
   * are dropped, and 2.1 files lose their last sample. Default false: every block, every sample.
   */
  neoCompatible?: boolean;
  /**
   * NSx 2.1 only (ignored otherwise): electrode id -> NEV NEUEVWAV digitization factor in nV/bit, e.g.
   * `openNev(base + ".nev").digitizationFactors()`. Scales like neo: gain = factor/1000 µV/bit, units "uV"
   * (a raw 21516 is replaced by 152592.547). Every electrode of the file needs an entry. Without it, 2.1
   * channels have gain 1, offset 0, units "".
   */
  digitizationFactors?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
}

/** Which samples to read. Defaults: all channels, segment 0, from sample 0 to the end of the segment. */
export interface NsxReadOptions {
  /** Channel indices (NsxChannel.index, not electrode ids), in the order the outputs should have. */
  channels?: readonly number[];
  segment?: number;
  /** First sample, relative to the segment start. */
  start?: number;
  count?: number;
}

/** Which PTP timestamps to read. Defaults: the whole segment. */
export interface NsxTimestampOptions {
  start?: number;
  count?: number;
}

/** A channel to write; everything but `electrodeId` has a default (see writeNsx). NsxChannel objects fit. */
export interface NsxChannelSpec {
  electrodeId: number;
  label?: string;
  physicalConnector?: number;
  connectorPin?: number;
  minDigital?: number;
  maxDigital?: number;
  minAnalog?: number;
  maxAnalog?: number;
  units?: string;
  highFreqCorner?: number;
  highFreqOrder?: number;
  highFreqType?: number;
  lowFreqCorner?: number;
  lowFreqOrder?: number;
  lowFreqType?: number;
  /** Read-only fields of NsxChannel, accepted and ignored so a read header can be written back. */
  index?: number;
  type?: string;
  gain?: number;
  offset?: number;
}

/** One data block to write (a pause starts a new one; a clock reset is one with a smaller timestamp). */
export interface NsxSegmentSpec {
  /** First sample's timestamp in ticks (u32 for 2.2/2.3, u64 for 3.0; ignored for 2.1). Default 0. */
  timestamp?: bigint | number;
  /** One Int16Array per channel, all the same length (channel-major, as readRaw returns them). */
  data: readonly Int16Array[];
  /** PTP only: one ns timestamp per sample. Default: timestamp + floor(i * period * 1e9 / 30000). */
  sampleTimestamps?: BigUint64Array;
}

/**
 * What writeNsx writes. Required: `version`, `channels`, `segments`. A header read from a file can be spread
 * in (`{ ...file.header, segments }`): derived fields are ignored.
 */
export interface NsxWriteSpec {
  version: NsxVersion;
  /** 3.0 only: "BRSMPGRP" (default) or "NEURALCD". Ignored for other versions. */
  fileId?: string;
  /** 3.0 only: write one-sample packets with ns timestamps (timestampResolution defaults to 1e9). */
  ptp?: boolean;
  /** <= 16 bytes UTF-8. Default from the rate, e.g. "30 kS/s". Ignored by readers. */
  label?: string;
  /** <= 256 bytes UTF-8 (2.2+). Default "". */
  comment?: string;
  /** Ticks of 1/30000 s between samples. Default 1 (30 kHz). */
  period?: number;
  /** Default 30000, or 1e9 when ptp. */
  timestampResolution?: number;
  /** 2.2+. Default all zero (unknown). */
  timeOrigin?: NsxTimeOrigin | null;
  channels: readonly NsxChannelSpec[];
  /** 2.1 files hold exactly one. */
  segments: readonly NsxSegmentSpec[];
  /** Fields of NsxHeader accepted and ignored (so `{ ...header }` works). */
  path?: string;
  samplingRate?: number;
  commentBytes?: Uint8Array;
  headerBytes?: number;
  fileSize?: number;
  trailingBytes?: number;
  neoCompatible?: boolean;
}
