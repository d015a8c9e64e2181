/**
 * `rplpipe run` with the day's job ledger (docs/ledger.md), with real processes: four runs started at once on
 * one day (two of them as another node) do every job exactly once; concurrent --redo runs redo each job once;
 * a run killed with SIGKILL (on this host, or on "another node") leaves stale reservations that the next run
 * reclaims and finishes; --retry-errors reruns only the failed jobs.
 */
import { spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, writeFileSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticDay } from "../src/synth/day.js";
import { openLedger, type LedgerEntry } from "../src/ledger/index.js";
import type { Stage } from "../src/pipeline/plan.js";
import { repoRoot } from "./helpers/reference.js";

const cli = join(repoRoot, "dist", "cli", "main.js");
const root = mkdtempSync(join(tmpdir(), "rplpipe-concurrent-"));
const pristine = join(root, "pristine", "picasso", "20181105");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const kStagesRun = "split,lfp,highpass,parallel";
/** 2 sessions × 8 channels × (raw, LFP, spike band) + 2 marker files. */
const kJobs = 2 * 8 * 3 + 2;
const kPerStage = { split: 16, lfp: 16, highpass: 16, parallel: 2, sort: 0 };

beforeAll(() => {
  if (!existsSync(cli)) throw new Error("dist/ is not built: run `npm run build:ts` first");
  writeSyntheticDay(pristine, { seconds: 10, arrays: 2, channelsPerArray: 4, seed: 12 });
});

function copyDay(name: string): string {
  const d = join(root, name, "picasso", "20181105");
  cpSync(pristine, d, { recursive: true });
  return d;
}

/** Every .hkl output of the day (outside .rplpipe). */
function outputs(day: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === ".rplpipe") continue;
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".hkl")) out.push(join(d, e.name));
    }
  };
  walk(day);
  return out.sort();
}

interface Summary {
  written: Record<Stage, number>;
  skipped: Record<Stage, number>;
  heldByOthers: Record<Stage, number>;
  doneByOthers: Record<Stage, number>;
  failedByOthers: Record<Stage, number>;
  failures: { stage: string; electrodeId?: number; code: string }[];
}
interface Ran {
  code: number | null;
  pid: number;
  host: string;
  summary: Summary | null;
  stderr: string;
}

