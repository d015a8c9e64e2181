import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { writeSyntheticDay } from "../src/synth/day.js";
import { haveRealFile, realDataDir } from "./helpers/reference.js";
import type { NevSummary, NsxSummary } from "../src/io/summary.js";

let dir: string;
let ns5: string;
let nev: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rplpipe-cli-"));
  const [s] = writeSyntheticDay(dir, { seconds: 3, arrays: 2, channelsPerArray: 3 });
  ns5 = s!.ns5;
  nev = s!.nev;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rplpipe info", () => {
  it("summarises an NSx file as text", async () => {
    const r = await runCli(["info", ns5]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/NSx 2\.2 \(NEURALCD\)/);
    expect(r.stdout).toMatch(/sampling rate 30000 Hz/);
    expect(r.stdout).toMatch(/6 channels, 90,000 samples per channel \(3\.000 s\)/);
    expect(r.stdout).toMatch(/connector 0 → array01: 1–3/);
    expect(r.stdout).toMatch(/connector 1 → array02: 33–35/);
    expect(r.stdout).toMatch(/"raw 34"/);
  });

  it("gives the same facts as JSON", async () => {
    const r = await runCli(["info", ns5, "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as NsxSummary;
    expect(s.kind).toBe("nsx");
    expect(s.version).toBe("2.2");
    expect(s.channels.map((c) => c.electrodeId)).toEqual([1, 2, 3, 33, 34, 35]);
    expect(s.segments).toEqual([{ index: 0, tStart: 0, samples: 90000, seconds: 3 }]);
    expect(s.arrays.map((a) => a.array)).toEqual(["array01", "array02"]);
    expect(s.channels[0]!.gain).toBeCloseTo(8191 / 32764, 12);
  });

  it("counts NEV digital events", async () => {
    const r = await runCli(["info", nev, "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as NevSummary;
    expect(s.kind).toBe("nev");
    expect(s.digital.total).toBeGreaterThan(0);
    expect(s.digital.parallelPortNeo).toBe(s.digital.total);
    expect(s.digital.byReason).toEqual({ "1": s.digital.total });
  });

  it("summarises every recording in a directory", async () => {
    const r = await runCli(["info", join(dir, "session01"), "--json"]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string }[];
    expect(list.map((s) => s.kind).sort()).toEqual(["nev", "nsx"]);
  });

  it("rejects an unknown option with one line and exit code 2", async () => {
    const r = await runCli(["info", ns5, "--jsn"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^rplpipe info: Unknown option '--jsn'/);
  });

  it("rejects a missing file with one line and exit code 2", async () => {
    const r = await runCli(["info", join(dir, "nope.ns5")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/nope\.ns5: no such file or directory \(ENOENT\) \[ERR_FILE_OPEN\]/);
  });

  it("rejects a missing argument and an unknown command with exit code 2", async () => {
    expect((await runCli(["info"])).code).toBe(2);
    const r = await runCli(["inof", ns5]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "inof"/);
  });

  it("reports a truncated file with its typed error code and exit code 1", async () => {
    const bad = join(dir, "truncated.ns5");
    writeFileSync(bad, readFileSync(ns5).subarray(0, 500));
    const r = await runCli(["info", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/truncated\.ns5: .* at byte \d+: expected .*, found .*\[ERR_TRUNCATED\]/);
  });

  it("lists a bad file in a directory without hiding the good ones", async () => {
    const d = mkdtempSync(join(tmpdir(), "rplpipe-cli-mixed-"));
    try {
      copyFileSync(ns5, join(d, "good.ns5"));
      writeFileSync(join(d, "bad.ns5"), readFileSync(ns5).subarray(0, 400));
      const r = await runCli(["info", d, "--json"]);
      expect(r.code).toBe(1);
      const list = JSON.parse(r.stdout) as { kind: string; path: string; code?: string }[];
      expect(list.find((s) => s.path.endsWith("bad.ns5"))).toMatchObject({ kind: "error", code: "ERR_TRUNCATED" });
      expect(list.find((s) => s.path.endsWith("good.ns5"))?.kind).toBe("nsx");
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it("describes the real Ripple .nf3 file as unsupported instead of crashing", async () => {
    if (!haveRealFile("test.nf3", "cli info on test.nf3")) return;
    const r = await runCli(["info", join(realDataDir, "test.nf3")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NEUCDFLT/);
    expect(r.stderr).toMatch(/\[ERR_(BAD_MAGIC|UNSUPPORTED_VERSION)\]/);
  });

  it("summarises the real Blackrock files", async () => {
    if (!haveRealFile("TEST_UN001.ns2", "cli info on real files")) return;
    const ns2 = JSON.parse((await runCli(["info", join(realDataDir, "TEST_UN001.ns2"), "--json"])).stdout) as NsxSummary;
    expect(ns2.samplingRate).toBe(1000);
    expect(ns2.totalSamples).toBe(79698);
    expect(ns2.channels.map((c) => c.label)).toEqual(["ForceHandle1", "ForceHandle2", "ForceHandle3", "ForceHandle4", "ForceHandle5", "ForceHandle6"]);
    expect(ns2.arrays).toEqual([{ connector: 5, array: "array06", electrodeIds: [129, 130, 131, 132, 133, 134] }]);
    const ev = JSON.parse((await runCli(["info", join(realDataDir, "datafile001.nev"), "--json"])).stdout) as NevSummary;
    expect(ev.digital.parallelPortNeo).toBe(39139);
    expect(ev.extendedHeaders).toEqual({ waveform: 144, label: 144, filter: 144, digitalLabel: 2, other: 0 });
  });
});
