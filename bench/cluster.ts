/**
 * Cluster benchmark (issue 6 point 6): the same synthetic day (session01 + sessioneye) through `rplpipe submit` (split job per session,
 * sort array, finisher) and through `rplpipe run` on this machine, reporting Slurm's scheduling overhead
 * (submit wall time − run wall time), and from the day's ledger per-stage job times and CPU efficiency.
 *
 * Wall time of the submission: from `rplpipe submit` to the finisher's --notify-cmd (polled every 100 ms).
 * CPU efficiency per Slurm job: TotalCPU / (Elapsed × AllocCPUS) from sacct for the jobs the ledger names (each
 * ledger record carries its Slurm job / array task id); without sacct, ledger busy time / (span × CPUs).
 *
 * Local Slurm (default): scripts/slurm/start-local-slurm.sh starts a single-node cluster on loopback (and this
 * bench stops it again if it started it). A real cluster: run on its head node with --real (uses the site's
 * SLURM_CONF / slurm.conf) and pass partition or account flags with --sbatch-flags "..."; --dir must then be
 * on the shared volume so compute nodes see the data.
 *
 * Run: npx tsc -p tsconfig.build.json && npx vite-node bench/cluster.ts
 *        [--channels 8] [--seconds 30] [--cpus 2] [--no-sort] [--real] [--sbatch-flags "..."]
 *        [--dir /tmp] [--keep]
 * Sorting uses .venv-sort (or RPLPIPE_SORTER_PREFIX). Results: bench/results/cluster.json.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSyntheticDay } from "../src/synth/day.js";
import { openLedger, type LedgerEntry } from "../src/ledger/index.js";
import { listManifests } from "../src/slurm/manifest.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const main = join(root, "dist", "cli", "main.js");
const args = process.argv.slice(2);
const has = (n: string) => args.includes(`--${n}`);
const opt = (n: string, d: string) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : d;
};
const channels = Number(opt("channels", "8"));
const seconds = Number(opt("seconds", "30"));
const splitCpus = Number(opt("cpus", String(cpus().length)));
const sbatchFlags = opt("sbatch-flags", "");
const real = has("real");
const prefix = resolve(process.env.RPLPIPE_SORTER_PREFIX ?? join(root, ".venv-sort"));
const withSort = !has("no-sort") && existsSync(join(prefix, "bin", "python"));

function cli(...a: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...a], { encoding: "utf8", timeout: 3_600_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function startSlurm(): boolean {
  if (real) return false;
  const r = spawnSync("bash", [join(root, "scripts", "slurm", "start-local-slurm.sh")], { encoding: "utf8" });
  const conf = /export SLURM_CONF=(\S+)/.exec(r.stdout)?.[1];
  if (r.status !== 0 || !conf) throw new Error(`could not start the local Slurm:\n${r.stderr}`);
  process.env.SLURM_CONF = conf;
  return true;
}

/** sacct's TotalCPU, Elapsed and AllocCPUS of job/task ids: cpu seconds, wall seconds, cpus. */
function sacct(ids: string[]): Map<string, { cpu: number; wall: number; cpus: number }> {
  const out = new Map<string, { cpu: number; wall: number; cpus: number }>();
  // The allocation line has Elapsed and AllocCPUS; its CPU time is on the job's .batch step line.
  const r = spawnSync("sacct", ["-n", "-P", "-j", ids.join(","), "-o", "JobID,TotalCPU,ElapsedRaw,AllocCPUS"], { encoding: "utf8" });
  if (r.status !== 0) return out;
  const secs = (t: string) => {
    // [DD-]HH:MM:SS or MM:SS.mmm
    const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(t.trim());
    return m ? Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]) : NaN;
  };
  const batchCpu = new Map<string, number>();
  for (const line of r.stdout.trim().split("\n")) {
    const [id, cpu, wall, n] = line.split("|");
    if (!id) continue;
    if (id.endsWith(".batch")) batchCpu.set(id.slice(0, -".batch".length), secs(cpu ?? ""));
    else if (!id.includes(".")) out.set(id, { cpu: secs(cpu ?? ""), wall: Number(wall), cpus: Number(n) });
  }
  for (const [id, row] of out) row.cpu = Math.max(row.cpu, batchCpu.get(id) ?? 0);
  return out;
}

function jobId(e: LedgerEntry): string | null {
  return e.slurmArrayJobId && e.slurmArrayTaskId ? `${e.slurmArrayJobId}_${e.slurmArrayTaskId}` : e.slurmJobId;
}

