/**
 * Plain-data summaries of recordings (what `rplpipe info` prints): version, channels, rates, segments,
 * connector → PyHipp array mapping, digital event counts. JSON-safe (no bigint, no typed arrays).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { RplpipeError } from "../errors.js";
import { detectRecordingKind } from "./detect.js";
import { openNsx } from "./nsx.js";
import { openNev } from "./nev.js";
import type { NsxTimeOrigin } from "./nsx-types.js";

const kFilterTypes: Record<number, string> = { 0: "none", 1: "Butterworth", 2: "Chebyshev" };

export interface FilterSummary {
  cornerHz: number;
  order: number;
  type: string;
}

export interface NsxSummary {
  kind: "nsx";
  path: string;
  fileId: string;
  version: string;
  label: string;
  samplingRate: number;
  period: number;
  timestampResolution: number;
  ptp: boolean;
  /** ISO 8601 UTC, or null (2.1 files, or an all-zero origin). */
  timeOrigin: string | null;
  fileSize: number;
  channels: {
    index: number;
    electrodeId: number;
    label: string;
    connector: number;
    pin: number;
    units: string;
    gain: number;
    offset: number;
    highPass: FilterSummary;
    lowPass: FilterSummary;
  }[];
  segments: { index: number; tStart: number; samples: number; seconds: number }[];
  totalSamples: number;
  totalSeconds: number;
  /** PyHipp's array directory per connector: array = connector + 1 (spec/pyhipp.md §3.2). */
  arrays: { connector: number; array: string; electrodeIds: number[] }[];
}

export interface NevSummary {
  kind: "nev";
  path: string;
  fileId: string;
  version: string;
  application: string;
  timestampResolution: number;
  timeOrigin: string | null;
  packetBytes: number;
  packetCount: number;
  trailingBytes: number;
  extendedHeaders: { waveform: number; label: number; filter: number; digitalLabel: number; other: number };
  digitalLabels: { label: string; mode: string }[];
  digital: {
    total: number;
    /** Count of events per insertion reason value. */
    byReason: Record<string, number>;
    /** neo's digital_input_port selection (what PyHipp's RPLParallel reads). */
    parallelPortNeo: number;
    /** Every event whose parallel-port bit is set (keeps Ripple events that neo drops). */
    parallelPortAll: number;
    distinctValues: number;
    firstSeconds: number | null;
    lastSeconds: number | null;
  };
  spikes: { total: number; electrodes: number };
  comments: number;
  otherPackets: number;
}

export interface FailedSummary {
  kind: "error";
  path: string;
  code: string;
  message: string;
}

export type RecordingSummary = NsxSummary | NevSummary | FailedSummary;

function isoTime(t: NsxTimeOrigin | null): string | null {
  if (!t || t.year === 0) return null;
  const d = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond);
  return Number.isNaN(d) ? null : new Date(d).toISOString();
}

function filter(corner: number, order: number, type: number): FilterSummary {
  return { cornerHz: corner / 1000, order, type: kFilterTypes[type] ?? `type ${type}` };
}

/** Summary of one NSx file. @throws RecordingFormatError for an unreadable file. */
export function summarizeNsx(path: string): NsxSummary {
  const f = openNsx(path);
  try {
    const h = f.header;
    const segments = h.segments.map((s) => ({
      index: s.index,
      tStart: s.tStart,
      samples: s.sampleCount,
      seconds: s.sampleCount / h.samplingRate,
    }));
    const byConnector = new Map<number, number[]>();
    for (const c of h.channels) {
      const ids = byConnector.get(c.physicalConnector) ?? [];
      ids.push(c.electrodeId);
      byConnector.set(c.physicalConnector, ids);
    }
    const totalSamples = segments.reduce((a, s) => a + s.samples, 0);
    return {
      kind: "nsx",
      path,
      fileId: h.fileId,
      version: h.version,
      label: h.label,
      samplingRate: h.samplingRate,
      period: h.period,
      timestampResolution: h.timestampResolution,
      ptp: h.ptp,
      timeOrigin: isoTime(h.timeOrigin),
      fileSize: h.fileSize,
      channels: h.channels.map((c) => ({
        index: c.index,
        electrodeId: c.electrodeId,
        label: c.label,
        connector: c.physicalConnector,
        pin: c.connectorPin,
        units: c.units,
        gain: c.gain,
        offset: c.offset,
        highPass: filter(c.highFreqCorner, c.highFreqOrder, c.highFreqType),
        lowPass: filter(c.lowFreqCorner, c.lowFreqOrder, c.lowFreqType),
      })),
      segments,
      totalSamples,
      totalSeconds: totalSamples / h.samplingRate,
      arrays: [...byConnector.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([connector, electrodeIds]) => ({
          connector,
          array: `array${String(connector + 1).padStart(2, "0")}`,
          electrodeIds,
        })),
    };
  } finally {
    f.close();
  }
}

