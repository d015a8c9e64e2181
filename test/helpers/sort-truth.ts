/**
 * A ground-truth recording day for sorting tests: session01 + sessioneye (.ns5 + .nev, as the lab records them)
 * with chosen units on chosen channels. Background (noise, LFP rhythms, mains) is synthesize()'s; the spikes are
 * added here with what real spikes have and a fixed-grid synthesis lacks: continuous (sub-sample) spike times and
 * ±8 % amplitude variability. ground-truth.json has writeSyntheticDay's format (spike samples = rounded trough
 * times relative to each session's first sample).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeNsx } from "../../src/io/nsx-writer.js";
import { writeNev } from "../../src/io/nev-writer.js";
import { kMicrovoltsPerBit, synthesize, type SynthUnit } from "../../src/synth/neural.js";
import { trialMarkers } from "../../src/synth/markers.js";
import { normal, uniform } from "../../src/synth/random.js";

export interface TruthDayOptions {
  seconds: number;
  /** Electrode ids, all on array01 (connector 0). */
  electrodeIds: number[];
  /** `channel` = index into electrodeIds. */
  units: SynthUnit[];
  seed: number;
  noiseUv?: number;
}

/** Trough at 0 ms, slower positive rebound; peak-to-trough 1.35 before scaling (as src/synth). */
function waveform(tMs: number, width: number): number {
  return -Math.exp(-0.5 * (tMs / (0.12 * width)) ** 2) + 0.35 * Math.exp(-0.5 * ((tMs - 0.45 * width) / (0.25 * width)) ** 2);
}

function addUnits(acc: Float64Array, nch: number, ns: number, fs: number, units: SynthUnit[], seed: number): number[][] {
  return units.map((u, k) => {
    const r = uniform(seed * 7919 + k * 31 + 7);
    const g = normal(seed * 104729 + k);
    const trains: number[] = [];
    const peak = Math.max(...Array.from({ length: 200 }, (_, i) => waveform(-1 + i / 100, u.width))) - Math.min(...Array.from({ length: 200 }, (_, i) => waveform(-1 + i / 100, u.width)));
    let t = 0.002 * fs + (-Math.log(1 - r()) * fs) / u.rateHz;
    while (t < ns - 0.003 * fs) {
      const scale = (u.amplitudeUv / peak) * (1 + 0.08 * g());
      const i0 = Math.ceil(t - 0.0008 * fs);
      const i1 = Math.floor(t + 0.002 * fs);
      for (let i = i0; i <= i1; i++) acc[i * nch + u.channel]! += scale * waveform(((i - t) / fs) * 1000, u.width);
      trains.push(Math.round(t));
      t += 0.002 * fs + (-Math.log(1 - r()) * fs) / u.rateHz;
    }
    return trains;
  });
}

/** Writes the day; returns the truth it also stores in `<dayDir>/ground-truth.json`. */
export function writeTruthDay(dayDir: string, o: TruthDayOptions): { electrodeIds: number[]; sessions: { name: string; units: SynthUnit[]; spikeTrains: number[][] }[] } {
  const nch = o.electrodeIds.length;
  const sessions = ["session01", "sessioneye"].map((name, s) => {
    const seed = o.seed * 101 + s;
    const bg = synthesize({ channels: nch, seconds: o.seconds, seed, units: [], noiseUv: o.noiseUv ?? 8 });
    const fs = bg.samplingRate;
    const acc = Float64Array.from(bg.data, (x) => x * kMicrovoltsPerBit);
    const spikeTrains = addUnits(acc, nch, bg.samples, fs, o.units, seed);
    const perChannel = o.electrodeIds.map(() => new Int16Array(bg.samples));
    for (let t = 0; t < bg.samples; t++)
      for (let c = 0; c < nch; c++) perChannel[c]![t] = Math.max(-32768, Math.min(32767, Math.round(acc[t * nch + c]! / kMicrovoltsPerBit)));
    const dir = join(dayDir, name);
    mkdirSync(dir, { recursive: true });
    const timeOrigin = { year: 2018, month: 11, dayOfWeek: 1, day: 5, hour: 10 + s, minute: 0, second: 0, millisecond: 0 };
    writeNsx(join(dir, `truth_${name}.ns5`), {
      version: "2.2", label: "30 ksamp/sec", comment: "rplpipe sorting ground truth", period: 1, timestampResolution: 30000, timeOrigin,
      channels: o.electrodeIds.map((id) => ({
        electrodeId: id, label: `raw ${id}`, physicalConnector: 0, connectorPin: ((id - 1) % 32) + 1, minDigital: -32764, maxDigital: 32764,
        minAnalog: -8191, maxAnalog: 8191, units: "uV", highFreqCorner: 300, highFreqOrder: 1, highFreqType: 1, lowFreqCorner: 7500000, lowFreqOrder: 3, lowFreqType: 1,
      })),
      segments: [{ timestamp: 0, data: perChannel }],
    });
    const markers = trialMarkers({ seconds: o.seconds, kind: s === 0 ? "task" : "eye", seed });
    writeNev(join(dir, `truth_${name}.nev`), {
      version: "2.2", application: "rplpipe sort test", timeOrigin, digitalLabels: [{ label: "parallel", mode: 1 }],
      digitalEvents: { timestamps: BigUint64Array.from(markers.map((m) => BigInt(m.timestamp))), reasons: new Uint8Array(markers.length).fill(1), values: Uint16Array.from(markers.map((m) => m.value)) },
    });
    return { name, units: o.units, spikeTrains };
  });
  const truth = { electrodeIds: o.electrodeIds, sessions };
  writeFileSync(join(dayDir, "ground-truth.json"), JSON.stringify(truth));
  return truth;
}
