/**
 * RPLParallel markers against PyHipp's own logic run in numpy (test/python/pyhipp_markers_ref.py): every
 * arrangeMarkers branch (84/204 start codes, triplets, rm1[0,1]==2, pairs with the C-order quirk, no reset
 * zeros, the exception fallback), the sessioneye rule, random streams, and .nev files written by writeNev and
 * read back through openNev(...).parallelPortEvents("neo") (Python reads the same files with neo).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openNev } from "../src/io/nev.js";
import { writeNev } from "../src/io/nev-writer.js";
import type { NevVersion } from "../src/io/nev-types.js";
import { trialMarkers } from "../src/synth/markers.js";
import {
  RPLPARALLEL_KEYS, arrangeMarkers, rplParallel, rplParallelFromNev, type NdArray, type RplParallelResult,
} from "../src/pipeline/markers.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";

const tmp = mkdtempSync(join(tmpdir(), "rplpipe-markers-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Stream { values: number[]; seconds: number[] }
type PyArr = { dtype: string; shape: number[]; data: (number | string)[] };
type PyVal = PyArr | { list: unknown[] } | { scalar: string; value: number } | number;
type PyResult = { error: string } | { attrs: Record<string, PyVal>; printed: string; events?: { values: PyArr; seconds: PyArr } };

function oracle(cases: ({ id: string } & (Stream | { nev: string }))[]): Record<string, PyResult> {
  const file = join(tmp, `job-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ cases }));
  return runPythonJson<{ cases: Record<string, PyResult> }>("pyhipp_markers_ref.py", [file]).cases;
}

const dtypeOf = (a: ArrayLike<unknown>): string =>
  a instanceof Uint16Array ? "uint16" : a instanceof Float64Array ? "float64" : a instanceof BigInt64Array ? "int64" : "?";
const asPy = (a: NdArray<Uint16Array | Float64Array | BigInt64Array>): PyArr => ({
  dtype: dtypeOf(a.data), shape: [...a.shape], data: Array.from(a.data as ArrayLike<number | bigint>, (x) => (typeof x === "bigint" ? String(x) : x)),
});

/** Our RPLParallel in the oracle's encoding: the attributes create() sets, in order. */
function asAttrs(r: RplParallelResult): Record<string, PyVal> {
  const raw = (a: Uint16Array): PyArr => ({ dtype: "uint16", shape: [a.length], data: Array.from(a) });
  if (r.kind === "eye") return { markers: asPy(r.markers), timeStamps: asPy(r.timeStamps), rawMarkers: raw(r.rawMarkers) };
  return {
    markers: asPy(r.markers), timeStamps: asPy(r.timeStamps), samplingRate: r.samplingRate, rawMarkers: raw(r.rawMarkers),
    sessionStartTime: { scalar: "float64", value: r.sessionStartTime }, numSets: r.numSets,
    trialIndices: r.trialIndices ? asPy(r.trialIndices) : { list: [] },
  };
}

function ours(s: Stream): PyResult {
  try {
    const r = rplParallel({ values: Uint16Array.from(s.values), seconds: Float64Array.from(s.seconds) });
    const fallback = r.kind === "task" && r.branch === "fallback";
    return { attrs: asAttrs(r), printed: fallback ? "problem with arrange markers\n" : "" };
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_NO_MARKERS") return { error: "IndexError" };
    throw e;
  }
}

// ---- streams ---------------------------------------------------------------------------------------------
const fromEvents = (ev: { timestamp: number; value: number }[]): Stream =>
  ({ values: ev.map((e) => e.value), seconds: ev.map((e) => e.timestamp / 30000) });
const codes = (cs: number[], t0 = 1.25, zeros = true): Stream => {
  const values: number[] = [];
  const seconds: number[] = [];
  cs.forEach((c, i) => {
    values.push(c);
    seconds.push(t0 + 0.7 * i + i * 1e-5);
    if (zeros) { values.push(0); seconds.push(t0 + 0.7 * i + 0.001); }
  });
  return { values, seconds };
};
const task = fromEvents(trialMarkers({ seconds: 90, kind: "task", seed: 3 }));
const eye = fromEvents(trialMarkers({ seconds: 40, kind: "eye", seed: 4 }));
const with0 = (s: Stream, v: number): Stream => ({ values: [v, ...s.values.slice(1)], seconds: s.seconds });
const drop = (s: Stream, start: number, end?: number): Stream => ({ values: s.values.slice(start, end), seconds: s.seconds.slice(start, end) });

