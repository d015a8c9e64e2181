/**
 * `rplpipe envs` on the command line: the envlist.py forms (stdout compared with envlist.py itself run in the
 * reference venv), the scripts/envlist shim, leases that follow the calling shell, exit codes for bad input.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSlotPool } from "../src/envs/slot-pool.js";
import { runCli } from "./helpers/cli.js";
import { haveReference, pyDir, venvPython } from "./helpers/reference.js";
import { distCli, envsCli, repoRoot, requireDist, runProc, tmp, waitFor } from "./envs-support.js";

let root: string;
let n = 0;
const next = (): string => join(root, `p${n++}`);
beforeAll(() => {
  requireDist();
  root = tmp("cli");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** envlist calls of one job script: every call's stdout, in one shell so acquired slots stay held. */
const kCalls = [["cenv", "3"], [], [], ["cenv0"], [], [], ["cenv1"], [], ["cenv2"], ["cenv0"], []];

function script(cmd: string): string {
  return kCalls.map((a) => `out=$(${cmd} ${a.join(" ")}); echo "[$out]"`).join("\n");
}

describe("envlist forms", () => {
  it("print exactly what PyHipp's envlist.py prints for the same call sequence", async () => {
    const pool = next();
    const ours = await runProc(["sh", "-c", script(`node ${distCli} envs envlist --pool ${pool}`)]);
    expect(ours.stderr).toBe("");
    const got = ours.stdout.trim().split("\n");
    // envlist.py's list: [0,1,2] → pop 0, pop 1, +0, pop 2, pop 0, +1, pop 1, +2, +0, pop 2.
    expect(got).toEqual(["[]", "[cenv0]", "[cenv1]", "[]", "[cenv2]", "[cenv0]", "[]", "[cenv1]", "[]", "[]", "[cenv2]"]);
    if (!haveReference("envlist.py oracle")) return;
    const env = { ...process.env, ENVLIST_HKL: join(root, `envlist${n}.hkl`), PYTHONWARNINGS: "ignore" };
    const theirs = await runProc(["sh", "-c", script(`${venvPython} ${join(pyDir, "envs_envlist.py")}`)], { env });
    expect(theirs.stdout.trim().split("\n")).toEqual(got);
  });

  it("acquire on a fully held pool with --timeout 0 prints nothing and fails, like envlist.py's IndexError", async () => {
    const pool = next();
    const r = await runProc(["sh", "-c", `E="node ${distCli} envs envlist --pool ${pool}"; $E c 1; $E >/dev/null; $E --timeout 0`]);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERR_NO_SLOT/);
  });

  it("scripts/envlist is a drop-in shim using $RPLPIPE_ENV_POOL", async () => {
    const env = { ...process.env, RPLPIPE_ENV_POOL: next() };
    const shim = join(repoRoot, "scripts", "envlist");
    const r = await runProc(["sh", "-c", `${shim} cenv 2; a=$(${shim}); b=$(${shim}); ${shim} $a; c=$(${shim}); echo $a $b $c`], { env });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("cenv0 cenv1 cenv0\n");
  });

  it("finds the pool of the data root from a subdirectory (day/session/channel)", async () => {
    const data = next();
    const deep = join(data, "20181105", "session01", "array01", "channel001");
    mkdirSync(deep, { recursive: true });
    expect((await envsCli(["init", "--root", data, "--prefix", "cenv", "--count", "2"])).code).toBe(0);
    const r = await runProc(["sh", "-c", `node ${distCli} envs envlist`], { cwd: deep });
    expect(r.stdout).toBe("cenv0\n");
    expect(existsSync(join(data, ".rplpipe", "envs", "leases", "cenv0.json"))).toBe(true);
  });
});

