/** runInSlot: the environment a command sees in a slot, exit status and output, process-group kill on timeout. */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pidAlive } from "../src/envs/host.js";
import { runInSlot, slotEnv } from "../src/envs/run-in-slot.js";
import type { Slot } from "../src/envs/slot-pool.js";
import { makeVenv, tmp, waitFor } from "./envs-support.js";

let root: string;
let venv: Slot;
beforeAll(() => {
  root = tmp("run");
  venv = { name: "cenv0", prefix: makeVenv(join(root, "cenv0")), scratch: join(root, "scratch", "cenv0") };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("runInSlot", () => {
  it("sets PATH, VIRTUAL_ENV and the scratch directories of a venv slot", async () => {
    const cmd = "echo $TMPDIR $ML_TEMPORARY_DIRECTORY $ML_DATABASE_DIRECTORY $VIRTUAL_ENV; command -v python; echo $TEMPDIR; " +
      'python -c "import sys; print(sys.prefix)"; echo ${CONDA_PREFIX:-none} ${PYTHONPATH:-none}';
    const r = await runInSlot(venv, ["sh", "-c", cmd], {
      cwd: root,
      timeoutMs: 20_000,
      env: { CONDA_PREFIX: undefined, EXTRA: "1" },
    });
    expect(r).toMatchObject({ code: 0, signal: null, timedOut: false, stderrTail: "" });
    const s = venv.scratch;
    expect(r.stdout.split("\n")).toEqual([
      `${s}/tmp ${s}/ml-tmp ${s}/ml-db ${venv.prefix}`,
      `${venv.prefix}/bin/python`,
      `${s}/tmp`, // mountainsort4 takes its temp dir from TEMPDIR
      venv.prefix,
      "none none",
      "",
    ]);
    for (const d of ["tmp", "ml-tmp", "ml-db"]) expect(existsSync(join(s, d))).toBe(true);
  });

  it("sets CONDA_PREFIX (not VIRTUAL_ENV) for a conda prefix, and drops an inherited PYTHONPATH", () => {
    const conda = join(root, "condaenv");
    mkdirSync(join(conda, "conda-meta"), { recursive: true });
    const env = slotEnv({ name: "c", prefix: conda, scratch: join(root, "s2") }, { PATH: "/usr/bin", VIRTUAL_ENV: "/x", PYTHONPATH: "/y" });
    expect(env).toMatchObject({ CONDA_PREFIX: conda, CONDA_DEFAULT_ENV: "condaenv", PATH: `${conda}/bin:/usr/bin` });
    expect(env.VIRTUAL_ENV).toBeUndefined();
    expect(env.PYTHONPATH).toBeUndefined();
  });

  it("returns the exit code, stdout and the stderr tail, streaming stderr", async () => {
    const chunks: string[] = [];
    const r = await runInSlot(venv, ["sh", "-c", "echo out; i=0; while [ $i -lt 2000 ]; do echo line$i >&2; i=$((i+1)); done; exit 3"], {
      cwd: root,
      timeoutMs: 20_000,
      onStderr: (s) => chunks.push(s),
    });
    expect(r).toMatchObject({ code: 3, signal: null, stdout: "out\n", timedOut: false });
    expect(r.stderrTail.length).toBeLessThanOrEqual(4096);
    expect(r.stderrTail.endsWith("line1999\n")).toBe(true);
    expect(chunks.join("")).toMatch(/^line0\n[\s\S]*line1999\n$/);
  });

  it("kills the whole process group on timeout", async () => {
    const pidFile = join(root, "bg.pid");
    const t0 = Date.now();
    const r = await runInSlot(venv, ["sh", "-c", `sleep 30 & echo $! > ${pidFile}; sleep 30`], {
      cwd: root,
      timeoutMs: 400,
      killGraceMs: 1000,
    });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r).toMatchObject({ timedOut: true, code: null, signal: "SIGTERM" });
    const bg = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !pidAlive(bg) || readFileSync(`/proc/${bg}/stat`, "latin1").includes(") Z "), 3000, "background sleep to die");
  });

  it("SIGKILLs a group that ignores SIGTERM after the grace period", async () => {
    const r = await runInSlot(venv, ["sh", "-c", "trap '' TERM; sleep 30 & wait; sleep 30"], {
      cwd: root,
      timeoutMs: 300,
      killGraceMs: 300,
    });
    expect(r).toMatchObject({ timedOut: true, signal: "SIGKILL" });
  });

  it("rejects a missing program, a slot without prefix and bad arguments", async () => {
    await expect(runInSlot(venv, ["no-such-program-xyz"], { cwd: root, timeoutMs: 1000 })).rejects.toMatchObject({ code: "ERR_SPAWN" });
    expect(() => runInSlot({ ...venv, prefix: "" }, ["true"], { cwd: root, timeoutMs: 1000 })).toThrow(/no environment prefix/);
    expect(() => runInSlot(venv, [], { cwd: root, timeoutMs: 1000 })).toThrow(TypeError);
    expect(() => runInSlot(venv, ["true"], { cwd: root, timeoutMs: 0 })).toThrow(RangeError);
  });
});
