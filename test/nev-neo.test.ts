/**
 * Agreement with neo (0.14.6, .venv-ref) on synthetic NEV files of every version: neo's event channels and
 * spike channels must equal our neo-compatible selections exactly, and the one deliberate difference (neo
 * drops 2.1/2.2 digital packets with several reason bits set, e.g. Ripple's strobe + SMA = 3) is shown.
 */
import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { openNev, parallelPortMask, type NevDigitalEvents, type NevFile } from "../src/io/nev.js";
import { writeNev } from "../src/io/nev-writer.js";
import type { NevVersion } from "../src/io/nev-types.js";
import { haveReference } from "./helpers/reference.js";
import { makeTempDir, neoDump, nevPathIn, syntheticSpec, type NeoNev } from "./nev-support.js";

const tmp = makeTempDir("neo");
afterAll(() => tmp.cleanup());

function pick(e: NevDigitalEvents, keep: (i: number) => boolean): { ts: bigint[]; sec: number[]; idx: number[] } {
  const idx = [...e.reasons.keys()].filter(keep);
  return { ts: idx.map((i) => e.timestamps[i]!), sec: idx.map((i) => e.seconds[i]!), idx };
}

function expectChannel(neo: NeoNev, name: string, ts: bigint[], sec: number[], labels: number[]): void {
  const ch = neo.events.get(name);
  expect(ch, `neo channel ${name}`).toBeDefined();
  expect([...ch!.ts], name).toEqual(ts);
  expect([...ch!.seconds], name).toEqual(sec); // bit-identical: both are ts / resolution in float64
  expect([...ch!.values!].map(Number), name).toEqual(labels);
}

/** Every neo event channel equals the selection rplpipe documents for it. */
function checkEvents(nev: NevFile, neo: NeoNev, version: NevVersion): void {
  const d = nev.digitalEvents();
  const old = version === "2.1" || version === "2.2";
  const port = nev.parallelPortEvents("neo");
  expectChannel(neo, "digital_input_port", [...port.timestamps], [...port.seconds], [...port.values]);
  const serial = pick(d, (i) => (old ? d.reasons[i] === 129 : (d.reasons[i]! & 0x81) === 0x81));
  expectChannel(neo, "serial_input_port", serial.ts, serial.sec, serial.idx.map((i) => d.values[i]!));
  if (old) {
    for (let k = 1; k <= 5; k++) {
      const a = pick(d, (i) => (d.reasons[i]! & (1 << k)) !== 0);
      expectChannel(neo, `analog_input_channel_${k}`, a.ts, a.sec, a.idx.map((i) => d.analog![5 * i + k - 1]!));
    }
    const p = pick(d, (i) => (d.reasons[i]! & 64) !== 0);
    expectChannel(neo, "periodic_sampling_events", p.ts, p.sec, p.idx.map((i) => d.values[i]!));
  } else {
    const c = nev.comments();
    const neoC = neo.events.get("comments")!;
    expect([...neoC.ts]).toEqual([...c.timestamps]);
    expect(neoC.labels).toEqual(c.texts);
  }
}

/** neo's spike channels (NEUEVWAV order × distinct units) equal spikes({selection: "neo"}) grouped. */
function checkSpikes(nev: NevFile, neo: NeoNev): void {
  const s = nev.spikes({ selection: "neo" });
  const w = s.samplesPerWaveform;
  const expected: { electrode: number; unit: number; idx: number[] }[] = [];
  for (const h of nev.header.waveformHeaders) {
    const units = [...new Set([...s.units].filter((_, i) => s.electrodes[i] === h.electrodeId))].sort((a, b) => a - b);
    for (const u of units) {
      const idx = [...s.units.keys()].filter((i) => s.electrodes[i] === h.electrodeId && s.units[i] === u);
      expected.push({ electrode: h.electrodeId, unit: u, idx });
    }
  }
  expect(neo.spikes.map((c) => [c.electrode, c.unit])).toEqual(expected.map((e) => [e.electrode, e.unit]));
  const raw = nev.digitizationFactors({ overflowWorkaround: false });
  neo.spikes.forEach((c, k) => {
    const e = expected[k]!;
    expect(c.name).toBe(`ch${e.electrode}#${e.unit}`);
    expect(c.gain).toBeCloseTo(raw.get(e.electrode)! / 1000, 12);
    expect([...c.ts]).toEqual(e.idx.map((i) => s.timestamps[i]!));
    expect(c.samples).toBe(w);
    expect([...c.waveforms]).toEqual(e.idx.flatMap((i) => [...s.waveforms.subarray(i * w, (i + 1) * w)]));
  });
}

