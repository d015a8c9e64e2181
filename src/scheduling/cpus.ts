/**
 * How many CPUs this process may use: the smallest of what the OS offers this process
 * (os.availableParallelism, which honours the affinity mask), the cgroup v2/v1 CPU quota (containers, Slurm
 * with cgroup constraints), and SLURM_CPUS_PER_TASK when running inside a Slurm job. The worker pool is
 * sized from this unless --workers overrides it.
 */
import { availableParallelism } from "node:os";
import { readFileSync } from "node:fs";

export interface CpuBudget {
  cpus: number;
  /** Which limit decided it: "os", "cgroup" or "slurm". */
  source: "os" | "cgroup" | "slurm";
  detail: { os: number; cgroup: number | null; slurm: number | null };
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** CPU quota of the cgroup this process lives in (v2 cpu.max or v1 cfs quota/period), or null if unlimited. */
export function cgroupCpuQuota(root = "/sys/fs/cgroup"): number | null {
  // cgroup v2: the process's own cgroup path from /proc/self/cgroup ("0::/path").
  const self = readText("/proc/self/cgroup");
  const v2path = self?.split("\n").find((l) => l.startsWith("0::"))?.slice(3) ?? "";
  for (const p of [`${root}${v2path}/cpu.max`, `${root}/cpu.max`]) {
    const t = readText(p);
    if (t === null) continue;
    const [quota, period] = t.split(/\s+/);
    if (quota === "max" || !quota || !period) return null;
    const q = Number(quota) / Number(period);
    return Number.isFinite(q) && q > 0 ? q : null;
  }
  const q = readText(`${root}/cpu/cpu.cfs_quota_us`) ?? readText(`${root}/cpu,cpuacct/cpu.cfs_quota_us`);
  const p = readText(`${root}/cpu/cpu.cfs_period_us`) ?? readText(`${root}/cpu,cpuacct/cpu.cfs_period_us`);
  if (q === null || p === null || Number(q) <= 0) return null;
  return Number(q) / Number(p);
}

/** The CPU budget of this process (at least 1). `env` defaults to process.env. */
export function cpuBudget(env: NodeJS.ProcessEnv = process.env): CpuBudget {
  const os = availableParallelism();
  const quota = cgroupCpuQuota();
  const cgroup = quota === null ? null : Math.max(1, Math.floor(quota));
  const slurmRaw = env.SLURM_CPUS_PER_TASK;
  const slurmN = slurmRaw !== undefined && /^\d+$/.test(slurmRaw) ? Number(slurmRaw) : null;
  const slurm = slurmN !== null && slurmN > 0 ? slurmN : null;
  let cpus = os;
  let source: CpuBudget["source"] = "os";
  if (cgroup !== null && cgroup < cpus) {
    cpus = cgroup;
    source = "cgroup";
  }
  if (slurm !== null && slurm < cpus) {
    cpus = slurm;
    source = "slurm";
  }
  return { cpus: Math.max(1, cpus), source, detail: { os, cgroup, slurm } };
}
