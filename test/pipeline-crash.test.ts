/**
 * Nothing lost, nothing half-done: a run killed with SIGKILL at arbitrary moments leaves no partial .hkl,
 * the next run finishes only what is missing, and the result equals an uninterrupted run. Also checks the
 * documented peak-memory bound on a long channel.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticDay } from "../src/synth/day.js";
import { readHickle } from "../src/hdf5/hickle-read.js";
import type { PyValue } from "../src/hdf5/hickle-types.js";
import { repoRoot } from "./helpers/reference.js";
import { groupSizes } from "../src/pipeline/run.js";

const cli = join(repoRoot, "dist", "cli", "main.js");
const root = mkdtempSync(join(tmpdir(), "rplpipe-crash-"));
const pristine = join(root, "pristine", "picasso", "20181105");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (re.test(e.name)) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

function copyDay(name: string): string {
  const d = join(root, name, "picasso", "20181105");
  cpSync(pristine, d, { recursive: true });
  return d;
}

/** A comparable digest of a loaded hickle value: keys, kinds, dtypes and array bytes. */
function digest(v: PyValue): unknown {
  if (v.kind === "dict") return v.entries.map(([k, x]) => [k, digest(x)]);
  if (v.kind === "list" || v.kind === "tuple") return v.items.map(digest);
  if (v.kind === "ndarray") return { dtype: v.dtype, shape: v.shape, bytes: "data" in v ? Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).toString("base64") : "?" };
  return v;
}

beforeAll(() => {
  writeSyntheticDay(pristine, { seconds: 20, arrays: 2, channelsPerArray: 4, seed: 8 });
});

describe("crash safety", () => {
  it("SIGKILL at three moments, then reruns, give exactly the uninterrupted result", async () => {
    const clean = copyDay("clean");
    expect(spawnSync("node", [cli, "run", clean, "--workers", "2"], { encoding: "utf8" }).status).toBe(0);
    const expected = files(clean, /\.hkl$/);
    expect(expected).toHaveLength(2 * 8 * 3 + 2);

    const killed = copyDay("killed");
    for (const target of [2, 15, 33]) {
      const child = spawn("node", [cli, "run", killed, "--workers", "2"], { stdio: "ignore" });
      // Kill as soon as `target` outputs exist (or when it exits by itself).
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (files(killed, /\.hkl$/).length >= target || child.exitCode !== null) {
            clearInterval(poll);
            child.kill("SIGKILL");
            resolve();
          }
        }, 5);
      });
      await new Promise((r) => child.once("exit", r));
      // Every .hkl present is complete: it loads.
      for (const f of files(killed, /\.hkl$/)) await expect(readHickle(f), f).resolves.toBeDefined();
    }
    const rerun = spawnSync("node", [cli, "run", killed, "--workers", "2", "--json"], { encoding: "utf8" });
    expect(rerun.status, rerun.stderr).toBe(0);
    const s = JSON.parse(rerun.stdout) as { written: Record<string, number>; skipped: Record<string, number> };
    const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    expect(total(s.written) + total(s.skipped)).toBe(expected.length);
    expect(total(s.skipped)).toBeGreaterThanOrEqual(15);
    expect(files(killed, /\.tmp-/)).toEqual([]);
    const got = files(killed, /\.hkl$/);
    expect(got.map((f) => relative(killed, f))).toEqual(expected.map((f) => relative(clean, f)));
    for (let i = 0; i < got.length; i++) expect(digest(await readHickle(got[i]!)), got[i]).toEqual(digest(await readHickle(expected[i]!)));
  }, 300_000);

  it("keeps peak memory within the documented bound on a long channel", () => {
    const d = join(root, "long", "picasso", "20181105");
    writeSyntheticDay(d, { seconds: 600, arrays: 1, channelsPerArray: 2, seed: 9 });
    const n = 600 * 30000;
    const workers = 1;
    const live = 1; // --memory-mb 100 holds one 72 MB channel buffer at a time (L = 1, G = 1)
    const r = spawnSync("node", [cli, "run", d, "--sessions", "session01", "--workers", String(workers), "--memory-mb", "100", "--json"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { maxRss: number; written: Record<string, number> };
    expect(s.written.highpass).toBe(2);
    // docs/pipeline.md: peak ≈ 400 MB + 4·n·L + 64 MB·W bytes (the spike band is filtered in place; each worker reuses
    // its buffers; up to 64 MB of each worker's O_DIRECT writes are in flight in aligned copies).
    expect(groupSizes(n, 2, workers, 100e6)).toEqual({ taskSize: 1, liveSize: live });
    const bound = 400e6 + 4 * n * live + 64 * 2 ** 20 * workers;
    process.stdout.write(`long channel: peak RSS ${(s.maxRss / 1e6).toFixed(0)} MB, bound ${(bound / 1e6).toFixed(0)} MB (n = ${n})\n`);
    expect(s.maxRss).toBeGreaterThan(4 * n); // measured, not zero
    expect(s.maxRss).toBeLessThan(bound);
    expect(existsSync(join(d, "session01", "array01", "channel002", "rplraw_d41d.hkl"))).toBe(true);
  }, 300_000);
});

describe("groupSizes", () => {
  it("holds W·G channel buffers (one task's per worker), fewer when the budget says so, never more than the channels", () => {
    const n = 18e6; // 72 MB per channel
    expect(groupSizes(n, 32, 2, 6e9)).toEqual({ taskSize: 8, liveSize: 16 });
    expect(groupSizes(n, 124, 4, 6e9)).toEqual({ taskSize: 8, liveSize: 32 });
    expect(groupSizes(n, 6, 2, 6e9)).toEqual({ taskSize: 3, liveSize: 6 });
    expect(groupSizes(n, 32, 2, 1e9)).toEqual({ taskSize: 6, liveSize: 12 }); // 13 affordable
    expect(groupSizes(n, 32, 2, 100e6)).toEqual({ taskSize: 1, liveSize: 2 });
    expect(groupSizes(n, 32, 1, 100e6)).toEqual({ taskSize: 1, liveSize: 1 });
  });
});
