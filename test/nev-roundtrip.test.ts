/**
 * writeNev → openNev gives back exactly what was written, for every version, every extended-header type,
 * digital events (with 2.x analog values), spikes of every sample width and comments in both char sets.
 */
import { afterAll, describe, expect, it } from "vitest";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openNev, type NevFile } from "../src/io/nev.js";
import { toRawNevSpec, writeNev } from "../src/io/nev-writer.js";
import type { NevVersion, NevWriteSpec } from "../src/io/nev-types.js";
import { makeTempDir, syntheticSpec } from "./nev-support.js";

const tmp = makeTempDir("roundtrip");
afterAll(() => tmp.cleanup());

function fullSpec(version: NevVersion): NevWriteSpec {
  const spec = syntheticSpec(version);
  spec.processorTimestamp = 159_923_640;
  spec.comment = "a comment, then Ripple's processor timestamp at byte 328";
  spec.textHeaders = [{ id: "ARRAYNME", text: "utah-96" }, { id: "ECOMMENT", text: "x".repeat(24) },
    { id: "CCOMMENT", text: "more" }, { id: "MAPFILE", text: "probe.cmp" }];
  if (version === "2.1" || version === "2.2") {
    spec.nsasExev = [{ frequency: 10, digitalInputConfig: 1, analogConfig: [1, 2, 3, 4, 5], analogEdgeDetect: [100, 200, 300, 400, 65535] }];
  } else {
    spec.videoSources = [{ sourceId: 3, source: "camera 1", frameRate: 29.97 }];
    spec.trackableObjects = [{ type: 2, id: 7, pointCount: 4, source: "led" }];
  }
  return spec;
}

function withNev<T>(path: string, f: (nev: NevFile) => T): T {
  const nev = openNev(path);
  try {
    return f(nev);
  } finally {
    nev.close();
  }
}

/** Packet timestamps straight from the bytes, to check the on-disk order. */
function packetTimestamps(path: string): bigint[] {
  const b = readFileSync(path);
  const v3 = b[8] === 3;
  const start = b.readUInt32LE(12), p = b.readUInt32LE(16);
  const out: bigint[] = [];
  for (let o = start; o + p <= b.length; o += p) out.push(v3 ? b.readBigUInt64LE(o) : BigInt(b.readUInt32LE(o)));
  return out;
}