/** Pids of keeper processes working for `pool` (Linux /proc). */
function keepers(pool: string): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8");
        return cmd.includes("keeper.js") && cmd.includes(JSON.stringify(pool).slice(1, -1));
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("a slot acquired from a shell", () => {
  it("stays held after the command exits, follows the shell's pid, and comes back when the shell dies", async () => {
    const pool = next();
    await openSlotPool(pool).init({ prefix: "cenv", count: 1 });
    const lease = join(pool, "leases", "cenv0.json");
    // The shell acquires, then lives on (as a job script running the sorter would).
    const sh = spawn("sh", ["-c", `node ${distCli} envs acquire --pool ${pool}; exec sleep 60`], { stdio: ["ignore", "pipe", "pipe"] });
    const name = await new Promise<string>((r) => sh.stdout.once("data", (b: Buffer) => r(b.toString())));
    expect(name).toBe("cenv0\n");
    const holder = JSON.parse(readFileSync(lease, "utf8"));
    expect(holder.pid).toBe(sh.pid);
    const st = await envsCli(["status", "--pool", pool, "--json"]);
    expect(JSON.parse(st.stdout).slots[0]).toMatchObject({ state: "held", holder: { pid: sh.pid } });
    expect((await envsCli(["acquire", "--pool", pool, "--timeout", "0"])).code).toBe(1);
    sh.kill("SIGKILL");
    // The keeper notices its holder is gone and gives the slot back (no acquire needed to reclaim it).
    await waitFor(() => !existsSync(lease), 5000, "keeper release");
    await waitFor(() => keepers(pool).length === 0, 5000, "keeper exit");
  });

  it("release by name from another process frees it; the keeper then stops", async () => {
    const pool = next();
    await openSlotPool(pool).init({ prefix: "cenv", count: 1 });
    const sh = spawn("sh", ["-c", `node ${distCli} envs acquire --pool ${pool}; exec sleep 60`], { stdio: ["ignore", "pipe", "pipe"] });
    await new Promise((r) => sh.stdout.once("data", r));
    await waitFor(() => keepers(pool).length === 1, 5000, "keeper start");
    const r = await envsCli(["release", "--pool", pool, "cenv0"]);
    expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect((await envsCli(["status", "--pool", pool])).stdout).toMatch(/^pool .*: 1 slots, 0 held, 1 free\n {2}cenv0 +free/);
    await waitFor(() => keepers(pool).length === 0, 5000, "keeper exit");
    sh.kill("SIGKILL");
  });
});

describe("bad input", () => {
  it("release of an unknown slot: typed error, exit 2", async () => {
    const pool = next();
    await openSlotPool(pool).init({ prefix: "cenv", count: 2 });
    const r = await runCli(["envs", "release", "--pool", pool, "cenv9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no slot "cenv9" \[ERR_NO_SUCH_SLOT\]/);
    const ok = await runCli(["envs", "envlist", "--pool", pool, "cenv1"]);
    expect(ok).toMatchObject({ code: 0, stdout: "" });
    expect(ok.stderr).toMatch(/was not held/);
  });

  it.each([
    [["envs", "init", "--pool", "P", "--prefix", "c", "--count", "0"], /--count must be an integer between 1 and 10000/],
    [["envs", "init", "--pool", "P", "--prefix", "c"], /init needs --prefix and --count/],
    [["envs", "envlist", "--pool", "P", "c", "0"], /Expected integer between 1 and 10000 for COUNT/],
    [["envs", "envlist", "--pool", "P", "a", "b", "c"], /at most 2 arguments/],
    [["envs", "envlist", "--pool", "P", "../evil"], /slot name/],
    [["envs", "status", "--pool", "P", "--bogus"], /Unknown option '--bogus'/],
    [["envs", "acquire", "--pool", "P", "--count", "3"], /--count does not apply to "envs acquire"/],
    [["envs", "frobnicate"], /unknown subcommand "frobnicate"/],
    [["envs"], /missing subcommand/],
    [["envs", "status", "--pool", "P"], /no environment pool in .* \[ERR_NO_POOL\]/],
    [["envs", "init", "--pool", "P", "--paths", "/nonexistent/env"], /does not exist \[ERR_NOT_A_DIRECTORY\]/],
    [["envs", "acquire", "--pool", "P", "--timeout", "soon"], /--timeout must be a number/],
  ])("%j → exit 2", async (args, msg) => {
    const r = await runCli(args.map((a) => (a === "P" ? join(root, "never") : a)));
    expect(r.stderr).toMatch(msg);
    expect(r.code).toBe(2);
  });

  it("init --paths names slots after their directories; --help prints usage", async () => {
    const pool = next();
    const envs = [join(root, "envA"), join(root, "envB")];
    envs.forEach((e) => mkdirSync(e, { recursive: true }));
    writeFileSync(join(root, "envA", "marker"), "");
    const r = await runCli(["envs", "init", "--pool", pool, "--paths", ...envs]);
    expect(r).toMatchObject({ code: 0, stdout: `pool ${pool}: 2 slots (envA … envB)\n` });
    expect((await openSlotPool(pool).status()).map((s) => [s.name, s.prefix])).toEqual([
      ["envA", envs[0]],
      ["envB", envs[1]],
    ]);
    expect((await runCli(["envs", "--help"])).stdout).toMatch(/envs envlist \[NAME \| PREFIX COUNT\]/);
  });
});