async function main_(): Promise<void> {
  const base = mkdtempSync(join(resolve(opt("dir", tmpdir())), "rplpipe-bench-cluster-"));
  const started = startSlurm();
  try {
    const a = join(base, "slurm", "picasso", "20181105");
    const b = join(base, "local", "picasso", "20181105");
    // Two sessions (session01, sessioneye), `channels` channels on ceil(channels/32) arrays.
    const arrays = Math.max(1, Math.ceil(channels / 32));
    writeSyntheticDay(a, { seconds, arrays, channelsPerArray: Math.ceil(channels / arrays), seed: 5 });
    cpSync(a, b, { recursive: true });
    const sortArgs = withSort ? ["--sort-prefix", prefix] : ["--stages", "split,lfp,highpass,parallel"];

    const t1 = performance.now();
    const r = cli("run", b, ...sortArgs, "--workers", String(splitCpus));
    const runSeconds = (performance.now() - t1) / 1000;
    if (r.code !== 0) throw new Error(`rplpipe run failed:\n${r.stdout}\n${r.stderr}`);

    const notified = join(base, "notified");
    const t0 = performance.now();
    const s = cli("submit", a, ...sortArgs, "--cpus", String(splitCpus), "--notify-cmd", `echo "$RPLPIPE_STATE" > ${notified}`, ...(sbatchFlags ? [`--sbatch-flags=${sbatchFlags}`] : []));
    if (s.code !== 0) throw new Error(`rplpipe submit failed:\n${s.stderr}`);
    while (!existsSync(notified)) await new Promise((x) => setTimeout(x, 100));
    const submitSeconds = (performance.now() - t0) / 1000;

    // Per stage, from the ledger: jobs, summed job time, longest job, and the stage's span.
    const entries = openLedger(a).list();
    const stages: Record<string, { jobs: number; jobSeconds: number; maxJobSeconds: number; spanSeconds: number }> = {};
    for (const st of ["split", "lfp", "highpass", "parallel", "sort"]) {
      const es = entries.filter((e) => e.key.stage === st && e.endedAt);
      if (!es.length) continue;
      const dur = es.map((e) => (Date.parse(e.endedAt!) - Date.parse(e.startedAt)) / 1000);
      const span = (Math.max(...es.map((e) => Date.parse(e.endedAt!))) - Math.min(...es.map((e) => Date.parse(e.startedAt)))) / 1000;
      stages[st] = { jobs: es.length, jobSeconds: +dur.reduce((x, y) => x + y, 0).toFixed(2), maxJobSeconds: +Math.max(...dur).toFixed(2), spanSeconds: +span.toFixed(2) };
    }
    // CPU efficiency per kind of Slurm job.
    const ids = [...new Set(entries.map(jobId).filter((x): x is string => !!x))];
    const acct = sacct(ids);
    const eff: Record<string, { slurmJobs: number; cpuSeconds: number; allocCpuSeconds: number; efficiency: number; source: string }> = {};
    for (const kind of ["split", "sort"] as const) {
      const mine = [...new Set(entries.filter((e) => (kind === "sort" ? e.key.stage === "sort" : e.key.stage !== "sort")).map(jobId).filter((x): x is string => !!x))];
      if (!mine.length) continue;
      const rows = mine.map((id) => acct.get(id)).filter((x): x is { cpu: number; wall: number; cpus: number } => !!x && Number.isFinite(x.cpu));
      if (rows.length === mine.length) {
        const cpu = rows.reduce((x, y) => x + y.cpu, 0), alloc = rows.reduce((x, y) => x + y.wall * y.cpus, 0);
        eff[kind] = { slurmJobs: mine.length, cpuSeconds: +cpu.toFixed(1), allocCpuSeconds: +alloc.toFixed(1), efficiency: +(cpu / Math.max(alloc, 1e-9)).toFixed(3), source: "sacct" };
      } else {
        // No accounting: ledger busy time over each job's span × its CPUs.
        let busy = 0, alloc = 0;
        for (const id of mine) {
          const es = entries.filter((e) => jobId(e) === id && e.endedAt);
          busy += es.reduce((x, e) => x + (Date.parse(e.endedAt!) - Date.parse(e.startedAt)) / 1000, 0);
          const span = (Math.max(...es.map((e) => Date.parse(e.endedAt!))) - Math.min(...es.map((e) => Date.parse(e.startedAt)))) / 1000;
          alloc += span * (kind === "sort" ? 1 : splitCpus);
        }
        eff[kind] = { slurmJobs: mine.length, cpuSeconds: +busy.toFixed(1), allocCpuSeconds: +alloc.toFixed(1), efficiency: +(busy / Math.max(alloc, 1e-9)).toFixed(3), source: "ledger" };
      }
    }
    const m = listManifests(a);
    const report = {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cpus: cpus().length, load: loadavg()[0], node: process.version },
      cluster: real ? "site Slurm" : "local single-node Slurm (scripts/slurm)",
      day: { sessions: 2, channels, seconds, sort: withSort },
      rplpipeRunSeconds: +runSeconds.toFixed(2),
      submitSeconds: +submitSeconds.toFixed(2),
      overheadSeconds: +(submitSeconds - runSeconds).toFixed(2),
      overheadFraction: +((submitSeconds - runSeconds) / runSeconds).toFixed(3),
      rounds: m.length,
      stages,
      cpuEfficiency: eff,
    };
    console.log(`| path | wall s |\n|---|---|\n| rplpipe run (${splitCpus} workers) | ${report.rplpipeRunSeconds} |\n| rplpipe submit → notify | ${report.submitSeconds} |\n| scheduling overhead | ${report.overheadSeconds} (${(report.overheadFraction * 100).toFixed(0)} %) |`);
    console.log(`\n| stage | jobs | Σ job s | longest job s | span s |\n|---|---|---|---|---|`);
    for (const [k, v] of Object.entries(stages)) console.log(`| ${k} | ${v.jobs} | ${v.jobSeconds} | ${v.maxJobSeconds} | ${v.spanSeconds} |`);
    console.log(`\n| Slurm jobs | n | CPU s | allocated CPU s | efficiency | from |\n|---|---|---|---|---|---|`);
    for (const [k, v] of Object.entries(eff)) console.log(`| ${k} | ${v.slurmJobs} | ${v.cpuSeconds} | ${v.allocCpuSeconds} | ${(v.efficiency * 100).toFixed(0)} % | ${v.source} |`);
    mkdirSync(join(root, "bench", "results"), { recursive: true });
    writeFileSync(join(root, "bench", "results", "cluster.json"), `${JSON.stringify(report, null, 1)}\n`);
  } finally {
    if (started) spawnSync("bash", [join(root, "scripts", "slurm", "stop-local-slurm.sh")]);
    if (!has("keep")) rmSync(base, { recursive: true, force: true });
    else console.log(`kept ${base}`);
  }
}

await main_();
