/**
 * Realistic synthetic extracellular recordings: background noise, LFP rhythms, mains interference and spikes
 * of a few units with realistic waveforms and refractory periods, digitised as a Blackrock/Ripple front end
 * does (0.25 µV per bit). Used by `rplpipe demo`, the tests and the benchmarks; the ground truth (spike
 * times per unit) is returned for sorting-accuracy tests.
 */
import { normal, uniform } from "./random.js";

/** Microvolts per bit of the simulated front end (digital ±32764 ↔ analog ±8191 µV, as Blackrock writes). */
export const kMicrovoltsPerBit = 8191 / 32764;

export interface SynthUnit {
  /** Channel index (0-based) the unit is recorded on. */
  channel: number;
  /** Peak-to-trough amplitude in µV. */
  amplitudeUv: number;
  /** Mean firing rate in Hz (Poisson with a 2 ms refractory period). */
  rateHz: number;
  /** Waveform width scale (1 = typical 0.3 ms trough). */
  width: number;
}

export interface SynthOptions {
  channels: number;
  /** Duration in seconds. */
  seconds: number;
  /** Sampling rate in Hz; default 30000. */
  samplingRate?: number;
  /** Seed of every random choice; default 1. */
  seed?: number;
  /** Units to insert; default: 0–2 units per channel chosen from the seed. */
  units?: SynthUnit[];
  /** Mains frequency (50 or 60 Hz); default 60. */
  lineHz?: number;
  /** Background noise RMS in µV; default 8. */
  noiseUv?: number;
}

export interface SynthRecording {
  samplingRate: number;
  channels: number;
  samples: number;
  /** Interleaved int16 samples (sample-major: all channels of sample 0, then sample 1, ...), as NSx stores them. */
  data: Int16Array;
  units: SynthUnit[];
  /** Spike sample indices per unit (same order as `units`). */
  spikeTrains: Int32Array[];
}

/** Spike waveform at time t (ms from the trough): sharp negative trough then a slower positive rebound. */
function waveform(tMs: number, width: number): number {
  const trough = -Math.exp(-0.5 * (tMs / (0.12 * width)) ** 2);
  const rebound = 0.35 * Math.exp(-0.5 * ((tMs - 0.45 * width) / (0.25 * width)) ** 2);
  return trough + rebound;
}

/** 0–2 units per channel with amplitudes, rates and widths drawn from `seed`. */
export function defaultUnits(channels: number, seed: number): SynthUnit[] {
  const u = uniform(seed ^ 0x5eed);
  const units: SynthUnit[] = [];
  for (let c = 0; c < channels; c++) {
    const n = Math.floor(u() * 3); // 0, 1 or 2 units
    for (let k = 0; k < n; k++) {
      units.push({ channel: c, amplitudeUv: 60 + u() * 160, rateHz: 2 + u() * 15, width: 0.8 + u() * 0.6 });
    }
  }
  return units;
}

/** Generates a recording; deterministic for a given seed and options. */
export function synthesize(opts: SynthOptions): SynthRecording {
  const fs = opts.samplingRate ?? 30000;
  const seed = opts.seed ?? 1;
  const nch = opts.channels;
  const ns = Math.round(opts.seconds * fs);
  const units = opts.units ?? defaultUnits(nch, seed);
  const lineHz = opts.lineHz ?? 60;
  const noiseUv = opts.noiseUv ?? 8;
  const acc = new Float32Array(ns * nch);

  // Background: Gaussian noise with a little low-pass colouring, per channel.
  const g = normal(seed);
  for (let c = 0; c < nch; c++) {
    let prev = 0;
    for (let t = 0; t < ns; t++) {
      prev = 0.6 * prev + 0.8 * g();
      acc[t * nch + c] = prev * noiseUv;
    }
  }
  // LFP rhythms (theta ~7 Hz, beta ~20 Hz, slow gamma ~40 Hz) shared across channels with channel-specific
  // phase and gain, plus mains interference.
  const u = uniform(seed ^ 0xabcdef);
  const rhythms = [
    { hz: 7 + u(), uv: 60 },
    { hz: 20 + u() * 3, uv: 15 },
    { hz: 40 + u() * 5, uv: 8 },
  ];
  for (let c = 0; c < nch; c++) {
    const phases = rhythms.map(() => u() * 2 * Math.PI);
    const gain = 0.7 + 0.6 * u();
    const linePhase = u() * 2 * Math.PI;
    for (let t = 0; t < ns; t++) {
      const s = t / fs;
      let v = 0;
      for (let k = 0; k < rhythms.length; k++) {
        const r = rhythms[k]!;
        v += r.uv * (0.6 + 0.4 * Math.sin(2 * Math.PI * 0.3 * s + k)) * Math.sin(2 * Math.PI * r.hz * s + phases[k]!);
      }
      acc[t * nch + c]! += gain * v + 6 * Math.sin(2 * Math.PI * lineHz * s + linePhase);
    }
  }
  // Spikes: Poisson trains with a 2 ms refractory period; waveform from -0.6 ms to +1.4 ms around the trough.
  const spikeTrains: Int32Array[] = [];
  const pre = Math.round(0.0006 * fs);
  const post = Math.round(0.0014 * fs);
  units.forEach((unit, k) => {
    const r = uniform(seed * 7919 + k);
    const times: number[] = [];
    const refractory = Math.round(0.002 * fs);
    let t = pre + Math.floor(-Math.log(1 - r()) * (fs / unit.rateHz));
    while (t < ns - post) {
      times.push(t);
      t += refractory + Math.floor(-Math.log(1 - r()) * (fs / unit.rateHz));
    }
    const shape = new Float32Array(pre + post);
    for (let i = 0; i < pre + post; i++) shape[i] = waveform(((i - pre) / fs) * 1000, unit.width);
    const scale = unit.amplitudeUv / (Math.max(...shape) - Math.min(...shape));
    // Real spikes are not aligned to the sample grid and vary in amplitude: a sub-sample offset and ±8 %
    // amplitude per spike (without them a sorter splits one unit into several exact-copy clusters).
    for (const s of times) {
      const delta = r();
      const gain = scale * (1 + 0.08 * (2 * r() - 1));
      for (let i = 0; i < pre + post; i++) acc[(s - pre + i) * nch + unit.channel]! += gain * waveform(((i - pre - delta) / fs) * 1000, unit.width);
    }
    spikeTrains.push(Int32Array.from(times));
  });

  const data = new Int16Array(ns * nch);
  for (let i = 0; i < data.length; i++) {
    const v = Math.round(acc[i]! / kMicrovoltsPerBit);
    data[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return { samplingRate: fs, channels: nch, samples: ns, data, units, spikeTrains };
}