/** Summary of one NEV file. @throws RecordingFormatError for an unreadable file. */
export function summarizeNev(path: string): NevSummary {
  const f = openNev(path);
  try {
    const h = f.header;
    const ev = f.digitalEvents();
    const byReason: Record<string, number> = {};
    for (const r of ev.reasons) byReason[String(r)] = (byReason[String(r)] ?? 0) + 1;
    const counts = f.packetCounts();
    const spikes = counts.spikes > 0 ? f.spikes() : undefined;
    const n = ev.seconds.length;
    return {
      kind: "nev",
      path,
      fileId: h.fileId,
      version: h.version,
      application: h.application,
      timestampResolution: h.timestampResolution,
      timeOrigin: isoTime(h.timeOrigin),
      packetBytes: h.packetBytes,
      packetCount: h.packetCount,
      trailingBytes: h.trailingBytes,
      extendedHeaders: {
        waveform: h.waveformHeaders.length,
        label: h.labels.length,
        filter: h.filters.length,
        digitalLabel: h.digitalLabels.length,
        other:
          h.extendedHeaderCount - h.waveformHeaders.length - h.labels.length - h.filters.length - h.digitalLabels.length,
      },
      digitalLabels: h.digitalLabels.map((d) => ({ label: d.label, mode: d.mode === 1 ? "parallel" : "serial" })),
      digital: {
        total: n,
        byReason,
        parallelPortNeo: f.parallelPortEvents("neo").values.length,
        parallelPortAll: f.parallelPortEvents("all-parallel").values.length,
        distinctValues: new Set(ev.values).size,
        firstSeconds: n > 0 ? ev.seconds[0]! : null,
        lastSeconds: n > 0 ? ev.seconds[n - 1]! : null,
      },
      spikes: { total: counts.spikes, electrodes: spikes ? new Set(spikes.electrodes).size : 0 },
      comments: counts.comments,
      otherPackets: counts.other,
    };
  } finally {
    f.close();
  }
}

/**
 * Summaries of a recording file, or of every recording file directly inside a directory (sorted by name).
 * A file that cannot be read becomes a `{ kind: "error" }` entry so one bad file does not hide the others.
 * @throws RplpipeError ERR_FILE_OPEN when `path` does not exist; ERR_NO_RECORDINGS for a directory without any.
 */
export function summarizeRecordings(path: string): RecordingSummary[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new RplpipeError("ERR_FILE_OPEN", `${path}: no such file or directory (${(e as NodeJS.ErrnoException).code})`);
  }
  if (!isDir) return [summarizeOne(path, true)];
  const files = readdirSync(path)
    .sort()
    .map((n) => join(path, n))
    .filter((p) => statSync(p).isFile() && detectRecordingKind(p) !== "unknown");
  if (files.length === 0)
    throw new RplpipeError("ERR_NO_RECORDINGS", `${path}: no .nsX or .nev recording files in this directory`);
  return files.map((p) => summarizeOne(p, false));
}

function summarizeOne(path: string, single: boolean): RecordingSummary {
  try {
    const kind = detectRecordingKind(path);
    if (kind === "nev") return summarizeNev(path);
    // NSx, Ripple .nfX and unknown files all go to the NSx reader, whose typed error says what the file is.
    return summarizeNsx(path);
  } catch (e) {
    if (single || !(e instanceof RplpipeError)) throw e;
    return { kind: "error", path, code: e.code, message: e.message };
  }
}
