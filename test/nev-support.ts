/**
 * Shared fixtures of the NEV tests (test/nev-*.test.ts): temp dirs, synthetic write specs (Blackrock and
 * Ripple flavoured) and the neo oracle (test/python/neo_nev_dump.py), whose arrays come back as raw files.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPythonJson } from "./helpers/reference.js";
import type { NevVersion, NevWriteSpec } from "../src/io/nev-types.js";

export function makeTempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rplpipe-nev-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `dir/<name>/<name>.nev`: neo needs the .nev alone under its base name (no .nsX beside it). */
export function nevPathIn(dir: string, name: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  return join(dir, name, `${name}.nev`);
}

function raw(path: string): Buffer {
  return readFileSync(path);
}
const view = <T>(ctor: new (b: ArrayBuffer) => T, path: string): T => {
  const b = raw(path);
  return new ctor(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
};

export interface NeoEventChannel {
  name: string;
  count: number;
  labels?: string[];
  ts: BigUint64Array;
  seconds: Float64Array;
  /** Numeric labels (non-comment channels). */
  values?: BigInt64Array;
}
export interface NeoSpikeChannel {
  name: string;
  id: string;
  electrode: number;
  unit: number;
  gain: number;
  count: number;
  samples: number;
  wf_dtype: string;
  ts: BigUint64Array;
  waveforms: Int32Array;
}
export interface NeoNev {
  spec: string;
  nb_segment: number;
  rec_datetime: string;
  warnings: string[];
  events: Map<string, NeoEventChannel>;
  spikes: NeoSpikeChannel[];
}

/** What neo exposes from `nevPath` (events by channel name, spike channels in neo's order). */
export function neoDump(nevPath: string, outDir: string): NeoNev {
  const meta = runPythonJson<{
    spec: string;
    nb_segment: number;
    rec_datetime: string;
    warnings: string[];
    event_channels: { name: string; count: number; labels?: string[] }[];
    spike_channels: Omit<NeoSpikeChannel, "ts" | "waveforms">[];
  }>("neo_nev_dump.py", [nevPath, outDir]);
  const events = new Map<string, NeoEventChannel>();
  meta.event_channels.forEach((c, i) => {
    const ch: NeoEventChannel = {
      ...c,
      ts: view(BigUint64Array, join(outDir, `ev${i}_ts.u64`)),
      seconds: view(Float64Array, join(outDir, `ev${i}_sec.f64`)),
    };
    if (c.name !== "comments") ch.values = view(BigInt64Array, join(outDir, `ev${i}_lab.i64`));
    events.set(c.name, ch);
  });
  const spikes = meta.spike_channels.map((c, i) => ({
    ...c,
    ts: view(BigUint64Array, join(outDir, `sp${i}_ts.u64`)),
    waveforms: view(Int32Array, join(outDir, `sp${i}_wf.i32`)),
  }));
  return { spec: meta.spec, nb_segment: meta.nb_segment, rec_datetime: meta.rec_datetime, warnings: meta.warnings, events, spikes };
}


/**
 * A synthetic recording: digital events with several reason-bit combinations (Ripple strobe + SMA = 3, SMA
 * alone = 2, serial 129, periodic 64), spikes on electrodes inside and outside neo's ranges, comments.
 * Timestamps increase, so neo sees one segment.
 */
export function syntheticSpec(
  version: NevVersion,
  opts: { samples?: number; spikeWidth?: number; tsOffset?: number; timestampResolution?: number } = {},
): NevWriteSpec {
  const v2 = version !== "3.0";
  const w = opts.samples ?? 48;
  const big = (a: number[]): BigUint64Array => BigUint64Array.from(a.map((t) => BigInt(t + (opts.tsOffset ?? 0))));
  // 60 = analog inputs 2..5, 34 = inputs 1 and 5: every neo analog_input_channel_k gets events.
  const reasons = [1, 3, 2, 1, 129, 64, 1, 1, 65, 3, 1, 60, 34];
  const n = reasons.length;
  const dts = reasons.map((_, i) => 100 + 37 * i);
  const values = reasons.map((_, i) => (i === 0 ? 128 : (i * 2654435761) % 65536));
  const analog = v2 ? Int16Array.from({ length: 5 * n }, (_, k) => ((k * 7919) % 6000) - 3000) : undefined;
  // Electrodes: 1 and 2 (everyone), 300 (> 255: neo 2.1/2.2 drop it), 2049 (> 2048: neo drops it always),
  // 5121 (Ripple stim on electrode 1), 7 (no NEUEVWAV: neo drops it).
  const electrodes = [1, 2, 300, 1, 2049, 5121, 2, 7, 1, 300];
  const units = [0, 1, 2, 1, 0, 0, 255, 0, 0, 1];
  const sts = electrodes.map((_, i) => 120 + 41 * i);
  const waveforms = Int16Array.from({ length: electrodes.length * w }, (_, k) => ((k * 104729) % 4001) - 2000);
  const wfElectrodes = [1, 2, 300, 2049, 5121];
  const spec: NevWriteSpec = {
    version,
    application: "Trellis 1.14",
    timestampResolution: opts.timestampResolution ?? 30000,
    comment: "synthetic",
    timeOrigin: { year: 2023, month: 9, dayOfWeek: 3, day: 13, hour: 0, minute: 11, second: 33, millisecond: 846 },
    waveformHeaders: wfElectrodes.map((e, i) => ({
      electrodeId: e,
      physicalConnector: i % 4,
      connectorPin: (e % 32) + 1,
      digitizationFactor: i === 1 ? 21516 : 250,
      lowThreshold: -200 - i,
      highThreshold: 300 + i,
      bytesPerSample: 2,
      ...(opts.spikeWidth === undefined ? {} : { spikeWidth: opts.spikeWidth }),
    })),
    labels: wfElectrodes.map((e) => ({ electrodeId: e, label: e > 5120 ? `stim ${e - 5120}` : `raw ${e}` })),
    filters: wfElectrodes.slice(0, 3).map((e) => ({
      electrodeId: e, highFreqCorner: 250000, highFreqOrder: 4, highFreqType: 1,
      lowFreqCorner: 7500000, lowFreqOrder: 3, lowFreqType: 1,
    })),
    digitalLabels: [{ label: "digin", mode: 1 }, { label: "serial", mode: 0 }],
    digitalEvents: { timestamps: big(dts), reasons: Uint8Array.from(reasons), values: Uint16Array.from(values), ...(analog ? { analog } : {}) },
    spikes: { timestamps: big(sts), electrodes: Uint16Array.from(electrodes), units: Uint8Array.from(units), waveforms, samplesPerWaveform: w },
    comments: {
      timestamps: big([150, 400]),
      charSets: Uint8Array.of(0, 1),
      flags: Uint8Array.of(0, 0),
      colors: Uint32Array.of(0xff0000ff, 0x00ff00ff),
      texts: ["start trial", "µ-stim ✓"],
    },
  };
  if (!v2) spec.textHeaders = [{ id: "MAPFILE", text: "probe.cmp" }];
  return spec;
}
