/** `rplpipe sort`: options, text and JSON summaries, exit codes, a channel directory as DIR. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sortCommand } from "../src/cli/commands/sort.js";
import { UsageError } from "../src/cli/usage-error.js";
import { runPipeline } from "../src/pipeline/run.js";
import { writeSyntheticDay } from "../src/synth/day.js";
import { sorterPrefix } from "./helpers/slot-standin.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";
import { openSlotPool } from "../src/envs/slot-pool.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-sortcli-"));
const day = join(root, "picasso", "20181105");
const crash = join(root, "crash");
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function sort(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = parseArgs({ args, options: sortCommand.options, allowPositionals: true, strict: true });
  const out = new Capture();
  const err = new Capture();
  const code = await sortCommand.run({ positionals: p.positionals, values: p.values as Record<string, string | boolean | undefined>, stdout: out, stderr: err });
  return { code, stdout: out.text, stderr: err.text };
}

beforeAll(async () => {
  writeSyntheticDay(day, { seconds: 2, arrays: 1, channelsPerArray: 2, seed: 9 });
  expect((await runPipeline(day, { stages: ["highpass"], workers: 1 })).failures).toEqual([]);
  mkdirSync(join(crash, "bin"), { recursive: true });
  writeFileSync(join(crash, "bin", "python"), "#!/bin/sh\necho 'ms_driver: error: ValueError: bad clip' >&2\nexit 1\n");
  chmodSync(join(crash, "bin", "python"), 0o755);
});

describe("rplpipe sort", () => {
  it("refuses bad command lines with a UsageError", async () => {
    await expect(sort(day)).rejects.toThrow(UsageError);
    await expect(sort(day, "--prefix", crash, "--pool", crash)).rejects.toThrow(/one of them/);
    await expect(sort(day, "--prefix", crash, "--sorter", "ks4")).rejects.toThrow(/ms4 or ms5/);
    await expect(sort(day, "--prefix", crash, "--jobs", "1.5")).rejects.toThrow(/whole number/);
    await expect(sort(day, "--prefix", crash, "--sort-timeout", "0")).rejects.toThrow(/positive/);
    await expect(sort(day, "--prefix", crash, "--channels", "1,x")).rejects.toThrow(/not a whole number/);
    await expect(sort(day, "--prefix", crash, "--channels", "77")).rejects.toMatchObject({ code: "ERR_NO_CHANNEL" });
    await expect(sort(join(root, "nope"), "--prefix", crash)).rejects.toMatchObject({ code: "ERR_NOT_A_DIRECTORY" });
  });

  it("a failing sorter: exit code 1, the failure and the sorter's stderr in the text and in --json", async () => {
    const t = await sort(day, "--prefix", crash);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/sorted 0 of 2 channel\(s\)/);
    expect(t.stdout).toMatch(/channel001: FAILED in sort \[ERR_SORTER_FAILED\] .*ValueError: bad clip/);
    expect(t.stdout).toMatch(/\| ms_driver: error: ValueError: bad clip/);
    expect(t.stderr).toMatch(/channel002: FAILED/);
    const j = await sort(day, "--prefix", crash, "--json", "--channels", "2");
    expect(j.code).toBe(1);
    const s = JSON.parse(j.stdout);
    expect(s.channels).toHaveLength(1);
    expect(s.failures[0]).toMatchObject({ code: "ERR_SORTER_FAILED", electrodeId: 2, stage: "sort", exitCode: 1, stderrTail: expect.stringContaining("bad clip") });
  });

  it("--pool: leases slots from a src/envs pool and gives them back", async () => {
    const poolDir = join(root, "pool");
    const pool = openSlotPool(poolDir);
    await pool.init({ slots: [{ name: "s0", prefix: crash }, { name: "s1", prefix: crash }] });
    const r = await sort(day, "--pool", poolDir, "--json");
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.failures.map((f: { code: string; slot: string }) => f.code)).toEqual(["ERR_SORTER_FAILED", "ERR_SORTER_FAILED"]);
    expect(new Set(s.failures.map((f: { slot: string }) => f.slot))).toEqual(new Set(["s0", "s1"]));
    expect((await pool.status()).map((x) => x.state)).toEqual(["free", "free"]);
    await expect(sort(day, "--pool", join(root, "no-pool"))).rejects.toMatchObject({ code: "ERR_NO_POOL" });
  });

  it("a channel directory sorts that channel only; with a real sorter exit code 0", async () => {
    const real = sorterPrefix("rplpipe sort with a real sorter");
    if (!real) return;
    const r = await sort(join(day, "session01", "array01", "channel002"), "--prefix", real, "--json");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.channels.map((c: { electrodeId: number; ok: boolean }) => [c.electrodeId, c.ok])).toEqual([[2, true]]);
    expect(s.channels[0].sessions.map((x: { name: string }) => x.name)).toEqual(["session01", "sessioneye"]);
    if (!haveReference("templates.hkl vs templates.mda")) return;
    const out = join(day, "mountains", "channel002", "output");
    const t = runPythonJson<{ type: string; dtype: string; shape: number[]; equal: boolean; mdaDims: number[] }>("sort_mda_ref.py", ["templates", join(out, "templates.mda"), join(out, "templates.hkl")]);
    expect(t).toMatchObject({ type: "ndarray", dtype: "float32", equal: true });
    expect(t.shape).toEqual(t.mdaDims);
    expect(t.shape.slice(0, 2)).toEqual([1, 150]);
  });
});