describe("NEV write → read round trip", () => {
  for (const version of ["2.1", "2.2", "2.3", "3.0"] as const) {
    it(`spec ${version}: identical headers and data`, () => {
      const spec = fullSpec(version);
      const path = join(tmp.dir, `rt${version}.nev`);
      writeNev(path, spec);
      const raw = toRawNevSpec(spec);
      withNev(path, (nev) => {
        const h = nev.header;
        const nExt = raw.waveformHeaders.length + raw.labels.length + raw.filters.length + raw.digitalLabels.length +
          raw.nsasExev.length + raw.textHeaders.length + raw.videoSources.length + raw.trackableObjects.length;
        expect(h).toMatchObject({
          path, version, fileId: version === "3.0" ? "BREVENTS" : "NEURALEV", additionalFlags: 1,
          packetBytes: version === "3.0" ? 108 : 104, headerBytes: 336 + 32 * nExt, extendedHeaderCount: nExt,
          timestampResolution: 30000, sampleResolution: 30000, timeOrigin: spec.timeOrigin,
          application: spec.application, comment: spec.comment, processorTimestamp: 159_923_640,
          trailingBytes: 0, unknownHeaders: [],
        });
        for (const k of ["waveformHeaders", "labels", "filters", "digitalLabels", "nsasExev", "textHeaders", "trackableObjects"] as const)
          expect(h[k], k).toEqual(raw[k]);
        expect(h.videoSources.map((s) => s.frameRate)).toEqual(raw.videoSources.map((s) => Math.fround(s.frameRate)));

        const d = nev.digitalEvents();
        const sd = spec.digitalEvents!;
        expect(d.timestamps).toEqual(sd.timestamps);
        expect(d.reasons).toEqual(sd.reasons);
        expect(d.values).toEqual(sd.values);
        expect(d.analog).toEqual(sd.analog); // undefined for 3.0
        expect([...d.seconds]).toEqual([...sd.timestamps].map((t) => Number(t) / 30000));

        const s = nev.spikes();
        expect(s.timestamps).toEqual(spec.spikes!.timestamps);
        expect(s.electrodes).toEqual(spec.spikes!.electrodes);
        expect(s.units).toEqual(spec.spikes!.units);
        expect(s.samplesPerWaveform).toBe(48);
        expect(s.waveforms).toEqual(spec.spikes!.waveforms);

        const c = nev.comments();
        expect(c.texts).toEqual(["start trial", "µ-stim ✓"]);
        expect(c.charSets).toEqual(Uint8Array.of(0, 1));
        expect(c.colors).toEqual(spec.comments!.colors);
        expect(c.timestamps).toEqual(spec.comments!.timestamps);

        expect(nev.packetCounts()).toEqual({ digital: 13, spikes: 10, comments: 2, other: 0 });
        expect(h.packetCount).toBe(25);
        const ts = packetTimestamps(path);
        expect(ts).toEqual([...ts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

        // Writing back what was read gives the same bytes (the header can be spread into a spec).
        const again = join(tmp.dir, `rt${version}-again.nev`);
        writeNev(again, { ...h, digitalEvents: d, spikes: s, comments: c });
        expect(readFileSync(again).equals(readFileSync(path))).toBe(true);
      });
    });
  }

  it("3.0 keeps 64-bit timestamps; a 2.x file refuses them (ERR_RANGE)", () => {
    const ts = BigUint64Array.of(1n, 2n ** 40n, 2n ** 63n + 5n);
    const digitalEvents = { timestamps: ts, reasons: Uint8Array.of(1, 1, 1), values: Uint16Array.of(1, 2, 3) };
    const p3 = join(tmp.dir, "big30.nev");
    writeNev(p3, { version: "3.0", digitalEvents });
    withNev(p3, (nev) => expect(nev.digitalEvents().timestamps).toEqual(ts));
    expect(() => writeNev(join(tmp.dir, "big22.nev"), { version: "2.2", digitalEvents })).toThrow(
      expect.objectContaining({ name: "RecordingFormatError", code: "ERR_RANGE" }));
  });

  it("each stream keeps its own order, even when not sorted (after a clock reset)", () => {
    const path = join(tmp.dir, "reset.nev");
    const timestamps = BigUint64Array.of(500n, 900n, 3n, 10n);
    writeNev(path, { version: "2.3", digitalEvents: { timestamps, reasons: Uint8Array.of(1, 1, 1, 1), values: Uint16Array.of(1, 2, 3, 4) } });
    withNev(path, (nev) => expect(nev.digitalEvents().timestamps).toEqual(timestamps));
  });

  it("int8 and int32 waveforms (flag bit0 = 0): widened / stored, narrower rows zero-padded", () => {
    const path = join(tmp.dir, "widths.nev");
    const w = 20;
    const wave = Int16Array.from({ length: 3 * w }, (_, k) => (k % 2 ? -1 : 1) * ((k * 37) % 128));
    wave[2 * w] = -32768; // int32 electrode: full int16 range survives
    writeNev(path, {
      version: "2.2", additionalFlags: 0, packetBytes: 8 + 4 * 24,
      waveformHeaders: [{ electrodeId: 1, bytesPerSample: 1 }, { electrodeId: 2, bytesPerSample: 2 }, { electrodeId: 3, bytesPerSample: 4 }],
      spikes: { timestamps: BigUint64Array.of(1n, 2n, 3n), electrodes: Uint16Array.of(1, 2, 3), units: Uint8Array.of(0, 0, 0), waveforms: wave, samplesPerWaveform: w },
    });
    withNev(path, (nev) => {
      const s = nev.spikes();
      expect(s.samplesPerWaveform).toBe(96); // int8: 96 bytes of field = 96 samples
      for (let i = 0; i < 3; i++) {
        const row = s.waveforms.subarray(i * 96, (i + 1) * 96);
        expect([...row.subarray(0, w)]).toEqual([...wave.subarray(i * w, (i + 1) * w)]);
        expect(row.subarray(w).every((x) => x === 0)).toBe(true);
      }
    });
    const bad = Int16Array.from(wave);
    bad[0] = 200;
    expect(() => writeNev(join(tmp.dir, "int8bad.nev"), {
      version: "2.2", additionalFlags: 0, waveformHeaders: [{ electrodeId: 1, bytesPerSample: 1 }],
      spikes: { timestamps: BigUint64Array.of(1n), electrodes: Uint16Array.of(1), units: Uint8Array.of(0), waveforms: bad.subarray(0, w), samplesPerWaveform: w },
    })).toThrow(/int8 electrode/);
  });

  it("a trailing partial packet is ignored and reported as trailingBytes", () => {
    const path = join(tmp.dir, "trailing.nev");
    writeNev(path, syntheticSpec("2.3"));
    const before = withNev(path, (nev) => nev.header.packetCount);
    appendFileSync(path, Buffer.alloc(57, 0xab));
    withNev(path, (nev) => {
      expect(nev.header.packetCount).toBe(before);
      expect(nev.header.trailingBytes).toBe(57);
      expect(nev.digitalEvents().timestamps.length).toBe(13);
    });
  });

  it("an unknown extended header id is kept as {id, offset}, not an error", () => {
    const path = join(tmp.dir, "unknown.nev");
    writeNev(path, { version: "2.3", digitalLabels: [{ label: "digin", mode: 1 }, { label: "serial", mode: 0 }] });
    const b = readFileSync(path);
    b.write("NEWTHING", 336 + 32, "latin1");
    writeFileSync(path, b);
    withNev(path, (nev) => {
      expect(nev.header.unknownHeaders).toEqual([{ id: "NEWTHING", offset: 368 }]);
      expect(nev.header.digitalLabels).toEqual([{ label: "digin", mode: 1 }]);
    });
  });

  it("defaults: a spec with only a version is a valid, empty file", () => {
    const path = join(tmp.dir, "empty.nev");
    writeNev(path, { version: "2.2" });
    withNev(path, (nev) => {
      expect(nev.header).toMatchObject({ packetBytes: 104, packetCount: 0, application: "rplpipe", additionalFlags: 1,
        timeOrigin: { year: 2000, month: 1, dayOfWeek: 6, day: 1 } });
      expect(nev.digitalEvents().timestamps.length).toBe(0);
      expect(nev.spikes().samplesPerWaveform).toBe(48);
    });
  });

  it("digitizationFactors applies the 21516 overflow workaround unless asked not to", () => {
    const path = join(tmp.dir, "dig.nev");
    writeNev(path, syntheticSpec("2.2"));
    withNev(path, (nev) => {
      expect(nev.digitizationFactors().get(2)).toBe(152592.547);
      expect(nev.digitizationFactors({ overflowWorkaround: false }).get(2)).toBe(21516);
      expect(nev.digitizationFactors().get(1)).toBe(250);
    });
  });
});
