/**
 * `rplpipe run` end to end on a synthetic day: files exactly where PyHipp puts them, loadable by Python's
 * hickle with PyHipp's keys and types, data equal to PyHipp's own computation from the same raw samples,
 * markers equal to PyHipp's rules; reruns skip, --redo recomputes; failures are recorded and the run goes on.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipeline } from "../src/pipeline/run.js";
import { writeSyntheticDay } from "../src/synth/day.js";
import { RplpipeError } from "../src/errors.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";
import { runCli } from "./helpers/cli.js";
import { readHickle } from "../src/hdf5/hickle-read.js";
import type { PyValue } from "../src/hdf5/hickle-types.js";

/** The `data` array of a PyHipp channel object read back by readHickle. */
function dataOf(v: PyValue): Float32Array {
  if (v.kind !== "dict") throw new Error("not a dict");
  const d = v.entries.find(([k]) => k === "data")?.[1];
  if (!d || d.kind !== "ndarray" || !("data" in d) || !(d.data instanceof Float32Array)) throw new Error("no float32 data");
  return d.data;
}

const root = mkdtempSync(join(tmpdir(), "rplpipe-e2e-"));
const day = join(root, "picasso", "20181105");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const kChannelFiles = ["rplraw_d41d.hkl", "rpllfp_6eca.hkl", "rplhighpass_b59f.hkl"];
const kElectrodes = [1, 2, 33, 34];

beforeAll(() => {
  writeSyntheticDay(day, { seconds: 5, arrays: 2, channelsPerArray: 2, seed: 4 });
});

interface FileReport {
  types: unknown[];
  diff: { maxRel: number; n: number };
  exact: boolean;
  analogInfo: Record<string, unknown>;
  dirs: string[];
}
interface SessionReport {
  files: Record<string, FileReport>;
  parallel?: { keys: string[]; same: Record<string, boolean> };
}

