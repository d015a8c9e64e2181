/**
 * A realistic synthetic recording day in the lab's layout: `<dir>/session01/` (task, with trial markers) and
 * `<dir>/sessioneye/` (eye calibration, markers starting with 128), each holding a Ripple-style .ns5 (NSx 2.2,
 * labels "raw N", front-end id per array of 32) and a .nev (NEV 2.2, parallel-port events). Used by
 * `rplpipe demo`, the tests and the benchmarks. Ground truth (unit spike times) goes to
 * `<dir>/ground-truth.json` for sorting-accuracy checks.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeNsx } from "../io/nsx-writer.js";
import { writeNev } from "../io/nev-writer.js";
import { checkInteger, checkKnownKeys, checkNumber, isPlainObject } from "../validate.js";
import { invalidOption } from "../errors.js";
import { defaultUnits, synthesize, type SynthUnit } from "./neural.js";
import { trialMarkers } from "./markers.js";

export interface SyntheticDayOptions {
  /** Seconds per session; default 60. */
  seconds?: number;
  /** Arrays (front ends of 32 channels); default 2. */
  arrays?: number;
  /** Channels recorded per array (the first pins of each front end); default 4. */
  channelsPerArray?: number;
  /** Seed of all random choices; default 1. */
  seed?: number;
}

const kDefaults = Object.freeze({ seconds: 60, arrays: 2, channelsPerArray: 4, seed: 1 });

export interface SyntheticSession {
  name: string;
  ns5: string;
  nev: string;
  electrodeIds: number[];
  units: SynthUnit[];
  /** Spike sample indices per unit, relative to the session's first sample. */
  spikeTrains: number[][];
}

function check(options: SyntheticDayOptions | undefined): Required<SyntheticDayOptions> {
  if (options === undefined) return { ...kDefaults };
  if (!isPlainObject(options)) throw invalidOption("options", "an options object", options);
  checkKnownKeys("options", options, Object.keys(kDefaults));
  const o = { ...kDefaults, ...options };
  return {
    seconds: checkNumber("options.seconds", o.seconds, 1, 36000),
    arrays: checkInteger("options.arrays", o.arrays, 1, 16),
    channelsPerArray: checkInteger("options.channelsPerArray", o.channelsPerArray, 1, 32),
    seed: checkInteger("options.seed", o.seed, 0, 2 ** 31),
  };
}

/** Writes the synthetic day under `dir` (created if needed) and returns what was written. */
export function writeSyntheticDay(dir: string, options?: SyntheticDayOptions): SyntheticSession[] {
  const o = check(options);
  const electrodeIds: number[] = [];
  const connectors: number[] = [];
  for (let a = 0; a < o.arrays; a++)
    for (let k = 0; k < o.channelsPerArray; k++) {
      electrodeIds.push(a * 32 + k + 1);
      connectors.push(a);
    }
  const sessions: SyntheticSession[] = [];
  const kinds = [
    { name: "session01", kind: "task" as const },
    { name: "sessioneye", kind: "eye" as const },
  ];
  kinds.forEach(({ name, kind }, s) => {
    const sdir = join(dir, name);
    mkdirSync(sdir, { recursive: true });
    const seed = o.seed * 101 + s;
    // The same units fire in every session (as one day's recordings from fixed electrodes would).
    const rec = synthesize({ channels: electrodeIds.length, seconds: o.seconds, seed, units: defaultUnits(electrodeIds.length, o.seed) });
    const nch = electrodeIds.length;
    const perChannel = electrodeIds.map(() => new Int16Array(rec.samples));
    for (let t = 0; t < rec.samples; t++) for (let c = 0; c < nch; c++) perChannel[c]![t] = rec.data[t * nch + c]!;
    const base = join(sdir, `demo_${name}`);
    const timeOrigin = { year: 2018, month: 11, dayOfWeek: 1, day: 5, hour: 10 + s, minute: 0, second: 0, millisecond: 0 };
    writeNsx(`${base}.ns5`, {
      version: "2.2",
      label: "30 ksamp/sec",
      comment: "rplpipe synthetic recording",
      period: 1,
      timestampResolution: 30000,
      timeOrigin,
      channels: electrodeIds.map((id, i) => ({
        electrodeId: id,
        label: `raw ${id}`,
        physicalConnector: connectors[i]!,
        connectorPin: ((id - 1) % 32) + 1,
        minDigital: -32764,
        maxDigital: 32764,
        minAnalog: -8191,
        maxAnalog: 8191,
        units: "uV",
        highFreqCorner: 300,
        highFreqOrder: 1,
        highFreqType: 1,
        lowFreqCorner: 7500000,
        lowFreqOrder: 3,
        lowFreqType: 1,
      })),
      segments: [{ timestamp: 0, data: perChannel }],
    });
    const markers = trialMarkers({ seconds: o.seconds, kind, seed });
    writeNev(`${base}.nev`, {
      version: "2.2",
      application: "rplpipe demo",
      timeOrigin,
      digitalLabels: [{ label: "parallel", mode: 1 }],
      digitalEvents: {
        timestamps: BigUint64Array.from(markers.map((m) => BigInt(m.timestamp))),
        reasons: new Uint8Array(markers.length).fill(1),
        values: Uint16Array.from(markers.map((m) => m.value)),
      },
    });
    sessions.push({
      name,
      ns5: `${base}.ns5`,
      nev: `${base}.nev`,
      electrodeIds,
      units: rec.units,
      spikeTrains: rec.spikeTrains.map((t) => Array.from(t)),
    });
  });
  const truth = join(dir, "ground-truth.json");
  writeFileSync(`${truth}.tmp`, JSON.stringify({ electrodeIds, sessions }, null, 1));
  renameSync(`${truth}.tmp`, truth);
  return sessions;
}
