/**
 * `rplpipe submit` against a real Slurm (test/helpers/slurm.ts starts a single-node cluster on loopback):
 * a synthetic day submitted as split jobs + a sort array + a finisher gives the same files as a local
 * `rplpipe run`, with the sorter environments unpacked from a conda-pack-style archive into node-local
 * scratch once and reused; a channel that fails is shown by status and errors, retried by the finisher's
 * next round, and --notify-cmd runs once at the end.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticDay } from "../src/synth/day.js";
import { openLedger } from "../src/ledger/index.js";
import { readHickle } from "../src/hdf5/hickle-read.js";
import { repoRoot } from "./helpers/reference.js";
import { sorterPrefix } from "./helpers/slot-standin.js";
import { startLocalSlurm, stopLocalSlurm } from "./helpers/slurm.js";

const main = join(repoRoot, "dist", "cli", "main.js");
const root = mkdtempSync(join(tmpdir(), "rplpipe-slurm-"));
let ok = false;
let sorter: string | undefined;

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", timeout: 600_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) {
      const q = spawnSync("squeue", ["-t", "all", "--array"], { encoding: "utf8" });
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; squeue:\n${q.stdout}${q.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every file under `dir` except rplpipe's own bookkeeping, relative paths, sorted. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === ".rplpipe") continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** A loaded hickle value as plain JSON-able data (typed arrays as arrays, NaN kept visible). */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isNaN(x) ? "NaN" : typeof x === "bigint" ? String(x) : x));
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [plain(k), plain(x)]);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "bigint") return String(v);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

beforeAll(() => {
  sorter = sorterPrefix("Slurm submission tests");
  ok = sorter !== undefined && startLocalSlurm("Slurm submission tests");
}, 900_000);
afterAll(() => {
  if (ok) stopLocalSlurm();
  rmSync(root, { recursive: true, force: true });
});