describe("rplpipe run (end to end)", () => {
  it("writes every output where PyHipp puts it (sort skipped with a warning: no sorter environment here)", async () => {
    const s = await runPipeline(day, { workers: 2 });
    expect(s.sessions[0]!.warnings.join(" ")).toMatch(/sort skipped: no sorter environment/);
    expect(s.failures).toEqual([]);
    expect(s.written).toEqual({ split: 8, lfp: 8, highpass: 8, parallel: 2, sort: 0 });
    for (const session of ["session01", "sessioneye"]) {
      expect(existsSync(join(day, session, "rplparallel_d41d.hkl"))).toBe(true);
      for (const e of kElectrodes) {
        const dir = join(day, session, e < 33 ? "array01" : "array02", `channel${String(e).padStart(3, "0")}`);
        for (const f of kChannelFiles) expect(existsSync(join(dir, f)), join(dir, f)).toBe(true);
      }
    }
  });

  it("files load in Python's hickle with PyHipp's keys and types, and equal PyHipp's computation", () => {
    if (!haveReference("pipeline outputs vs PyHipp")) return;
    const rep = runPythonJson<Record<string, SessionReport>>("pipeline_check.py", [day]);
    expect(Object.keys(rep)).toEqual(["session01", "sessioneye"]);
    for (const [name, s] of Object.entries(rep)) {
      expect(Object.keys(s.files)).toHaveLength(12);
      for (const [file, f] of Object.entries(s.files)) {
        if (file.endsWith("rplraw_d41d.hkl")) {
          expect(f.exact, `${name}/${file} raw equals neo's rescaled samples`).toBe(true);
          expect(f.types.map((t) => (t as string[])[0])).toEqual(["args", "data", "analogInfo", "dirs", "setidx", "plotopts", "current_idx", "numSets"]);
          expect(f.analogInfo.ProbeInfo).toMatch(/^b'raw \d+'$/);
        } else {
          expect(f.diff.maxRel, `${name}/${file}`).toBeLessThan(1e-5);
          expect(f.types.map((t) => (t as string[])[0])).toEqual(["args", "data", "analogInfo", "numSets", "dirs", "setidx", "plotopts", "current_idx"]);
        }
        expect(f.dirs[0]).toMatch(new RegExp(`^picasso/20181105/${name}/array0[12]/channel0\\d\\d$`));
      }
      const lfp = Object.entries(s.files).find(([k]) => k.endsWith("rpllfp_6eca.hkl"))![1];
      // Corners in Hz (PyHipp stores them multiplied by the rate: 1000 and 150000).
      expect(lfp.analogInfo).toMatchObject({ SampleRate: 1000, HighFreqCorner: 1, LowFreqCorner: 150, HighFreqOrder: 8, NumberSamples: 5000 });
      expect(s.parallel, `${name} rplparallel`).toBeDefined();
      for (const [k, same] of Object.entries(s.parallel!.same)) expect(same, `${name} rplparallel ${k}`).toBe(true);
    }
    expect(rep.sessioneye!.parallel!.keys).toEqual(["args", "markers", "timeStamps", "dirs", "setidx", "plotopts", "current_idx", "rawMarkers"]);
  });

  it("channel buffers reused from task to task (a one-channel memory budget) give the same files", async () => {
    const small = join(root, "reuse", "picasso", "20181105");
    writeSyntheticDay(small, { seconds: 5, arrays: 2, channelsPerArray: 2, seed: 4 });
    const n = 5 * 30000;
    // One channel buffer (4·n bytes) at a time: every channel after the first is read into the buffer the
    // worker handed back, over the spike band it was filtered into.
    const s = await runPipeline(small, { workers: 1, memoryBudget: 4 * n + 1000, stages: ["split", "lfp", "highpass"] });
    expect(s.failures).toEqual([]);
    expect(s.written).toMatchObject({ split: 8, lfp: 8, highpass: 8 });
    for (const session of ["session01", "sessioneye"])
      for (const e of kElectrodes) {
        const rel = join(session, e < 33 ? "array01" : "array02", `channel${String(e).padStart(3, "0")}`);
        for (const f of kChannelFiles) {
          const a = dataOf(await readHickle(join(day, rel, f)));
          const b = dataOf(await readHickle(join(small, rel, f)));
          expect(b.length, `${rel}/${f}`).toBe(a.length);
          let peak = 0;
          let diff = 0;
          for (let i = 0; i < a.length; i++) (peak = Math.max(peak, Math.abs(a[i]!))), (diff = Math.max(diff, Math.abs(a[i]! - b[i]!)));
          // Raw samples are copies; the filters may run on other SIMD lane groupings here (1 channel per task).
          expect(diff, `${rel}/${f}`).toBeLessThanOrEqual(f.startsWith("rplraw") ? 0 : 1e-6 * peak);
        }
      }
  });

  it("a rerun keeps what exists; --redo recomputes", async () => {
    const f = join(day, "session01", "array01", "channel001", "rplhighpass_b59f.hkl");
    const before = statSync(f).mtimeMs;
    const again = await runPipeline(day, { workers: 2 });
    expect(again.written).toEqual({ split: 0, lfp: 0, highpass: 0, parallel: 0, sort: 0 });
    expect(again.skipped).toEqual({ split: 8, lfp: 8, highpass: 8, parallel: 2, sort: 0 });
    expect(statSync(f).mtimeMs).toBe(before);
    const redo = await runPipeline(join(day, "session01", "array01", "channel001"), { workers: 1, redo: true, stages: ["highpass"] });
    expect(redo.written).toEqual({ split: 0, lfp: 0, highpass: 1, parallel: 0, sort: 0 });
    expect(statSync(f).mtimeMs).toBeGreaterThan(before);
  });

  it("non-default parameters give PyHipp's hashed file names", async () => {
    const s = await runPipeline(join(day, "session01"), { workers: 2, stages: ["lfp"], channels: [1], lfp: { resampleRate: 500, lowPassFrequency: [1, 100] } });
    expect(s.written.lfp).toBe(1);
    const names = ["rpllfp_6eca.hkl"];
    for (const n of names) expect(existsSync(join(day, "session01", "array01", "channel001", n))).toBe(true);
    const dir = join(day, "session01", "array01", "channel001");
    const hashed = (await import("node:fs")).readdirSync(dir).filter((n) => n.startsWith("rpllfp_") && n !== "rpllfp_6eca.hkl");
    const { pyhippHash } = await import("../src/layout/names.js");
    expect(hashed).toEqual([`rpllfp_${pyhippHash([["ResampleRate", 500], ["LFPOrder", 8], ["LowPassFrequency", [1, 100]]])}.hkl`]);
  });

  it("records a broken session with its cause and finishes the others (CLI exit code 1)", async () => {
    const d2 = join(root, "picasso", "20181106");
    writeSyntheticDay(d2, { seconds: 2, arrays: 1, channelsPerArray: 2, seed: 5 });
    const ns5 = join(d2, "sessioneye", "demo_sessioneye.ns5");
    writeFileSync(ns5, readFileSync(ns5).subarray(0, 300));
    const r = await runCli(["run", d2, "--json", "--workers", "2"]);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as { failures: { session: string; code: string; message: string }[]; written: Record<string, number> };
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0]).toMatchObject({ code: "ERR_TRUNCATED" });
    expect(s.failures[0]!.session).toMatch(/sessioneye$/);
    expect(s.written.highpass).toBe(2);
  });

  it("refuses bad requests before any work, naming what exists", async () => {
    await expect(runPipeline(day, { channels: [999] })).rejects.toThrow(/channel 999 not in .*it has electrodes 1, 2, 33, 34/);
    await expect(runPipeline(day, { sessions: ["session07"] })).rejects.toThrow(/no session session07 .*sessions: session01, sessioneye/);
    await expect(runPipeline(day, { stages: ["frobnicate" as never] })).rejects.toThrow(RangeError);
    await expect(runPipeline(join(root, "nowhere"))).rejects.toThrow(RplpipeError);
    const r = await runCli(["run", day, "--channels", "9x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--channels: "9x" is not a whole number/);
    const u = await runCli(["run", day, "--frobnicate"]);
    expect(u.code).toBe(2);
    const dry = await runCli(["run", day, "--dry-run", "--redo", "--json"]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, written: { split: 0 } });
  });
});
