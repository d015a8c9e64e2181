/**
 * A sorter that crashes, is killed, hangs past its time limit, or is not installed: each gives a typed SortError
 * recorded for that channel with the sorter's stderr tail, the slot goes back to the pool, and the other channels
 * still run. Fake slot prefixes stand in for broken environments; the last test uses the real sorter.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipeline } from "../src/pipeline/run.js";
import { writeSyntheticDay } from "../src/synth/day.js";
import { sortChannel, SortError } from "../src/sort/sort-channel.js";
import { sortDay } from "../src/sort/sort-day.js";
import { sorterPrefix, StandInPool } from "./helpers/slot-standin.js";
import { writeHickle } from "../src/hdf5/hickle-write.js";
import { rplHighpassObject } from "../src/pipeline/objects.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-sortfail-"));
const day = join(root, "picasso", "20181105");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakePrefix(name: string, script: string): string {
  const prefix = join(root, "envs", name);
  mkdirSync(join(prefix, "bin"), { recursive: true });
  writeFileSync(join(prefix, "bin", "python"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(prefix, "bin", "python"), 0o755);
  return prefix;
}
const slot = (prefix: string) => ({ name: prefix.split("/").pop()!, prefix, scratch: join(root, "scratch") });

beforeAll(async () => {
  mkdirSync(join(root, "scratch"), { recursive: true });
  writeSyntheticDay(day, { seconds: 2, arrays: 1, channelsPerArray: 3, seed: 5 });
  expect((await runPipeline(day, { stages: ["highpass"], workers: 1 })).failures).toEqual([]);
});

describe("sorter failures", () => {
  it("a crash: ERR_SORTER_FAILED with the driver's message and the stderr tail; dataset removed", async () => {
    const p = fakePrefix("crash", `echo 'Traceback (most recent call last):' >&2\necho '  File "ms4alg.py", line 300' >&2\necho 'ms_driver: error: RuntimeError: isosplit5 failed' >&2\nexit 1`);
    const r = await sortChannel({ dayDir: day, electrodeId: 1, slot: slot(p) });
    expect(r.ok).toBe(false);
    expect(r.failure).toBeInstanceOf(SortError);
    expect(r.failure).toMatchObject({ code: "ERR_SORTER_FAILED", stage: "sort", electrodeId: 1, exitCode: 1, slot: "crash" });
    expect(r.failure!.message).toMatch(/exited with code 1: RuntimeError: isosplit5 failed/);
    expect(r.failure!.stderrTail).toMatch(/Traceback[\s\S]*ms4alg\.py/);
    expect(existsSync(join(r.dir, "dataset"))).toBe(false);
    expect(existsSync(join(r.dir, "start_indices.csv"))).toBe(true);
    expect(JSON.parse(JSON.stringify(r)).failure).toMatchObject({ code: "ERR_SORTER_FAILED", stderrTail: expect.stringContaining("isosplit5") });
  });

  it("killed by a signal: ERR_SORTER_FAILED naming the signal", async () => {
    const p = fakePrefix("killed", "echo 'MemoryError soon' >&2\nkill -9 $$");
    const r = await sortChannel({ dayDir: day, electrodeId: 2, slot: slot(p) });
    expect(r.failure).toMatchObject({ code: "ERR_SORTER_FAILED", signal: "SIGKILL" });
    expect(r.failure!.message).toMatch(/killed by SIGKILL/);
  });

  it("a hang: killed at the time limit (the whole process group), ERR_SORTER_TIMEOUT", async () => {
    const p = fakePrefix("hang", "echo 'phase1...' >&2\nsleep 120 &\nwait");
    const t0 = performance.now();
    const r = await sortChannel({ dayDir: day, electrodeId: 3, slot: slot(p), timeoutMs: 1500 });
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r.failure).toMatchObject({ code: "ERR_SORTER_TIMEOUT", stderrTail: expect.stringContaining("phase1") });
    expect(r.failure!.message).toMatch(/2 s limit/);
  });

  it("no python in the slot, or python without the sorter: ERR_SORTER_MISSING", async () => {
    const empty = join(root, "envs", "empty");
    mkdirSync(empty, { recursive: true });
    const r = await sortChannel({ dayDir: day, electrodeId: 1, slot: slot(empty) });
    expect(r.failure).toMatchObject({ code: "ERR_SORTER_MISSING", stage: "sort" });
    expect(r.failure!.message).toMatch(/no python at/);
    let bare: string | undefined;
    try {
      bare = join(root, "envs", "bare");
      execFileSync("python3", ["-m", "venv", "--without-pip", bare]);
    } catch {
      process.stderr.write("\n!!! SKIPPED part: no python3 to make a bare venv\n");
      return;
    }
    const r2 = await sortChannel({ dayDir: day, electrodeId: 1, slot: slot(bare) });
    expect(r2.failure).toMatchObject({ code: "ERR_SORTER_MISSING", exitCode: 3 });
    expect(r2.failure!.message).toMatch(/numpy is not installed in .*bare/);
  });

  it("input problems are recorded as ERR_SORT_INPUT without taking a slot", async () => {
    const pool = new StandInPool([{ name: "s0", prefix: join(root, "envs", "crash") }], join(root, "scratch"));
    const r = await sortChannel({ dayDir: day, electrodeId: 1, pool, sessions: ["session07"] });
    expect(r.failure).toMatchObject({ code: "ERR_SORT_INPUT", stage: "join" });
    expect(pool.acquired).toBe(0);
  });

  it("bad options throw", async () => {
    await expect(sortChannel({ dayDir: day, electrodeId: 1 } as never)).rejects.toThrow(/exactly one of slot and pool/);
    await expect(sortChannel({ dayDir: day, electrodeId: 1, slot: slot("/x"), sorter: "ks4" as never })).rejects.toThrow(RangeError);
    await expect(sortChannel({ dayDir: day, electrodeId: 1, slot: slot("/x"), timeOut: 5 } as never)).rejects.toThrow(/Unknown option "timeOut".*timeoutMs/);
  });

  it("every channel fails with a one-slot pool: each lease is released, so all channels get their turn", async () => {
    const pool = new StandInPool([{ name: "only", prefix: join(root, "envs", "crash") }], join(root, "scratch"));
    const s = await sortDay(day, { pool, jobs: 3 });
    expect(s.channels.map((c) => c.electrodeId)).toEqual([1, 2, 3]);
    expect(s.failures.map((f) => f.code)).toEqual(["ERR_SORTER_FAILED", "ERR_SORTER_FAILED", "ERR_SORTER_FAILED"]);
    expect([pool.acquired, pool.released, pool.held, pool.maxHeld]).toEqual([3, 3, 0, 1]);
    await expect(sortDay(day, { pool, channels: [1, 99] })).rejects.toMatchObject({ code: "ERR_NO_CHANNEL" });
  });

  it("one channel's sorter crashes, the others sort and export; a dead (all-zero) channel gives no cells (real sorter)", async () => {
    const real = sorterPrefix("sorting next to a crashing channel");
    if (!real) return;
    // channel009: all zeros in both sessions (a dead electrode), with a cell of an earlier run to be removed.
    const info = { electrodeId: 9, label: "raw 9", samplingRate: 30000, highFreqCornerHz: 0.3, highFreqOrder: 1, highFilterType: "Butterworth", lowFreqCornerHz: 7500, lowFreqOrder: 3, lowFilterType: "Butterworth" };
    for (const s of ["session01", "sessioneye"]) {
      const dir = join(day, s, "array01", "channel009");
      mkdirSync(join(dir, "cell01"), { recursive: true });
      writeFileSync(join(dir, "cell01", "spiketrain.csv"), "1.0\r\n");
      await writeHickle(join(dir, "rplhighpass_b59f.hkl"), rplHighpassObject(new Float32Array(60000), { highOrder: 8, highPassFrequency: [500, 7500] }, info, "x"));
    }
    // Crashes in channel002's directory, otherwise is the real sorter's python.
    const p = fakePrefix("flaky", `case "$PWD" in */channel002) echo 'ms_driver: error: simulated crash' >&2; exit 1;; esac\nexec "${real}/bin/python" "$@"`);
    const pool = new StandInPool([{ name: "a", prefix: p }, { name: "b", prefix: p }], join(root, "scratch"));
    const s = await sortDay(day, { pool, jobs: 2 });
    expect(s.failures.map((f) => [f.electrodeId, f.code])).toEqual([[2, "ERR_SORTER_FAILED"]]);
    for (const c of s.channels.filter((x) => x.electrodeId !== 2)) {
      expect(c.ok).toBe(true);
      expect(existsSync(join(c.dir, "output", "firings.mda"))).toBe(true);
      expect(existsSync(join(c.dir, "output", "templates.hkl"))).toBe(true);
    }
    const dead = s.channels.find((c) => c.electrodeId === 9)!;
    expect([dead.ok, dead.units, dead.events, dead.cells.length]).toEqual([true, 0, 0, 0]);
    expect(existsSync(join(day, "session01", "array01", "channel009", "cell01"))).toBe(false);
    expect(pool.held).toBe(0);
  });
});
