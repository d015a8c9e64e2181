/**
 * Access to the oracles: the Python reference venv (.venv-ref, made by scripts/setup-test-env.sh) and the
 * real recordings in ../shared/data/real. Neither exists in a bare clone, so tests that need them call
 * these helpers, which print a loud notice when they skip — and in CI (CI=true) the venv is required: a
 * missing one fails the run instead of skipping.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const venvPython = join(repoRoot, ".venv-ref", "bin", "python");
export const realDataDir = resolve(repoRoot, "..", "shared", "data", "real");
export const pyhippDataDir = resolve(repoRoot, "..", "shared", "data", "pyhipp");
export const pyDir = join(repoRoot, "test", "python");

function loud(msg: string): void {
  const bar = "!".repeat(Math.min(100, msg.length + 8));
  process.stderr.write(`\n${bar}\n!!! SKIPPED: ${msg}\n${bar}\n`);
}

/** True when the reference venv is present. In CI its absence is an error, not a skip. */
export function haveReference(what: string): boolean {
  if (existsSync(venvPython)) return true;
  if (process.env.CI) throw new Error(`CI: the reference venv ${venvPython} is missing (run scripts/setup-test-env.sh)`);
  loud(`${what}: no Python reference venv at ${venvPython}; run scripts/setup-test-env.sh`);
  return false;
}

/** True when ../shared/data/real holds `file`; otherwise prints a loud skip notice. */
export function haveRealFile(file: string, what: string): boolean {
  if (existsSync(join(realDataDir, file))) return true;
  loud(`${what}: ${join(realDataDir, file)} not present (a fresh clone has no ../shared)`);
  return false;
}

/**
 * Runs test/python/<script> in the reference venv with `args`, returns its stdout parsed as JSON.
 * Large arrays should be exchanged as files (.npy / raw), not JSON.
 */
export function runPythonJson<T = unknown>(script: string, args: string[], timeoutMs = 300_000): T {
  const out = execFileSync(venvPython, [join(pyDir, script), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    timeout: timeoutMs,
    env: { ...process.env, PYTHONWARNINGS: "ignore" },
  });
  return JSON.parse(out) as T;
}