const versions: NevVersion[] = ["2.1", "2.2", "2.3", "3.0"];

describe.runIf(haveReference("NEV agreement with neo"))("NEV vs neo (synthetic files)", () => {
  for (const version of versions) {
    it(`spec ${version}: every event and spike channel equals neo's`, () => {
      const path = nevPathIn(tmp.dir, `syn${version.replace(".", "")}`);
      writeNev(path, syntheticSpec(version));
      const neo = neoDump(path, join(tmp.dir, `out${version}`));
      const nev = openNev(path);
      try {
        expect(neo.spec).toBe(version);
        expect(neo.nb_segment).toBe(1);
        expect(neo.rec_datetime).toBe("2023-09-13 00:11:33.846000");
        // The fixture exercises every channel: none of neo's selections may be empty.
        for (const [name, ch] of neo.events) expect(ch.count, name).toBeGreaterThan(0);
        expect(neo.spikes.length).toBeGreaterThanOrEqual(4);
        if (version === "2.3" || version === "3.0") expect(neo.warnings).toContain("Unknown event codes found");
        checkEvents(nev, neo, version);
        checkSpikes(nev, neo);
      } finally {
        nev.close();
      }
    });
  }

  it("spec 2.3/3.0 with spikeWidth < packet field: neo takes the last spikeWidth samples, so do we", () => {
    for (const version of ["2.3", "3.0"] as const) {
      const path = nevPathIn(tmp.dir, `width${version.replace(".", "")}`);
      writeNev(path, syntheticSpec(version, { samples: 48, spikeWidth: 40 }));
      const neo = neoDump(path, join(tmp.dir, `width-out${version}`));
      const nev = openNev(path);
      try {
        expect(nev.spikes().samplesPerWaveform).toBe(48);
        expect(nev.spikes({ selection: "neo" }).samplesPerWaveform).toBe(40);
        checkSpikes(nev, neo);
      } finally {
        nev.close();
      }
    }
  });

  it("3.0 with 64-bit timestamps beyond 2^32 at PTP resolution (1e9 ticks/s)", () => {
    const path = nevPathIn(tmp.dir, "ptp30");
    writeNev(path, syntheticSpec("3.0", { tsOffset: 5_000_000_000, timestampResolution: 1_000_000_000 }));
    const neo = neoDump(path, join(tmp.dir, "ptp-out"));
    const nev = openNev(path);
    try {
      expect(nev.digitalEvents().timestamps[0]).toBe(5_000_000_100n);
      checkEvents(nev, neo, "3.0");
      checkSpikes(nev, neo);
    } finally {
      nev.close();
    }
  });

  it("2.2 Ripple strobe+SMA packet (reason 3): neo drops it from digital_input_port, rplpipe keeps it", () => {
    const path = nevPathIn(tmp.dir, "ripple22");
    writeNev(path, syntheticSpec("2.2"));
    const neo = neoDump(path, join(tmp.dir, "ripple-out"));
    const nev = openNev(path);
    try {
      const all = nev.digitalEvents();
      const i3 = all.reasons.indexOf(3);
      const ts3 = all.timestamps[i3]!;
      expect(i3).toBeGreaterThanOrEqual(0);
      // neo: not a digital_input_port event (reason == 1 exactly), but an analog_input_channel_1 event.
      expect([...neo.events.get("digital_input_port")!.ts]).not.toContain(ts3);
      expect([...neo.events.get("analog_input_channel_1")!.ts]).toContain(ts3);
      // rplpipe: present in the raw events and in the "all-parallel" selection with its port word.
      const allParallel = nev.parallelPortEvents("all-parallel");
      const k = [...allParallel.timestamps].indexOf(ts3);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(allParallel.values[k]).toBe(all.values[i3]);
      expect([...nev.parallelPortEvents("neo").timestamps]).not.toContain(ts3);
      // For 2.3 neo itself uses the bit test, so the same packet is kept there.
      expect(parallelPortMask(Uint8Array.of(3), "2.3", "neo")[0]).toBe(1);
      expect(parallelPortMask(Uint8Array.of(3), "2.2", "neo")[0]).toBe(0);
    } finally {
      nev.close();
    }
  });
});
