/**
 * Public types of the NEV (.nev) reader and writer. Field meanings and byte layouts: docs/nev.md and
 * spec/nsx-format.md §3. All strings are decoded as latin-1 (one character per byte), so no byte is lost.
 */

/** NEV file spec versions rplpipe reads and writes. */
export type NevVersion = "2.1" | "2.2" | "2.3" | "3.0";

/** Recording start as written by the acquisition system (Windows SYSTEMTIME order; dayOfWeek 0 = Sunday). */
export interface NevTimeOrigin {
  year: number;
  month: number;
  dayOfWeek: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** NEUEVWAV: spike waveform settings of one electrode. */
export interface NevWaveformHeader {
  electrodeId: number;
  /** Blackrock bank 1..4 (A..D); Ripple front-end id (0-based). */
  physicalConnector: number;
  connectorPin: number;
  /** nV per bit of the waveform samples (see NevFile.digitizationFactors for the 21516 quirk). */
  digitizationFactor: number;
  energyThreshold: number;
  /** µV. */
  highThreshold: number;
  lowThreshold: number;
  sortedUnits: number;
  /** 0/1 = int8, 2 = int16, 4 = int32; ignored when additionalFlags bit 0 is set (all int16). */
  bytesPerSample: number;
  /** Samples per waveform (spec 2.3+; 0 or a Ripple float fragment in 2.1/2.2 files). */
  spikeWidth: number;
}

/** NEUEVLBL. */
export interface NevElectrodeLabel {
  electrodeId: number;
  label: string;
}

/** NEUEVFLT: hardware filter of one electrode; corners in mHz, type 0 none, 1 Butterworth. */
export interface NevElectrodeFilter {
  electrodeId: number;
  highFreqCorner: number;
  highFreqOrder: number;
  highFreqType: number;
  lowFreqCorner: number;
  lowFreqOrder: number;
  lowFreqType: number;
}

/** DIGLABEL: mode 0 = serial, 1 = parallel. */
export interface NevDigitalLabel {
  label: string;
  mode: number;
}

/** NSASEXEV (2.1/2.2): periodic sampling and analog-input edge detection. */
export interface NevNsasExev {
  frequency: number;
  digitalInputConfig: number;
  /** Five entries, one per analog input. */
  analogConfig: number[];
  analogEdgeDetect: number[];
}

/** ARRAYNME / ECOMMENT / CCOMMENT / MAPFILE: 24-byte text headers. */
export interface NevTextHeader {
  id: "ARRAYNME" | "ECOMMENT" | "CCOMMENT" | "MAPFILE";
  text: string;
}

/** VIDEOSYN (2.3+). */
export interface NevVideoSource {
  sourceId: number;
  source: string;
  frameRate: number;
}

/** TRACKOBJ (2.3+), neo's layout (u16 id at byte 10). */
export interface NevTrackableObject {
  type: number;
  id: number;
  pointCount: number;
  source: string;
}

/** An extended header whose id rplpipe does not know: kept, not an error. `offset` is its file offset. */
export interface NevUnknownHeader {
  id: string;
  offset: number;
}

/** Everything in the basic and extended headers, plus the packet arithmetic. */
export interface NevHeader {
  path: string;
  fileId: "NEURALEV" | "BREVENTS";
  version: NevVersion;
  /** Bit 0: every waveform is int16 (neo cannot read spikes without it). */
  additionalFlags: number;
  /** bytes_in_headers = 336 + 32 × extendedHeaderCount. */
  headerBytes: number;
  /** bytes_in_data_packets (P). */
  packetBytes: number;
  /** Ticks per second of packet timestamps (30000; 1e9 for PTP 3.0). */
  timestampResolution: number;
  /** Waveform sampling rate in Hz. */
  sampleResolution: number;
  timeOrigin: NevTimeOrigin;
  application: string;
  /** Text up to the first NUL (Central leaves garbage after it, Ripple a processor timestamp). */
  comment: string;
  /** Ripple: NIP time at file start (u32 at byte 328); for Blackrock files the tail of the comment field. */
  processorTimestamp: number;
  extendedHeaderCount: number;
  fileSize: number;
  /** floor((fileSize − headerBytes) / packetBytes). */
  packetCount: number;
  /** Bytes of an incomplete last packet, ignored (an interrupted recording). */
  trailingBytes: number;
  waveformHeaders: NevWaveformHeader[];
  labels: NevElectrodeLabel[];
  filters: NevElectrodeFilter[];
  digitalLabels: NevDigitalLabel[];
  nsasExev: NevNsasExev[];
  textHeaders: NevTextHeader[];
  videoSources: NevVideoSource[];
  trackableObjects: NevTrackableObject[];
  unknownHeaders: NevUnknownHeader[];
}

/** Packet id 0 (parallel port, serial, Ripple SMA) in file order — every one, whatever its reason bits. */
export interface NevDigitalEvents {
  /** Raw ticks. */
  timestamps: BigUint64Array;
  /** timestamps / timestampResolution. */
  seconds: Float64Array;
  /** Insertion reason bit mask: bit0 parallel port/strobe, bits1–5 analog/SMA inputs, bit6 periodic, bit7 serial. */
  reasons: Uint8Array;
  /** The 16-bit port word. */
  values: Uint16Array;
  /** 2.x files with packets ≥ 20 bytes: five i16 analog/SMA values per event (row-major, n × 5). */
  analog?: Int16Array;
}

/** Spike packets (ids 1..16384, including Ripple stim 5121.. and analog I/O 10241..) in file order. */
export interface NevSpikes {
  timestamps: BigUint64Array;
  seconds: Float64Array;
  /** Packet id (electrode id; Ripple stim = 5120 + electrode). */
  electrodes: Uint16Array;
  /** 0 unclassified, 1–16 sorted, 255 noise. */
  units: Uint8Array;
  /** Row-major n × samplesPerWaveform raw samples (int8 widened, int32 saturated; narrower rows zero-padded). */
  waveforms: Int16Array;
  samplesPerWaveform: number;
}

/** Comment packets (id 0xFFFF). */
export interface NevComments {
  timestamps: BigUint64Array;
  seconds: Float64Array;
  /** 0 latin-1, 1 UTF-16, 255 NeuroMotive ROI. */
  charSets: Uint8Array;
  flags: Uint8Array;
  /** RGBA colour (or start time, depending on the flag). */
  colors: Uint32Array;
  texts: string[];
}

/** Packets per class; `other` = video sync, tracking, buttons, config and undocumented ids. */
export interface NevPacketCounts {
  digital: number;
  spikes: number;
  comments: number;
  other: number;
}

/**
 * Which digital events count as parallel-port markers:
 * - `"neo"`: exactly neo's `digital_input_port` (reason == 1 for 2.1/2.2; bit0 set and bit7 clear for 2.3/3.0),
 * - `"all-parallel"`: bit0 set and bit7 clear for every version (keeps Ripple packets where the port changed
 *   together with an SMA input, e.g. reason 3, which neo drops for 2.1/2.2).
 */
export type ParallelPortMode = "neo" | "all-parallel";

/** Options of NevFile.spikes(). */
export interface NevSpikeOptions {
  /**
   * `"all"` (default): every spike packet. `"neo"`: what neo's BlackrockRawIO exposes — ids 1..255 (2.1/2.2) or
   * 1..2048 (2.3/3.0) that have a NEUEVWAV header, waveforms cut to `spikeWidth` samples (from the end) for 2.3/3.0.
   */
  selection?: "all" | "neo";
}

/** Options of NevFile.digitizationFactors(). */
export interface NevDigitizationOptions {
  /** Replace 21516 by 152592.547 nV/bit (NPMK/neo workaround for a Cerebus overflow). Default true. */
  overflowWorkaround?: boolean;
}

/** Waveform header for writing; everything but electrodeId has a default (see writeNev). */
export type NevWaveformHeaderInput = Pick<NevWaveformHeader, "electrodeId"> & Partial<NevWaveformHeader>;

/**
 * What writeNev writes. Only `version` is required. A NevHeader read from a file can be spread in
 * (`{...file.header, digitalEvents, spikes}`): derived fields (path, headerBytes, extendedHeaderCount,
 * fileSize, packetCount, trailingBytes, unknownHeaders) are ignored.
 */
export interface NevWriteSpec {
  version: NevVersion;
  /** Default "NEURALEV" for 2.x, "BREVENTS" for 3.0. */
  fileId?: "NEURALEV" | "BREVENTS";
  /** Default 1 (all waveforms int16, which neo requires to read spikes). */
  additionalFlags?: number;
  /** Default 8 (2.x) or 12 (3.0) + 2 × samplesPerWaveform (48 without spikes): 104 / 108. */
  packetBytes?: number;
  /** Default 30000. */
  timestampResolution?: number;
  /** Default 30000. */
  sampleResolution?: number;
  /** Default 2000-01-01 00:00:00.000 (a Saturday). */
  timeOrigin?: NevTimeOrigin;
  /** At most 32 latin-1 characters; default "rplpipe". */
  application?: string;
  /** At most 256 latin-1 characters (252 with a processorTimestamp); default "". */
  comment?: string;
  /** Default 0 (not written). */
  processorTimestamp?: number;
  waveformHeaders?: NevWaveformHeaderInput[];
  labels?: NevElectrodeLabel[];
  filters?: NevElectrodeFilter[];
  digitalLabels?: NevDigitalLabel[];
  nsasExev?: NevNsasExev[];
  textHeaders?: NevTextHeader[];
  videoSources?: NevVideoSource[];
  trackableObjects?: NevTrackableObject[];
  digitalEvents?: Pick<NevDigitalEvents, "timestamps" | "reasons" | "values" | "analog"> & { seconds?: unknown };
  spikes?: Pick<NevSpikes, "timestamps" | "electrodes" | "units" | "waveforms" | "samplesPerWaveform"> & {
    seconds?: unknown;
  };
  comments?: Pick<NevComments, "timestamps" | "charSets" | "flags" | "colors" | "texts"> & { seconds?: unknown };
}
