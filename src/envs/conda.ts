/**
 * Resolves conda environment NAMES (pools made with `init --prefix cenv --count 64`, like PyHipp's cenv0..63)
 * to prefixes. Asked of `conda env list --json` once per process and only when a slot is actually used: the
 * envlist-compatible forms only pass names around and must work on nodes without conda on PATH.
 */
import { execFileSync } from "node:child_process";
import { basename } from "node:path";
import { RplpipeError } from "../errors.js";

let cache: string[] | null = null;

function condaExe(): string {
  // CONDA_EXE is set by `conda init`/activation and points at the real binary even when PATH does not.
  return process.env.CONDA_EXE && process.env.CONDA_EXE.length > 0 ? process.env.CONDA_EXE : "conda";
}

function listEnvs(): string[] {
  if (cache) return cache;
  let out: string;
  try {
    out = execFileSync(condaExe(), ["env", "list", "--json"], {
      encoding: "utf8",
      timeout: 60_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    throw new RplpipeError(
      "ERR_ENV_UNRESOLVED",
      `cannot list conda environments with "${condaExe()} env list --json" (${(e as Error).message.split("\n")[0]}); ` +
        "set CONDA_EXE, or register the slots by prefix with: rplpipe envs init --paths DIR...",
      { cause: e },
    );
  }
  const v = JSON.parse(out) as { envs?: unknown };
  cache = Array.isArray(v.envs) ? v.envs.filter((p): p is string => typeof p === "string") : [];
  return cache;
}

/**
 * The prefix of the conda environment called `name` (`<root>/envs/<name>`; "base" is the root itself).
 * @throws RplpipeError ERR_ENV_UNRESOLVED when conda cannot be run or has no such environment.
 */
export function resolveCondaEnv(name: string): string {
  const envs = listEnvs();
  const hit = name === "base" ? envs[0] : envs.find((p) => basename(p) === name);
  if (hit === undefined)
    throw new RplpipeError("ERR_ENV_UNRESOLVED", `conda has no environment named "${name}" (conda env list)`);
  return hit;
}

/** Forgets the cached environment list (tests; after creating environments). */
export function clearCondaCache(): void {
  cache = null;
}
