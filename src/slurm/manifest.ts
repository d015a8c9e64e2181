/**
 * A submission's manifest: what one round of `rplpipe submit` asked Slurm to do for one day, written next to
 * its scripts (DAY/.rplpipe/slurm/<round dir>/manifest.json). Array tasks read their channel from it, the
 * finisher reads which jobs to expect, `rplpipe status` reads the job ids to ask Slurm about.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RplpipeError } from "../errors.js";
import type { CheckedSubmitOptions } from "./submit-options.js";

export interface ManifestSession {
  name: string;
  path: string;
  /** Electrode ids the split job writes. */
  channels: number[];
  /** The session has a .nev, so the job writes rplparallel. */
  parallel: boolean;
}

export interface Manifest {
  version: 1;
  day: string;
  /** 1 for the first submission; each retry is the next round. */
  round: number;
  /** Directory holding this round's scripts, logs and manifest. */
  dir: string;
  createdAt: string;
  options: CheckedSubmitOptions;
  /** How compute nodes start rplpipe. */
  rplpipe: string;
  /** Every session of the day with its channels (the jobs the ledger should end up with). */
  sessions: ManifestSession[];
  /** Sessions this round runs split jobs for. */
  splitSessions: string[];
  /** Array task i sorts sortChannels[i]. */
  sortChannels: number[];
  /** Channels of the whole day the sort stage covers (for status). */
  allSortChannels: number[];
  scripts: { split: Record<string, string>; sort?: string; finish?: string };
  /** Slurm job ids (absent on --dry-run). */
  jobs: { split: Record<string, string>; sort?: string; finish?: string };
  warnings: string[];
}

/** Where a day's submissions live. */
export function slurmDir(day: string): string {
  return join(day, ".rplpipe", "slurm");
}

export function writeManifest(m: Manifest): string {
  const path = join(m.dir, "manifest.json");
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(m, null, 2) + "\n");
  renameSync(tmp, path);
  return path;
}

/** @throws RplpipeError ERR_FILE_OPEN / ERR_BAD_MANIFEST naming the file */
export function readManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new RplpipeError("ERR_FILE_OPEN", `no submission manifest ${path}; was the day submitted with \`rplpipe submit\`?`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new RplpipeError("ERR_BAD_MANIFEST", `${path} is not valid JSON (${(e as Error).message}); resubmit the day`);
  }
  if (m.version !== 1 || typeof m.day !== "string" || !Array.isArray(m.sortChannels))
    throw new RplpipeError("ERR_BAD_MANIFEST", `${path} is not an rplpipe submission manifest (version ${String(m.version)})`);
  return m;
}

/** Every manifest of a day, oldest first (round directories are named by time, then round). */
export function listManifests(day: string): Manifest[] {
  const dir = slurmDir(day);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, "manifest.json")))
    .sort()
    .map((n) => readManifest(join(dir, n, "manifest.json")));
}
