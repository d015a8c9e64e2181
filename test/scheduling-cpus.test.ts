/**
 * The worker count `rplpipe run` uses without --workers (issue 4, point 5): the smallest of the CPUs the OS
 * offers this process, the cgroup's CPU quota (v2 cpu.max or v1 cfs quota/period) and SLURM_CPUS_PER_TASK.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cgroupCpuQuota, cpuBudget } from "../src/scheduling/cpus.js";
import { runPipeline } from "../src/pipeline/run.js";
import { writeSyntheticDay } from "../src/synth/day.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-cpus-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeCgroup(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

describe("cgroupCpuQuota", () => {
  it("reads cgroup v2 cpu.max and v1 cfs quota/period; unlimited or missing is null", () => {
    expect(cgroupCpuQuota(fakeCgroup("v2", { "cpu.max": "150000 100000\n" }))).toBe(1.5);
    expect(cgroupCpuQuota(fakeCgroup("v2max", { "cpu.max": "max 100000\n" }))).toBeNull();
    expect(cgroupCpuQuota(fakeCgroup("v1", { "cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n" }))).toBe(2);
    expect(cgroupCpuQuota(fakeCgroup("v1max", { "cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n" }))).toBeNull();
    expect(cgroupCpuQuota(fakeCgroup("none", {}))).toBeNull();
  });
});

describe("cpuBudget", () => {
  const os = availableParallelism();
  const quota = cgroupCpuQuota();
  const machine = Math.max(1, Math.min(os, quota === null ? os : Math.max(1, Math.floor(quota))));

  it("is the OS's CPUs capped by the cgroup quota without Slurm", () => {
    const b = cpuBudget({});
    expect(b.cpus).toBe(machine);
    expect(b.detail.os).toBe(os);
    expect(b.detail.slurm).toBeNull();
  });

  it("takes SLURM_CPUS_PER_TASK when it is smaller, and ignores a value that is not a positive integer", () => {
    const one = cpuBudget({ SLURM_CPUS_PER_TASK: "1" });
    expect(one.cpus).toBe(1);
    expect(one.detail.slurm).toBe(1);
    if (machine > 1) expect(one.source).toBe("slurm");
    expect(cpuBudget({ SLURM_CPUS_PER_TASK: "9999" }).cpus).toBe(machine);
    for (const bad of ["abc", "0", "-2", "1.5", ""]) {
      const b = cpuBudget({ SLURM_CPUS_PER_TASK: bad });
      expect(b.cpus, bad).toBe(machine);
      expect(b.detail.slurm, bad).toBeNull();
    }
  });

  it("sizes runPipeline's pool when --workers is not given", async () => {
    const day = join(root, "picasso", "20181105");
    writeSyntheticDay(day, { seconds: 2, arrays: 1, channelsPerArray: 2, seed: 3 });
    const saved = process.env.SLURM_CPUS_PER_TASK;
    process.env.SLURM_CPUS_PER_TASK = "1";
    try {
      const s = await runPipeline(day, { stages: ["split"], sessions: ["session01"] });
      expect(s.workers).toBe(1);
      expect(s.written.split).toBe(2);
      expect(s.failures).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.SLURM_CPUS_PER_TASK;
      else process.env.SLURM_CPUS_PER_TASK = saved;
    }
    const s2 = await runPipeline(day, { stages: ["split"], sessions: ["session01"], redo: true, workers: 2 });
    expect(s2.workers).toBe(2);
  }, 120_000);
});
