/**
 * The jobs a day should end up with, as ledger keys: per session split/lfp/highpass for each channel and
 * parallel when it has a .nev; per day-channel sort. `rplpipe status` counts the ones with no record yet as
 * pending, and the Slurm finisher resubmits the ones not done.
 */
import type { JobKey, JobStage } from "../ledger/index.js";

export interface DaySessionChannels {
  name: string;
  channels: number[];
  parallel: boolean;
}

export function expectedKeys(sessions: DaySessionChannels[], stages: readonly JobStage[], sortChannels: readonly number[]): JobKey[] {
  const out: JobKey[] = [];
  for (const s of sessions) {
    for (const stage of ["split", "lfp", "highpass"] as const) if (stages.includes(stage)) for (const c of s.channels) out.push({ stage, session: s.name, channel: c });
    if (s.parallel && stages.includes("parallel")) out.push({ stage: "parallel", session: s.name, channel: null });
  }
  if (stages.includes("sort")) for (const c of sortChannels) out.push({ stage: "sort", session: null, channel: c });
  return out;
}
