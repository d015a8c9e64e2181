/**
 * The real Central recording ../shared/data/real/datafile001.nev (NEV 2.2, 39,139 parallel-port events): the
 * numbers of shared/data/real/README.md, agreement with neo, and a byte-identical rewrite through writeNev.
 */
import { afterAll, describe, expect, it } from "vitest";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { openNev } from "../src/io/nev.js";
import { writeNev } from "../src/io/nev-writer.js";
import { haveRealFile, haveReference, realDataDir } from "./helpers/reference.js";
import { makeTempDir, neoDump, nevPathIn } from "./nev-support.js";

const file = join(realDataDir, "datafile001.nev");
const tmp = makeTempDir("real");
afterAll(() => tmp.cleanup());

describe.runIf(haveRealFile("datafile001.nev", "NEV real-file tests"))("datafile001.nev (Central NEV 2.2)", () => {
  it("header matches the README", () => {
    const nev = openNev(file);
    const h = nev.header;
    nev.close();
    expect(h).toMatchObject({
      fileId: "NEURALEV", version: "2.2", additionalFlags: 1, headerBytes: 14224, packetBytes: 104,
      timestampResolution: 30000, sampleResolution: 30000, application: "File Dialog v6.01.00.00", comment: "",
      extendedHeaderCount: 434, packetCount: 39139, trailingBytes: 0, fileSize: 4084680,
      timeOrigin: { year: 2012, month: 7, dayOfWeek: 2, day: 31, hour: 19, minute: 21, second: 7, millisecond: 458 },
    });
    expect([h.waveformHeaders.length, h.labels.length, h.filters.length, h.digitalLabels.length]).toEqual([144, 144, 144, 2]);
    expect(h.unknownHeaders).toEqual([]);
    expect(h.waveformHeaders[0]).toEqual({
      electrodeId: 1, physicalConnector: 1, connectorPin: 1, digitizationFactor: 250, energyThreshold: 0,
      highThreshold: 0, lowThreshold: -255, sortedUnits: 0, bytesPerSample: 2, spikeWidth: 0,
    });
    expect(h.labels[0]).toEqual({ electrodeId: 1, label: "chan1" });
    expect(h.filters[0]).toEqual({
      electrodeId: 1, highFreqCorner: 250000, highFreqOrder: 4, highFreqType: 1,
      lowFreqCorner: 7500000, lowFreqOrder: 3, lowFreqType: 1,
    });
    expect(h.digitalLabels).toEqual([{ label: "digin", mode: 1 }, { label: "serial", mode: 0 }]);
  });

  it("digital events match the README numbers", () => {
    const nev = openNev(file);
    try {
      expect(nev.packetCounts()).toEqual({ digital: 39139, spikes: 0, comments: 0, other: 0 });
      const d = nev.digitalEvents();
      expect(d.timestamps.length).toBe(39139);
      expect(d.reasons.every((r) => r === 1)).toBe(true);
      expect([...d.timestamps.subarray(0, 8)]).toEqual([5n, 11n, 17n, 23n, 35n, 41n, 47n, 53n]);
      expect([...d.values.subarray(0, 8)]).toEqual([55, 134, 255, 124, 55, 134, 255, 124]);
      expect([...d.timestamps.subarray(-3)]).toEqual([293056n, 293062n, 293069n]);
      expect([...d.values.subarray(-3)]).toEqual([55, 134, 255]);
      expect(d.timestamps.reduce((a, b) => a + b, 0n)).toBe(5_735_102_481n);
      expect(d.values.reduce((a, b) => a + b, 0)).toBe(5_553_400);
      expect(d.seconds[0]).toBe(5 / 30000);
      expect(d.analog?.length).toBe(5 * 39139);
      expect(nev.parallelPortEvents("neo").timestamps.length).toBe(39139);
      expect(nev.spikes().timestamps.length).toBe(0);
      expect(nev.comments().texts).toEqual([]);
    } finally {
      nev.close();
    }
  });

  it("rewriting it with writeNev reproduces the file byte for byte", () => {
    const nev = openNev(file);
    const out = join(tmp.dir, "rewrite.nev");
    try {
      writeNev(out, { ...nev.header, digitalEvents: nev.digitalEvents() });
    } finally {
      nev.close();
    }
    expect(readFileSync(out).equals(readFileSync(file))).toBe(true);
  });

  it.runIf(haveReference("NEV real file vs neo"))("equals neo's digital_input_port exactly", () => {
    const path = nevPathIn(tmp.dir, "datafile001");
    copyFileSync(file, path);
    const neo = neoDump(path, join(tmp.dir, "neo"));
    const nev = openNev(path);
    try {
      const port = nev.parallelPortEvents("neo");
      const ch = neo.events.get("digital_input_port")!;
      expect(neo.spec).toBe("2.2");
      expect(neo.rec_datetime).toBe("2012-07-31 19:21:07.458000");
      expect(ch.count).toBe(39139);
      expect(ch.ts).toEqual(port.timestamps);
      expect(ch.seconds).toEqual(port.seconds);
      expect(ch.values).toEqual(BigInt64Array.from(port.values, (v) => BigInt(v)));
      for (const name of ["serial_input_port", "analog_input_channel_1", "periodic_sampling_events"])
        expect(neo.events.get(name)!.count, name).toBe(0);
      expect(neo.spikes).toEqual([]);
    } finally {
      nev.close();
    }
  });
});