/** Starts `rplpipe run DAY ARGS --json`; `started` resolves with the child, `done` when it ends. */
function start(day: string, args: string[], host?: string) {
  const env = { ...process.env };
  if (host) env.RPLPIPE_HOST_ID = host;
  else delete env.RPLPIPE_HOST_ID;
  const child = spawn(process.execPath, [cli, "run", day, "--stages", kStagesRun, "--json", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<Ran>((res) =>
    child.on("close", (code) => {
      let summary: Summary | null = null;
      try {
        summary = JSON.parse(stdout) as Summary;
      } catch {
        /* killed, or a usage error */
      }
      res({ code, pid: child.pid!, host: host ?? "", summary, stderr });
    }),
  );
  return { child, done };
}

const run = (day: string, args: string[] = [], host?: string) => start(day, args, host).done;
const sum = (r: Record<Stage, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** Polls the outputs every few ms and keeps every inode seen per file (a file written twice shows two). */
function watchInodes(day: string): { seen: Map<string, Set<number>>; stop(): void } {
  const seen = new Map<string, Set<number>>();
  const look = () => {
    try {
      for (const f of outputs(day)) {
        try {
          const ino = statSync(f).ino;
          if (!seen.has(f)) seen.set(f, new Set());
          seen.get(f)!.add(ino);
        } catch {
          /* renamed meanwhile */
        }
      }
    } catch {
      /* a directory being created */
    }
  };
  const timer = setInterval(look, 3);
  return { seen, stop: () => (clearInterval(timer), look()) };
}

function leases(day: string): string[] {
  const d = join(day, ".rplpipe", "ledger", "leases");
  return existsSync(d) ? readdirSync(d) : [];
}

function expectAllDone(records: LedgerEntry[], attempt?: number): void {
  expect(records).toHaveLength(kJobs);
  for (const r of records) {
    expect(r.state, JSON.stringify(r.key)).toBe("done");
    if (attempt !== undefined) expect(r.attempt, JSON.stringify(r.key)).toBe(attempt);
  }
}

describe("rplpipe run with the job ledger", () => {
  let day: string;
  beforeAll(() => {
    day = copyDay("four");
  });

  it("four runs at once (two as another node) execute every job exactly once", async () => {
    const watch = watchInodes(day);
    const hosts = [undefined, "nodeB", undefined, "nodeB"];
    const runs = await Promise.all(hosts.map((h) => run(day, [], h)));
    watch.stop();
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const summaries = runs.map((r) => r.summary!);
    // Each job was written by exactly one process ...
    for (const stage of ["split", "lfp", "highpass", "parallel"] as const)
      expect(summaries.reduce((a, s) => a + s.written[stage], 0), stage).toBe(kPerStage[stage]);
    // ... and every process accounted for every job: written, kept, held by another, or done by another.
    for (const s of summaries) expect(sum(s.written) + sum(s.skipped) + sum(s.heldByOthers) + sum(s.doneByOthers) + sum(s.failedByOthers)).toBe(kJobs);
    const held = summaries.reduce((a, s) => a + sum(s.heldByOthers) + sum(s.doneByOthers), 0);
    process.stdout.write(`four runs: written ${summaries.map((s) => sum(s.written)).join("/")}, left to others ${held}\n`);

    const records = openLedger(day).list();
    expectAllDone(records, 1);
    const files = outputs(day);
    expect(files).toHaveLength(kJobs);
    const byPid = new Map(runs.map((r) => [r.pid, r.host || undefined]));
    for (const r of records) {
      // The record names the process that wrote the file, and was written after the file was in place.
      expect(byPid.has(r.pid), `${JSON.stringify(r.key)} pid ${r.pid}`).toBe(true);
      if (byPid.get(r.pid) === "nodeB") expect(r.host).toBe("nodeB");
      else expect(r.host).not.toBe("nodeB");
      expect(r.outputs).toHaveLength(1);
      const f = join(day, r.outputs![0]!);
      const st = statSync(f);
      expect(Date.parse(r.endedAt!) + 1, f).toBeGreaterThanOrEqual(st.mtimeMs);
      // No file was ever replaced: the one inode seen since it appeared is still the file's.
      expect([...watch.seen.get(f)!], f).toEqual([st.ino]);
    }
    expect(leases(day)).toEqual([]);
    // Only trash (replaced records, dropped leases; deleted by the next ledger use), no temp file left behind.
    expect(readdirSync(join(day, ".rplpipe", "ledger", "tmp")).filter((n) => !n.startsWith(".trash."))).toEqual([]);
  }, 60_000);

  it("a plain rerun keeps everything and leaves the ledger alone", async () => {
    const before = openLedger(day).list();
    const r = await run(day);
    expect(r.code, r.stderr).toBe(0);
    expect(sum(r.summary!.written)).toBe(0);
    expect(r.summary!.skipped).toEqual(kPerStage);
    expect(openLedger(day).list()).toEqual(before);
  });

  it("two --redo runs at once with one --redo-since redo every job once", async () => {
    const since = new Date().toISOString();
    const old = new Map(outputs(day).map((f) => [f, statSync(f).ino]));
    const watch = watchInodes(day);
    const runs = await Promise.all([run(day, ["--redo", "--redo-since", since]), run(day, ["--redo", "--redo-since", since], "nodeB")]);
    watch.stop();
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs.reduce((a, r) => a + sum(r.summary!.written), 0)).toBe(kJobs);
    expectAllDone(openLedger(day).list(), 2);
    for (const [f, ino] of old) {
      const now = statSync(f).ino;
      expect(now, f).not.toBe(ino);
      // The old file, then the new one: never a third.
      expect([...watch.seen.get(f)!].filter((x) => x !== ino), f).toEqual([now]);
    }
  }, 60_000);

  it("--retry-errors reruns only the failed job", async () => {
    // Make channel 1's LFP unwritable: a directory where the file goes.
    const lfp = join(day, "session01", "array01", "channel001", "rpllfp_6eca.hkl");
    rmSync(lfp);
    mkdirSync(lfp);
    const failed = await run(day, ["--redo"]);
    expect(failed.code).toBe(1);
    expect(failed.summary!.failures).toMatchObject([{ stage: "lfp", electrodeId: 1, code: "ERR_WRITE" }]);
    const errs = openLedger(day).errors();
    expect(errs.map((e) => e.key)).toEqual([{ stage: "lfp", session: "session01", channel: 1 }]);
    expect(errs[0]!.error).toMatchObject({ code: "ERR_WRITE" });
    expect(errs[0]!.error!.tail).toMatch(/at /); // the stack
    rmSync(lfp, { recursive: true });
    const retry = await run(day, ["--retry-errors"]);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.summary!.written).toEqual({ split: 0, lfp: 1, highpass: 0, parallel: 0, sort: 0 });
    expect(openLedger(day).get({ stage: "lfp", session: "session01", channel: 1 })).toMatchObject({ state: "done", attempt: 4 });
    expect(openLedger(day).errors()).toEqual([]);
    const again = await run(day, ["--retry-errors"]);
    expect(sum(again.summary!.written)).toBe(0);
    const both = await run(day, ["--redo", "--retry-errors"]);
    expect(both.code).toBe(2);
  }, 60_000);

  it("sort: two runs at once with a crashing sorter try each channel once and record its stderr", async () => {
    const prefix = join(root, "envs", "crash");
    mkdirSync(join(prefix, "bin"), { recursive: true });
    writeFileSync(join(prefix, "bin", "python"), "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'ms_driver: error: RuntimeError: isosplit5 failed' >&2\nexit 1\n");
    chmodSync(join(prefix, "bin", "python"), 0o755);
    const args = ["--stages", "sort", "--sort-prefix", prefix];
    const runs = await Promise.all([run(day, args), run(day, args, "nodeB")]);
    for (const r of runs) expect(r.code, r.stderr).toBe(1);
    const failed = runs.flatMap((r) => r.summary!.failures.filter((f) => f.stage === "sort").map((f) => f.electrodeId));
    expect(failed.sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 33, 34, 35, 36]);
    for (const r of runs) expect(sum(r.summary!.written) + sum(r.summary!.heldByOthers) + sum(r.summary!.failedByOthers) + r.summary!.failures.length).toBe(8);
    const sorts = openLedger(day).list({ stage: "sort" });
    expect(sorts).toHaveLength(8);
    for (const e of sorts) {
      expect(e).toMatchObject({ state: "error", attempt: 1, key: { session: null }, error: { code: "ERR_SORTER_FAILED" } });
      expect(e.error!.tail).toMatch(/Traceback[\s\S]*isosplit5 failed/);
    }
  }, 60_000);

  it("sort waits while another process still holds a spike band of the channel", async () => {
    // Another process "writing" session01's spike band of channel 2: it holds the job in the ledger.
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `
      import { openLedger } from ${JSON.stringify(pathToFileURL(join(repoRoot, "dist", "ledger", "index.js")).href)};
      const r = openLedger(process.argv[1]).reserve({ stage: "highpass", session: "session01", channel: 2 }, { paramsHash: "x", redo: true });
      console.log(r.status); setInterval(() => {}, 1000);`, day], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((res) => holder.stdout!.once("data", () => res()));
    const sorting = start(day, ["--stages", "sort", "--channels", "2", "--redo", "--sort-prefix", join(root, "envs", "crash")]);
    const key = { stage: "sort" as const, session: null, channel: 2 };
    await new Promise((r) => setTimeout(r, 1500));
    expect(sorting.child.exitCode).toBeNull(); // still waiting, with the sort job reserved
    expect(openLedger(day).get(key)).toMatchObject({ state: "reserved", liveness: "live", attempt: 2 });
    holder.kill("SIGKILL"); // the holder dies: its reservation is stale at once (same host), the sort goes on
    const r = await sorting.done;
    expect(r.code).toBe(1);
    expect(openLedger(day).get(key)).toMatchObject({ state: "error", attempt: 2, error: { code: "ERR_SORTER_FAILED" } });
  }, 60_000);
});