describe("rplpipe submit on a real Slurm", () => {
  it("gives the same files as a local rplpipe run; sorter environments unpacked once per node from a pack", async () => {
    if (!ok) return;
    const day = join(root, "a", "picasso", "20181105");
    const local = join(root, "b", "picasso", "20181105");
    writeSyntheticDay(day, { seconds: 4, arrays: 1, channelsPerArray: 3, seed: 21 });
    cpSync(day, local, { recursive: true });

    // A conda-pack-style archive: an environment whose bin/conda-unpack must run once after unpacking (it logs
    // each run) and whose python is the sorter venv's.
    const pack = join(root, "pack");
    mkdirSync(join(pack, "bin"), { recursive: true });
    const unpackLog = join(root, "conda-unpack.log");
    writeFileSync(join(pack, "bin", "python"), `#!/bin/sh\nexec ${sorter}/bin/python "$@"\n`, { mode: 0o755 });
    writeFileSync(join(pack, "bin", "conda-unpack"), `#!/bin/sh\necho "$(dirname "$(dirname "$0")")" >> ${unpackLog}\n`, { mode: 0o755 });
    const archive = join(root, "sorter-env.tar.gz");
    execFileSync("tar", ["-czf", archive, "-C", pack, "."]);
    const scratch = join(root, "node-scratch");

    const notified = join(root, "a-notified");
    const t0 = Date.now();
    const s = cli("submit", day, "--cpus", "1", "--from-pack", archive, "--node-scratch", scratch, "--pack-slots", "2", "--retries", "1",
      "--notify-cmd", `echo "$RPLPIPE_STATE $RPLPIPE_OUTSTANDING" >> ${notified}`);
    expect(s.stderr).toBe("");
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/split session01: job \d+/);
    expect(s.stdout).toMatch(/sort: 3 channel\(s\) as an array job \d+/);
    await waitFor("the finisher's notification", () => existsSync(notified), 600_000);
    const submitSeconds = (Date.now() - t0) / 1000;
    expect(readFileSync(notified, "utf8")).toBe("done 0\n");

    const t1 = Date.now();
    const r = cli("run", local, "--sort-prefix", sorter!);
    const runSeconds = (Date.now() - t1) / 1000;
    expect(r.code, r.stderr).toBe(0);
    process.stdout.write(`[slurm] day via rplpipe submit ${submitSeconds.toFixed(1)} s (incl. polling), via rplpipe run ${runSeconds.toFixed(1)} s\n`);

    // Same files, same bytes: the split outputs and the sorting outputs (MountainSort 4 is deterministic here).
    const a = files(day);
    expect(a).toEqual(files(local));
    expect(a.filter((f) => f.endsWith(".hkl")).length).toBeGreaterThanOrEqual(2 * 3 * 3 + 2);
    expect(a.some((f) => /cell\d\d\/spiketrain\.csv$/.test(f))).toBe(true);
    // .hkl files are compared by content (HDF5 stamps each object with its creation time), the rest by bytes
    // (firings.mda, templates, spiketrain.csv: MountainSort 4 is deterministic on the same data).
    const differ: string[] = [];
    for (const f of a) {
      // sort.json records which slot and when: compare what was sorted.
      const run = (p: string) => {
        const { slot: _s, finished: _f, ...rest } = JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;
        return JSON.stringify(rest);
      };
      const same = f.endsWith("sort.json")
        ? run(join(day, f)) === run(join(local, f))
        : f.endsWith(".hkl")
        ? JSON.stringify(plain(await readHickle(join(day, f)))) === JSON.stringify(plain(await readHickle(join(local, f))))
        : readFileSync(join(day, f)).equals(readFileSync(join(local, f)));
      if (!same) differ.push(f);
    }
    expect(differ).toEqual([]);

    // The ledger saw every job once, each from a Slurm job; the sort jobs from array tasks.
    const entries = openLedger(day).list();
    expect(entries.length).toBe(2 * 3 * 3 + 2 + 3);
    for (const e of entries) {
      expect(e.state).toBe("done");
      expect(e.attempt).toBe(1);
      expect(e.slurmJobId).toMatch(/^\d+$/);
    }
    expect(entries.filter((e) => e.key.stage === "sort").every((e) => /^\d+$/.test(e.slurmArrayTaskId ?? ""))).toBe(true);
    // Two environments unpacked on this node (conda-unpack ran once for each), reused by the three tasks.
    const unpacked = readFileSync(unpackLog, "utf8").trim().split("\n");
    expect(unpacked.length).toBe(2);
    expect(unpacked.every((p) => p.startsWith(join(scratch, "rplpipe-envs")))).toBe(true);

    const st = JSON.parse(cli("status", day, "--json").stdout) as { stages: Record<string, Record<string, number>>; slurm: { jobs: { what: string; states: Record<string, number> }[] } }[];
    expect(st[0]!.stages.sort).toEqual({ done: 3, running: 0, stale: 0, error: 0, pending: 0 });
    expect(st[0]!.stages.split).toEqual({ done: 6, running: 0, stale: 0, error: 0, pending: 0 });
    const sortJob = st[0]!.slurm.jobs.find((j) => j.what === "sort array")!;
    expect(sortJob.states).toEqual({ COMPLETED: 3 });
  }, 900_000);

  it("a failing channel shows in status and errors, the next round retries it, and notify runs once", async () => {
    if (!ok) return;
    const day = join(root, "c", "picasso", "20181105");
    writeSyntheticDay(day, { seconds: 3, arrays: 1, channelsPerArray: 3, seed: 22 });
    // A stray file where channel 1's sorting directory goes: its sort fails; the other channels go on.
    mkdirSync(join(day, "mountains"), { recursive: true });
    const stray = join(day, "mountains", "channel001");
    writeFileSync(stray, "not a directory\n");
    const notified = join(root, "c-notified");
    const s = cli("submit", day, "--cpus", "1", "--sort-prefix", sorter!, "--retries", "1", "--notify-cmd", `echo "$RPLPIPE_STATE $RPLPIPE_OUTSTANDING" >> ${notified}`);
    expect(s.code, s.stderr).toBe(0);

    const ledger = openLedger(day);
    const failed = () => ledger.get({ stage: "sort", session: null, channel: 1 })?.state === "error";
    await waitFor("channel 1's sort to fail", failed, 600_000);
    // Seen while round 1 is still finishing: status counts the error, errors names the cause.
    const st = JSON.parse(cli("status", day, "--json").stdout) as { stages: Record<string, Record<string, number>>; errors: number }[];
    expect(st[0]!.stages.sort!.error).toBe(1);
    const er = cli("errors", day);
    expect(er.code).toBe(1);
    expect(er.stdout).toMatch(/1 failed job\(s\)/);
    expect(er.stdout).toMatch(/sort +\(day\) +ch001 +attempt 1 on \S+ pid \d+ Slurm \d+_0/);
    expect(er.stdout).toMatch(/channel001/);
    rmSync(stray); // the cause goes away before the finisher's retry round

    await waitFor("the finisher's notification", () => existsSync(notified), 600_000);
    expect(readFileSync(notified, "utf8")).toBe("done 0\n");
    const sort = ledger.list({ stage: "sort" });
    expect(sort.map((e) => [e.key.channel, e.state, e.attempt])).toEqual([[1, "done", 2], [2, "done", 1], [3, "done", 1]]);
    expect(ledger.errors()).toEqual([]);
    const st2 = JSON.parse(cli("status", day, "--json").stdout) as { slurm: { round: number; jobs: { what: string; states: Record<string, number> }[] } }[];
    expect(st2[0]!.slurm.round).toBe(2);
    expect(st2[0]!.slurm.jobs.find((j) => j.what === "sort array")!.states).toEqual({ COMPLETED: 1 });
    expect(st2[0]!.slurm.jobs.some((j) => j.what.startsWith("split"))).toBe(false); // nothing else was rerun
    expect(existsSync(join(day, "session01", "array01", "channel001", "cell01", "spiketrain.csv")) || readdirSync(join(day, "session01", "array01", "channel001")).some((n) => n.startsWith("cell"))).toBe(true);
    expect(statSync(join(day, "mountains", "channel001")).isDirectory()).toBe(true);
  }, 900_000);
});
