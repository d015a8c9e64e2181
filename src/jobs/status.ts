/**
 * `rplpipe status`: a day's jobs by stage and state, from its ledger, against the jobs the day should have
 * (the latest submission's manifest, else the recordings' headers); with Slurm's view of the submitted jobs
 * and of the jobs holding reservations when squeue/sacct answer.
 */
import { kJobStages, keyText, openLedger, type JobStage, type LedgerEntry } from "../ledger/index.js";
import { listManifests } from "../slurm/manifest.js";
import { jobStates, type SlurmJobState } from "../slurm/slurm-cli.js";
import { daySessions } from "../slurm/submit.js";
import { expectedKeys } from "./expected.js";

export interface StageCounts {
  done: number;
  /** Reserved by a live process (running). */
  running: number;
  /** Reserved by a process that is gone (killed, node down): the next run reclaims it. */
  stale: number;
  error: number;
  /** Expected, with no record yet. */
  pending: number;
}

export interface SlurmJobView {
  /** "split session01", "sort array", "finish". */
  what: string;
  id: string;
  /** State → count (an array job's tasks are counted). */
  states: Record<string, number>;
  reasons: string[];
}

export interface DayStatus {
  day: string;
  stages: Record<JobStage, StageCounts>;
  /** Reservations (live or stale) with the Slurm state of their job, when known. */
  reserved: (LedgerEntry & { slurmState?: string })[];
  errors: number;
  /** The latest submission round, or null when the day was never submitted. */
  slurm: { round: number; createdAt: string; manifest: string; jobs: SlurmJobView[] } | null;
  /** False when jobs were submitted but neither squeue nor sacct answered. */
  slurmReachable: boolean;
}

function zero(): StageCounts {
  return { done: 0, running: 0, stale: 0, error: 0, pending: 0 };
}

function view(what: string, id: string, states: SlurmJobState[]): SlurmJobView {
  const tasks = states.filter((s) => s.id.startsWith(`${id}_`));
  // An array job appears as its tasks (and, briefly or in sacct, as the bare id too): count the tasks.
  const mine = tasks.length ? tasks : states.filter((s) => s.id === id);
  const counts: Record<string, number> = {};
  for (const s of mine) counts[s.state] = (counts[s.state] ?? 0) + 1;
  return { what, id, states: counts, reasons: [...new Set(mine.map((s) => s.detail).filter(Boolean))] };
}

export function dayStatus(day: string): DayStatus {
  const manifests = listManifests(day);
  const latest = manifests[manifests.length - 1];
  const expected = latest
    ? expectedKeys(latest.sessions, latest.options.stages, latest.allSortChannels)
    : (() => {
        const d = daySessions(day);
        return expectedKeys(d.sessions, kJobStages, [...new Set(d.sessions.flatMap((s) => s.channels))]);
      })();
  const entries = openLedger(day).list();
  const stages = Object.fromEntries(kJobStages.map((s) => [s, zero()])) as Record<JobStage, StageCounts>;
  const seen = new Set<string>();
  for (const e of entries) {
    seen.add(keyText(e.key));
    const c = stages[e.key.stage];
    if (e.state === "done") c.done++;
    else if (e.state === "error") c.error++;
    else if (e.liveness === "stale") c.stale++;
    else c.running++;
  }
  for (const k of expected) if (!seen.has(keyText(k))) stages[k.stage].pending++;
  const reserved: DayStatus["reserved"] = entries.filter((e) => e.state === "reserved");
  let slurm: DayStatus["slurm"] = null;
  let reachable = true;
  if (latest && Object.keys(latest.jobs.split).length + (latest.jobs.sort ? 1 : 0) + (latest.jobs.finish ? 1 : 0) > 0) {
    const ids = [...Object.values(latest.jobs.split), latest.jobs.sort, latest.jobs.finish].filter((x): x is string => !!x);
    const taskIds = reserved.map((e) => (e.slurmArrayJobId && e.slurmArrayTaskId ? `${e.slurmArrayJobId}_${e.slurmArrayTaskId}` : e.slurmJobId)).filter((x): x is string => !!x);
    const states = jobStates([...ids, ...taskIds]);
    reachable = states !== null;
    const st = states ?? [];
    slurm = {
      round: latest.round,
      createdAt: latest.createdAt,
      manifest: `${latest.dir}/manifest.json`,
      jobs: [
        ...Object.entries(latest.jobs.split).map(([s, id]) => view(`split ${s}`, id, st)),
        ...(latest.jobs.sort ? [view("sort array", latest.jobs.sort, st)] : []),
        ...(latest.jobs.finish ? [view("finish", latest.jobs.finish, st)] : []),
      ],
    };
    for (const e of reserved) {
      const id = e.slurmArrayJobId && e.slurmArrayTaskId ? `${e.slurmArrayJobId}_${e.slurmArrayTaskId}` : e.slurmJobId;
      const s = id ? st.find((x) => x.id === id) : undefined;
      if (s) e.slurmState = s.state;
    }
  }
  return { day, stages, reserved, errors: entries.filter((e) => e.state === "error").length, slurm, slurmReachable: reachable };
}