const named: Record<string, [Stream, string]> = {
  "task starting with 84": [task, "start-code"],
  "task starting with 204": [with0(task, 204), "start-code"],
  "task without the start code": [drop(task, 2), "triplets"],
  "rm1[0,1] == 2 (1-start, 2-cue, 3/4-end)": [codes([1, 2, 3, 1, 2, 4, 1, 2, 3]), "triplets-2"],
  "rm1[0,0] == 0 and rm1[0,1] == 2": [codes([0, 2, 3, 0, 2, 4]), "triplets-2"],
  "pairs": [codes([1, 5, 1, 6, 0, 7, 1, 9]), "pairs"],
  "no reset zeros": [codes([84, 11, 21, 31, 12, 22, 32, 13], 2, false), "no-reset"],
  "odd length (reshape fails)": [{ values: [...task.values, 5], seconds: [...task.seconds, 99] }, "fallback"],
  "start code, incomplete last trial": [drop(task, 0, -2), "fallback"],
  "pairs with an odd number of codes": [codes([1, 5, 1]), "fallback"],
  "only the start code": [codes([84]), "start-code"],
  "a single code": [codes([31]), "fallback"],
  "a single 1 (raw[2] missing)": [codes([1]), "fallback"],
  "no-reset with two events": [codes([84, 11], 0.5, false), "no-reset"],
};

describe("arrangeMarkers branches (no Python needed)", () => {
  it.each(Object.entries(named))("%s", (_, [s, branch]) => {
    const r = arrangeMarkers(Uint16Array.from(s.values), Float64Array.from(s.seconds));
    expect(r.branch).toBe(branch);
  });

  it("84 session: triplets of codes without the start code, times of the codes, floor(t × 30000)", () => {
    const r = arrangeMarkers(Uint16Array.from(task.values), Float64Array.from(task.seconds));
    const k = (task.values.length - 2) / 6;
    expect(r.markers.shape).toEqual([k, 3]);
    expect(Array.from(r.markers.data.slice(0, 3))).toEqual([task.values[2], task.values[4], task.values[6]]);
    expect(r.timeStamps.data[3]).toBe(task.seconds[8]);
    expect(r.trialIndices!.data[3]).toBe(BigInt(Math.floor(task.seconds[8]! * 30000)));
  });

  it("the eye rule: first value 128 → every other event, nothing arranged", () => {
    const r = rplParallel({ values: Uint16Array.from(eye.values), seconds: Float64Array.from(eye.seconds) });
    expect(r.kind).toBe("eye");
    expect(Array.from(r.markers.data).every((v) => v === 128)).toBe(true);
    expect(r.markers.shape).toEqual([eye.values.length / 2]);
    expect(Object.keys(r)).not.toContain("trialIndices");
  });

  it("argument errors and the empty stream", () => {
    expect(() => arrangeMarkers([1, 0] as never, new Float64Array(2))).toThrow(TypeError);
    expect(() => arrangeMarkers(new Uint16Array(2), new Float32Array(2) as never)).toThrow(TypeError);
    expect(() => arrangeMarkers(new Uint16Array(2), new Float64Array(3))).toThrow(RangeError);
    expect(() => arrangeMarkers(new Uint16Array(2), new Float64Array(2), 0)).toThrow(RangeError);
    expect(arrangeMarkers(new Uint16Array(0), new Float64Array(0)).branch).toBe("fallback");
    expect(() => rplParallel({ values: new Uint16Array(0), seconds: new Float64Array(0) })).toThrow(
      expect.objectContaining({ code: "ERR_NO_MARKERS" }));
    expect(() => rplParallel({ values: [] as never, seconds: new Float64Array(0) })).toThrow(TypeError);
  });
});

