/** Helpers of the test/envs-*.test.ts files: compiled entry points, process spawning, throwaway venvs. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const repoRoot = resolve(import.meta.dirname, "..");
export const distCli = join(repoRoot, "dist", "cli", "main.js");
/** file:// URL of a compiled module, for scripts that import the library from a spawned node. */
export const distUrl = (rel: string): string => pathToFileURL(join(repoRoot, "dist", rel)).href;

/** Spawned processes run the compiled code; fail loudly (not skip) when it was not built. */
export function requireDist(): void {
  if (!existsSync(distCli) || !existsSync(join(repoRoot, "dist", "envs", "slot-pool.js")))
    throw new Error("dist/ is not built: run `npx tsc -p tsconfig.build.json` (npm run build:ts) first");
}

export function tmp(tag: string): string {
  return mkdtempSync(join(tmpdir(), `rplpipe-envs-${tag}-`));
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion, capturing its output. */
export function runProc(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<Ran> {
  return new Promise((res, rej) => {
    const c = spawn(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    c.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    c.on("error", rej);
    c.on("close", (code, signal) => res({ code, signal, stdout, stderr }));
    c.stdin.end(opts.input ?? "");
  });
}

/** `node dist/cli/main.js envs ARGS…`. */
export function envsCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return runProc([process.execPath, distCli, "envs", ...args], { env });
}

/** A real venv (python3 -m venv), without pip unless asked (pip adds seconds). */
export function makeVenv(dir: string, withPip = false): string {
  const py = process.env.PYTHON ?? "python3";
  const r = spawnSync(py, ["-m", "venv", ...(withPip ? [] : ["--without-pip"]), dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${py} -m venv failed: ${r.stderr}`);
  return dir;
}

/** Resolves once `pred` holds, polling; rejects after `ms`. */
export async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
