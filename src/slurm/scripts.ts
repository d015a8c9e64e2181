/**
 * The sbatch scripts `rplpipe submit` writes (docs/cluster.md). They replace the lab's hand-written
 * rs1..rs4-slurm.sh / rplhighpass-sort-slurm.sh / consol_jobs.sh: one split job per session, one array job per
 * day over channels for sorting, one small finisher job that retries failures and notifies. Each script only
 * calls rplpipe; all bookkeeping lives in the day's ledger, so a script can be rerun by hand.
 * No `conda init`, no ~/.bashrc: the sorter environment is set up by rplpipe itself (docs/envs.md).
 */
import type { CheckedSubmitOptions } from "./submit-options.js";

/** Quotes `s` for a POSIX shell (single quotes; embedded ones closed and escaped). */
export function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

interface Common {
  jobName: string;
  logDir: string;
  cpus: number;
  time: string;
  mem?: string;
  o: CheckedSubmitOptions;
}

function header(c: Common, extra: string[] = [], array = false): string[] {
  // PyHipp's scripts: --ntasks=1 --nodes=1 and NAME.%N.%j.out; array tasks use %A_%a so every task keeps its log.
  const id = array ? "%A_%a" : "%j";
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=${c.jobName}`,
    "#SBATCH --nodes=1",
    "#SBATCH --ntasks=1",
    `#SBATCH --cpus-per-task=${c.cpus}`,
    `#SBATCH --time=${c.time}`,
    ...(c.mem ? [`#SBATCH --mem=${c.mem}`] : []),
    ...(c.o.partition ? [`#SBATCH --partition=${c.o.partition}`] : []),
    `#SBATCH --output=${c.logDir}/%x.%N.${id}.out`,
    `#SBATCH --error=${c.logDir}/%x.%N.${id}.err`,
    ...extra,
    ...c.o.sbatchFlags.map((f) => `#SBATCH ${f}`),
    "set -euo pipefail",
    // Written by rplpipe submit; the ledger (rplpipe status) records what each job did.
  ];
}

/** One split job: the session's .ns5 read once; raw, LFP and spike band of every channel; the markers. */
export function splitScript(a: { rplpipe: string; session: string; sessionName: string; logDir: string; o: CheckedSubmitOptions }): string {
  const stages = a.o.stages.filter((s) => s !== "sort");
  return [
    ...header({ jobName: `rpl-split-${a.sessionName}`, logDir: a.logDir, cpus: a.o.cpus, time: a.o.time, mem: a.o.mem, o: a.o }),
    `# rplpipe takes its worker count from SLURM_CPUS_PER_TASK.`,
    `exec ${a.rplpipe} run ${shq(a.session)} --stages ${stages.join(",")}${a.o.runArgs.map((x) => ` ${shq(x)}`).join("")}`,
    "",
  ].join("\n");
}

/** The day's sort array: task i sorts the i-th channel of the manifest, at most `throttle` at once. */
export function sortScript(a: { rplpipe: string; manifest: string; tasks: number; throttle: number; dayName: string; logDir: string; o: CheckedSubmitOptions }): string {
  const o = a.o;
  const lines = header(
    { jobName: `rpl-sort-${a.dayName}`, logDir: a.logDir, cpus: o.sortCpus, time: o.sortTime, mem: o.sortMem, o },
    [`#SBATCH --array=0-${a.tasks - 1}%${a.throttle}`, "#SBATCH --kill-on-invalid-dep=yes"],
    true,
  );
  let envArg = "";
  if (o.fromPack) {
    // Unpack the sorter environments once per node into local scratch (a pool of packSlots environments);
    // later jobs on the node find them complete and reuse them. flock is fine here: the directory is node-local.
    const dest = `${o.nodeScratch.replace(/\/+$/, "")}/rplpipe-envs`;
    lines.push(
      `ENVS=${shq(dest)}`,
      `mkdir -p "$ENVS"`,
      `flock -w 3600 "$ENVS.lock" ${a.rplpipe} envs provision --from-pack ${shq(o.fromPack)} --count ${o.packSlots} --dest "$ENVS" --register --pool "$ENVS/pool" >&2`,
    );
    envArg = ` --sort-pool "$ENVS/pool"`;
  } else if (o.sortPool) envArg = ` --sort-pool ${shq(o.sortPool)}`;
  else if (o.sortPrefix) envArg = ` --sort-prefix ${shq(o.sortPrefix)}`;
  lines.push(`# rplpipe takes its channel from SLURM_ARRAY_TASK_ID (index into the manifest's sortChannels).`);
  lines.push(`exec ${a.rplpipe} job sort-task ${shq(a.manifest)}${envArg}`, "");
  return lines.join("\n");
}

/** The finisher: after every job of the round ended, resubmit what failed (up to --retries), else notify. */
export function finishScript(a: { rplpipe: string; manifest: string; dayName: string; logDir: string; o: CheckedSubmitOptions }): string {
  return [
    ...header({ jobName: `rpl-finish-${a.dayName}`, logDir: a.logDir, cpus: 1, time: "0:30:00", o: a.o }),
    `exec ${a.rplpipe} job finish ${shq(a.manifest)}`,
    "",
  ].join("\n");
}