describe("against PyHipp's numpy code", () => {
  it("every named stream: identical arrays, shapes, dtypes, attribute order and printout", () => {
    if (!haveReference("markers oracle")) return;
    const cases = Object.entries(named).map(([id, [s]]) => ({ id, ...s }));
    cases.push({ id: "eye", ...eye }, { id: "empty", values: [], seconds: [] }, { id: "eye of one", values: [128], seconds: [0.25] });
    const py = oracle(cases);
    for (const c of cases) expect(ours(c), c.id).toEqual(py[c.id]);
    const base = ["args", "dirs", "setidx", "plotopts", "current_idx"];
    const attrs = (id: string) => Object.keys((py[id] as { attrs: object }).attrs);
    expect(attrs("task starting with 84")).toEqual(RPLPARALLEL_KEYS.task.filter((k) => !base.includes(k)));
    expect(attrs("eye")).toEqual(RPLPARALLEL_KEYS.eye.filter((k) => !base.includes(k)));
  });

  it("400 random streams (all lengths 0..40, marker-like values, zeros or not)", () => {
    if (!haveReference("markers oracle (random)")) return;
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const vocab = [0, 0, 0, 1, 2, 3, 84, 204, 128, 11, 21, 31, 44, 255, 65535];
    const cases = Array.from({ length: 400 }, (_, i) => {
      const n = i % 41;
      const zeros = rnd() < 0.6;
      const values = Array.from({ length: n }, (_, j) => (zeros && j % 2 === 1 ? 0 : pick(vocab)));
      let t = rnd() * 5;
      const seconds = values.map(() => (t += rnd() * 2 + 1 / 30000));
      return { id: `r${i}`, values, seconds };
    });
    const py = oracle(cases);
    const diffs = cases.filter((c) => JSON.stringify(ours(c)) !== JSON.stringify(py[c.id]));
    expect(diffs.map((d) => d.id)).toEqual([]);
    const seen = new Set(cases.map((c) => arrangeMarkers(Uint16Array.from(c.values), Float64Array.from(c.seconds)).branch));
    expect([...seen].sort()).toEqual(["fallback", "no-reset", "pairs", "start-code", "triplets", "triplets-2"]);
  });
});

describe(".nev files from writeNev through openNev(...).parallelPortEvents('neo')", () => {
  /** `stream` as parallel-port events, with serial (129) and SMA-only (2) packets between them that neo drops. */
  function writeSession(name: string, version: NevVersion, stream: Stream): string {
    const ts: bigint[] = [];
    const reasons: number[] = [];
    const values: number[] = [];
    stream.values.forEach((v, i) => {
      const tick = BigInt(Math.round(stream.seconds[i]! * 30000));
      if (i % 7 === 3) { ts.push(tick); reasons.push(129); values.push(77); }
      if (i % 11 === 5) { ts.push(tick); reasons.push(2); values.push(v); }
      ts.push(tick); reasons.push(version === "2.3" && i % 5 === 4 ? 3 : 1); values.push(v);
    });
    const dir = join(tmp, name);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.nev`);
    writeNev(path, {
      version, digitalLabels: [{ label: "digin", mode: 1 }],
      digitalEvents: { timestamps: BigUint64Array.from(ts), reasons: Uint8Array.from(reasons), values: Uint16Array.from(values) },
    });
    return path;
  }

  it("task (84) and eye (128) sessions, NEV 2.2 and 2.3, match PyHipp on the same file read by neo", () => {
    const files = {
      task23: writeSession("task23", "2.3", task), task22: writeSession("task22", "2.2", with0(task, 204)),
      eye23: writeSession("eye23", "2.3", eye), pairs22: writeSession("pairs22", "2.2", codes([1, 5, 1, 6])),
    };
    const nev = openNev(files.task23);
    const ev = nev.parallelPortEvents("neo");
    nev.close();
    expect(Array.from(ev.values)).toEqual(task.values);
    expect(Array.from(ev.seconds)).toEqual(task.values.map((_, i) => Math.round(task.seconds[i]! * 30000) / 30000));
    const r = rplParallelFromNev(files.task23);
    expect(r.kind === "task" && r.branch).toBe("start-code");
    if (!haveReference("markers oracle (nev)")) return;
    const py = oracle(Object.entries(files).map(([id, nev]) => ({ id, nev })));
    for (const [id, path] of Object.entries(files)) {
      const p = py[id] as { attrs: Record<string, PyVal>; printed: string; events: { values: PyArr; seconds: PyArr } };
      const e = openNev(path);
      const got = e.parallelPortEvents("neo");
      e.close();
      expect(Array.from(got.values), id).toEqual(p.events.values.data);
      expect(Array.from(got.seconds), id).toEqual(p.events.seconds.data);
      expect(asAttrs(rplParallelFromNev(path)), id).toEqual(p.attrs);
    }
  });
});