describe("a killed run's reservations", () => {
  /** Starts a run and SIGKILLs it once it holds at least `n` leases. */
  async function killWhileHolding(day: string, n: number, host?: string): Promise<number> {
    const { child, done } = start(day, ["--workers", "1"], host);
    await new Promise<void>((res) => {
      const poll = setInterval(() => {
        if (leases(day).length >= n || child.exitCode !== null) {
          clearInterval(poll);
          child.kill("SIGKILL");
          res();
        }
      }, 2);
    });
    await done;
    return leases(day).length;
  }

  it("same host: the next run reclaims them (dead pid) and finishes the day", async () => {
    const day = copyDay("killed-here");
    const left = await killWhileHolding(day, 3);
    expect(left).toBeGreaterThanOrEqual(3);
    // (A lease can outlive its record by the kill landing between "done" and the lease's removal.)
    const stale = openLedger(day).list({ state: "stale" });
    expect(stale.length).toBeGreaterThanOrEqual(1);
    const r = await run(day);
    expect(r.code, r.stderr).toBe(0);
    expect(sum(r.summary!.heldByOthers)).toBe(0);
    const records = openLedger(day).list();
    expectAllDone(records);
    // Each job killed in flight ran again (attempt 2), or its file was in place and is recorded as found.
    for (const s of stale) {
      const now = records.find((x) => JSON.stringify(x.key) === JSON.stringify(s.key))!;
      expect(now.attempt === 2 || now.adopted === true, JSON.stringify(now)).toBe(true);
    }
    expect(outputs(day)).toHaveLength(kJobs);
    expect(leases(day)).toEqual([]);
  }, 60_000);

  it("another node: held while its heartbeat is recent, reclaimed once it is older than the timeout", async () => {
    const day = copyDay("killed-there");
    const left = await killWhileHolding(day, 3, "nodeB");
    expect(left).toBeGreaterThanOrEqual(3);
    // From this host a nodeB pid means nothing: only the heartbeat's age (120 s) can free the jobs.
    expect(openLedger(day).list({ state: "stale" })).toEqual([]);
    const first = await run(day);
    expect(first.code, first.stderr).toBe(0);
    expect(sum(first.summary!.heldByOthers)).toBeGreaterThanOrEqual(1);
    expect(outputs(day).length).toBeLessThan(kJobs);
    // Let the dead node's heartbeats age past the timeout (10 minutes old).
    const t = new Date(Date.now() - 600_000);
    for (const l of leases(day)) utimesSync(join(day, ".rplpipe", "ledger", "leases", l), t, t);
    const stale = openLedger(day).list({ state: "stale" }).length;
    expect(stale).toBeGreaterThanOrEqual(1);
    expect(stale).toBeLessThanOrEqual(leases(day).length);
    const second = await run(day);
    expect(second.code, second.stderr).toBe(0);
    expect(sum(second.summary!.heldByOthers)).toBe(0);
    expectAllDone(openLedger(day).list());
    expect(outputs(day)).toHaveLength(kJobs);
    expect(leases(day)).toEqual([]);
  }, 60_000);
});
