/**
 * A real single-node Slurm for the cluster tests: scripts/slurm/start-local-slurm.sh installs Debian's
 * slurm-wlm, munge and MariaDB when missing (root, apt) and starts the daemons on loopback; the tests stop it
 * with scripts/slurm/stop-local-slurm.sh, which stops only what start started. Where it cannot be started
 * (no root, no apt) the tests skip with a loud notice — and in CI (CI=true) fail.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./reference.js";

const kStart = join(repoRoot, "scripts", "slurm", "start-local-slurm.sh");
const kStop = join(repoRoot, "scripts", "slurm", "stop-local-slurm.sh");

/** Starts (or reuses) the local cluster and exports SLURM_CONF into this process; false (after a loud notice) when it cannot. */
export function startLocalSlurm(what: string): boolean {
  const r = spawnSync("bash", [kStart], { encoding: "utf8", timeout: 600_000 });
  const conf = /export SLURM_CONF=(\S+)/.exec(r.stdout ?? "")?.[1];
  const dir = /export RPLPIPE_SLURM_DIR=(\S+)/.exec(r.stdout ?? "")?.[1];
  if (r.status === 0 && conf) {
    process.env.SLURM_CONF = conf.replace(/^'|'$/g, "");
    if (dir) process.env.RPLPIPE_SLURM_DIR = dir.replace(/^'|'$/g, "");
    return true;
  }
  const msg = `${what}: could not start the local Slurm (exit ${r.status}): ${(r.stderr ?? "").trim().split("\n").slice(-5).join(" | ")}`;
  if (process.env.CI) throw new Error(`CI: ${msg}`);
  const bar = "!".repeat(Math.min(100, msg.length + 8));
  process.stderr.write(`\n${bar}\n!!! SKIPPED: ${msg}\n${bar}\n`);
  return false;
}

export function stopLocalSlurm(): void {
  spawnSync("bash", [kStop], { encoding: "utf8", timeout: 120_000 });
}
