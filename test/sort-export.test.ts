/**
 * Cell export rules: PyHipp's ms formula and csv text (checked against PyHipp's own loop run in Python), the two
 * fixes (no spike lost at a session border; one unit keeps its cellNN in every session), removal of an earlier
 * run's cells, and spiketrain_d41d.hkl loading in Python hickle exactly like the real PyHipp file.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cellNumbers, exportCells, sessionOfSpikes, spikeTimeMs, spiketrainCsv, type ExportResult } from "../src/sort/export.js";
import { startIndicesCsv } from "../src/sort/join.js";
import { writeMda } from "../src/sort/mda.js";
import { haveReference, pyhippDataDir, runPythonJson } from "./helpers/reference.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-export-"));
const day = join(root, "picasso", "20181105");
const sessions = ["session01", "session02", "sessioneye"];
const starts = [1, 1001, 2001];
// (t, label): 0-based times of the joined recording. Borders: t=1000 is session02's first sample (PyHipp keeps it
// in session01 and then drops it as "i-1"); t=2000 is sessioneye's first sample (PyHipp: session02, dropped).
const spikes: [number, number][] = [[0, 2], [15, 1], [500, 5], [998, 1], [999, 2], [1000, 5], [1500, 2], [1999, 5], [2000, 2], [2500, 5], [2600, 1]];
const chDir = (s: string) => join(day, s, "array01", "channel009");
let result: ExportResult;

function readCsv(s: string, cell: string): string[] {
  const p = join(chDir(s), cell, "spiketrain.csv");
  return existsSync(p) ? readFileSync(p, "latin1").replace(/\r\n$/, "").split(",") : [];
}

beforeAll(async () => {
  for (const s of sessions) mkdirSync(chDir(s), { recursive: true });
  const m = join(day, "mountains", "channel009");
  mkdirSync(join(m, "output"), { recursive: true });
  writeFileSync(join(m, "start_indices.csv"), startIndicesCsv(sessions.map((name, i) => ({ name, start: starts[i]! }))));
  const f = new Float64Array(3 * spikes.length);
  spikes.forEach(([t, l], j) => f.set([1, t, l], 3 * j));
  await writeMda(join(m, "output", "firings.mda"), { dtype: "float64", dims: [3, spikes.length], data: f });
  // An earlier run's cells: ours (removed), one holding a user's file (kept), cell10 (PyHipp's rm cell0* misses it).
  for (const [s, cell, extra] of [["session01", "cell04", ""], ["session02", "cell01", "notes.txt"], ["sessioneye", "cell10", ""]] as const) {
    mkdirSync(join(chDir(s), cell), { recursive: true });
    writeFileSync(join(chDir(s), cell, "spiketrain.csv"), "1.0\r\n");
    writeFileSync(join(chDir(s), cell, "spiketrain_d41d.hkl"), "old");
    if (extra) writeFileSync(join(chDir(s), cell, extra), "mine");
  }
  result = await exportCells({ dayDir: day, electrodeId: 9 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("export rules", () => {
  it("PyHipp's ms formula with 1-based starts", () => {
    expect(spikeTimeMs(45, 1)).toBe(1.5); // the real PyHipp spiketrain.csv's first value
    expect(spikeTimeMs(1000, 1001)).toBe(0);
    expect(spikeTimeMs(601, 1)).toBe(20.033333333333335);
    expect(spiketrainCsv([1.5, 20.033333333333335, 2263, 1e-5])).toBe("1.5,20.033333333333335,2263.0,1e-05\r\n");
  });

  it("a spike belongs to the session whose [start, nextStart) holds its 1-based index", () => {
    expect(Array.from(sessionOfSpikes([0, 999, 1000, 1999, 2000, 99999], starts))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it("cellNN = rank of the label among the channel's labels", () => {
    expect([...cellNumbers([5, 2, 9, 2, 5])]).toEqual([[2, 1], [5, 2], [9, 3]]);
  });

  it("keeps border spikes and gives a unit the same cellNN in every session; no dir where a unit is silent", () => {
    expect(result.labels).toEqual([1, 2, 5]);
    expect(result.cells.map((c) => `${c.session}/${c.cell}:${c.label}:${c.spikes}`)).toEqual([
      "session01/cell01:1:2", "session01/cell02:2:2", "session01/cell03:5:1",
      "session02/cell02:2:1", "session02/cell03:5:2",
      "sessioneye/cell01:1:1", "sessioneye/cell02:2:1", "sessioneye/cell03:5:1",
    ]);
    expect(readCsv("session02", "cell03")[0]).toBe("0.0"); // t=1000, the border spike PyHipp loses
    expect(readCsv("sessioneye", "cell02")).toEqual(["0.0"]); // t=2000
    expect(result.cells.reduce((a, c) => a + c.spikes, 0)).toBe(spikes.length);
  });

  it("removes an earlier run's cells, keeping a directory that holds someone else's file", () => {
    expect(existsSync(join(chDir("session01"), "cell04"))).toBe(false);
    expect(existsSync(join(chDir("sessioneye"), "cell10"))).toBe(false);
    expect(existsSync(join(chDir("session02"), "cell01", "notes.txt"))).toBe(true);
    expect(existsSync(join(chDir("session02"), "cell01", "spiketrain.csv"))).toBe(false);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/session02\/array01\/channel009\/cell01.*notes\.txt/);
  });

  it("equals PyHipp's own export for every spike PyHipp keeps (same csv text), plus the two it loses", () => {
    if (!haveReference("export vs PyHipp's loop")) return;
    const m = join(day, "mountains", "channel009");
    const py = runPythonJson<Record<string, Record<string, string[]>>>("sort_export_ref.py", ["pyhipp", join(m, "output", "firings.mda"), join(m, "start_indices.csv")]);
    const cellOf = new Map([[1, "cell01"], [2, "cell02"], [5, "cell03"]]);
    const ours = (s: string, l: number) => readCsv(s, cellOf.get(l)!);
    expect(Object.keys(py)).toEqual(sessions);
    for (const l of [1, 2, 5]) expect(ours("session01", l)).toEqual(py.session01![String(l)]);
    expect(ours("session02", 2)).toEqual(py.session02!["2"]);
    expect(ours("session02", 5)).toEqual(["0.0", ...py.session02!["5"]!]);
    expect(py.session02!["1"]).toBeUndefined();
    expect(ours("sessioneye", 1)).toEqual(py.sessioneye!["1"]);
    expect(ours("sessioneye", 5)).toEqual(py.sessioneye!["5"]);
    expect(py.sessioneye!["2"]).toBeUndefined();
    expect(ours("sessioneye", 2)).toEqual(["0.0"]);
  });

  it("spiketrain_d41d.hkl loads in Python like the real PyHipp file: keys, order, types; spiketimes = the csv row", () => {
    if (!haveReference("spiketrain hkl vs PyHipp")) return;
    const real = join(pyhippDataDir, "picasso", "20181105", "session01", "array01", "channel009", "cell01", "spiketrain_d41d.hkl");
    if (!existsSync(real)) return;
    const ours = join(chDir("session01"), "cell01", "spiketrain_d41d.hkl");
    type Rep = { keys: string[]; tree: { dict: [string, unknown][] }; value: Record<string, unknown>; csvRows?: string[][]; csvBytes?: string };
    const rep = runPythonJson<Record<string, Rep>>("sort_export_ref.py", ["hkl", real, ours]);
    const a = rep[real]!;
    const b = rep[ours]!;
    expect(b.keys).toEqual(["args", "numSets", "spiketimes", "dirs", "setidx", "plotopts", "current_idx"]);
    expect(b.keys).toEqual(a.keys);
    const shape = (t: unknown): unknown => (t && typeof t === "object" && "list" in t ? { list: (t as { list: unknown[] }).list.slice(0, 1).map(shape) } : t && typeof t === "object" && "dict" in t ? { dict: (t as { dict: [string, unknown][] }).dict.map(([k, v]) => [k, shape(v)]) } : t);
    expect(shape(b.tree)).toEqual(shape(a.tree));
    expect(b.value.spiketimes).toEqual(b.csvRows!.slice(0, 1));
    expect(b.value.dirs).toEqual(["picasso/20181105/session01/array01/channel009/cell01"]);
    expect(b.value.numSets).toBe(1);
    expect(b.value.plotopts).toEqual({ indexer: "cell" });
    expect(b.csvBytes).toMatch(/^[^\r\n]+\r\n$/);
  });
});
