/**
 * The few Slurm client commands rplpipe calls (sbatch, squeue, sacct), run as child processes: Slurm has no
 * stable library API, and its command line is what every site has. Output formats are requested explicitly
 * (`--parsable`, `-o`, `-P`) so no human-oriented column layout is ever parsed.
 */
import { spawnSync } from "node:child_process";
import { RplpipeError } from "../errors.js";

/** Slurm's view of one job or array task. */
export interface SlurmJobState {
  /** `123`, or `123_4` for an array task. */
  id: string;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, … */
  state: string;
  /** squeue's reason (Dependency, Resources, …) or sacct's exit code; "" when unknown. */
  detail: string;
}

function run(cmd: string, args: string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string; missing: boolean } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : ""), missing };
}

/** True when `sbatch` can be run (installed and on PATH). */
export function slurmAvailable(): boolean {
  return !run("sbatch", ["--version"]).missing;
}

/**
 * Submits `script` with extra command-line `args` (dependencies); returns the job id.
 * @throws RplpipeError ERR_NO_SLURM when sbatch is not installed, ERR_SBATCH when Slurm refuses the job
 *   (the message carries sbatch's own words: unknown partition, too many CPUs, …).
 */
export function sbatch(script: string, args: string[] = []): string {
  const r = run("sbatch", ["--parsable", ...args, script]);
  if (r.missing) throw new RplpipeError("ERR_NO_SLURM", "sbatch is not on PATH: run `rplpipe submit` on a Slurm login or head node (or use `rplpipe run` on this machine)");
  if (r.status !== 0) {
    throw new RplpipeError("ERR_SBATCH", `sbatch refused ${script}: ${r.stderr.trim() || `exit code ${r.status}`}. Check the partition, time, memory and CPU options (rplpipe submit --help).`);
  }
  // --parsable prints "jobid" or "jobid;cluster".
  const id = r.stdout.trim().split(";")[0] ?? "";
  if (!/^\d+$/.test(id)) throw new RplpipeError("ERR_SBATCH", `sbatch printed no job id for ${script}: ${JSON.stringify(r.stdout)}`);
  return id;
}

/**
 * The states of `jobIds` (array jobs expand to their tasks) from squeue (which also lists finished jobs for
 * MinJobAge seconds with `-t all`), completed by sacct for jobs squeue no longer knows. Returns null when
 * neither command answers (no Slurm here), so callers can show "Slurm: not reachable" rather than fail.
 */
export function jobStates(jobIds: string[]): SlurmJobState[] | null {
  const ids = [...new Set(jobIds.filter((x) => /^\d+(_\d+)?$/.test(x)))];
  if (ids.length === 0) return [];
  const found = new Map<string, SlurmJobState>();
  const q = run("squeue", ["-h", "--array", "-t", "all", "-j", ids.join(","), "-o", "%i|%T|%r"]);
  const squeueOk = !q.missing && q.status === 0;
  if (squeueOk) {
    for (const line of q.stdout.split("\n")) {
      const [id, state, reason] = line.trim().split("|");
      if (id && state) found.set(id, { id, state, detail: reason === "None" ? "" : (reason ?? "") });
    }
  }
  const s = run("sacct", ["-n", "-P", "-X", "-j", ids.join(","), "-o", "JobID,State,ExitCode"]);
  const sacctOk = !s.missing && s.status === 0;
  if (sacctOk) {
    for (const line of s.stdout.split("\n")) {
      const [id, stateRaw, exit] = line.trim().split("|");
      if (!id || !stateRaw || found.has(id)) continue;
      // sacct writes "CANCELLED by 0"; an array's unstarted remainder appears as "123_[4-7]".
      found.set(id, { id, state: stateRaw.split(" ")[0]!, detail: exit && exit !== "0:0" ? `exit ${exit}` : "" });
    }
  }
  if (!squeueOk && !sacctOk) return null;
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
}
