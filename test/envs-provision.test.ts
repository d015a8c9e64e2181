/** Provisioning: private copies of a template env (no hard links, paths re-pointed), conda-pack unpacking, create-sorter. */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSorterEnv, provisionCopies } from "../src/envs/provision.js";
import { openSlotPool } from "../src/envs/slot-pool.js";
import { runCli } from "./helpers/cli.js";
import { makeVenv, tmp } from "./envs-support.js";

let root: string;
let template: string;
beforeAll(() => {
  root = tmp("prov");
  // A real venv with pip (its bin/pip* scripts carry the template's absolute shebang) plus the awkward cases:
  // a hard link inside the template, an absolute symlink into it, a read-only script, a binary mentioning it.
  template = makeVenv(join(root, "template"), true);
  writeFileSync(join(template, "bin", "tool"), `#!${template}/bin/python\nprint("tool ok")\n`, { mode: 0o555 });
  linkSync(join(template, "pyvenv.cfg"), join(template, "pyvenv-hardlink.cfg"));
  symlinkSync(join(template, "pyvenv.cfg"), join(template, "abs-link"));
  writeFileSync(join(template, "bin", "blob"), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(template)]));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe("provision --template", () => {
  let dest: string;
  let pool: string;
  let cli: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    dest = join(root, "envs");
    pool = join(root, "pool");
    cli = await runCli(["envs", "provision", "--template", template, "--count", "2", "--dest", dest, "--register", "--pool", pool]);
  }, 120_000);

  it("makes N copies and registers them in the pool", async () => {
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(
      `copied cenv0 ${dest}/cenv0\ncopied cenv1 ${dest}/cenv1\nregistered 2 slots in pool ${pool} (2 slots in all)\n`,
    );
    const st = await openSlotPool(pool).status();
    expect(st.map((s) => [s.name, s.prefix, s.state])).toEqual([
      ["cenv0", `${dest}/cenv0`, "free"],
      ["cenv1", `${dest}/cenv1`, "free"],
    ]);
  });

  it("shares no inode with the template (no hard links) and keeps modes", () => {
    const copy = join(dest, "cenv0");
    const list = files(template);
    expect(list.length).toBeGreaterThan(100);
    for (const f of list) {
      const a = lstatSync(join(template, f));
      const b = lstatSync(join(copy, f));
      expect(b.ino, f).not.toBe(a.ino);
      expect(b.nlink, f).toBe(1);
      expect(b.mode, f).toBe(a.mode);
    }
  });

  it("re-points shebangs, activate scripts and absolute symlinks at the copy; keeps relative links and binaries", () => {
    const copy = join(dest, "cenv1");
    expect(readFileSync(join(copy, "bin", "pip"), "utf8").split("\n")[0]).toBe(`#!${copy}/bin/python3`);
    expect(readFileSync(join(copy, "bin", "tool"), "utf8").split("\n")[0]).toBe(`#!${copy}/bin/python`);
    expect(readFileSync(join(copy, "bin", "activate"), "utf8")).toContain(copy);
    expect(readFileSync(join(copy, "bin", "activate"), "utf8")).not.toContain(template + "/");
    expect(readlinkSync(join(copy, "abs-link"))).toBe(join(copy, "pyvenv.cfg"));
    expect(readlinkSync(join(copy, "bin", "python"))).toBe(readlinkSync(join(template, "bin", "python")));
    expect(readFileSync(join(copy, "bin", "blob"))).toEqual(readFileSync(join(template, "bin", "blob")));
  });

  it("the copy's python and scripts run as the copy", () => {
    const copy = join(dest, "cenv0");
    const py = spawnSync(join(copy, "bin", "python"), ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
    expect(py.stdout.trim()).toBe(copy);
    const pip = spawnSync(join(copy, "bin", "pip"), ["--version"], { encoding: "utf8" });
    expect(pip.stdout).toContain(join(copy, "lib"));
    expect(spawnSync(join(copy, "bin", "tool"), { encoding: "utf8" }).stdout).toBe("tool ok\n");
  });

  it("repeating keeps complete copies and adds the missing ones", async () => {
    const r = await runCli(["envs", "provision", "--template", template, "--count", "3", "--dest", dest]);
    expect(r.stdout).toBe(`kept cenv0 ${dest}/cenv0\nkept cenv1 ${dest}/cenv1\ncopied cenv2 ${dest}/cenv2\n`);
    expect(readdirSync(dest).filter((n) => n.includes("partial"))).toEqual([]);
  });
});

describe("provision --from-pack", () => {
  it("unpacks a conda-pack archive and runs its conda-unpack", async () => {
    const src = join(root, "packsrc");
    mkdirSync(join(src, "bin"), { recursive: true });
    mkdirSync(join(src, "conda-meta"));
    writeFileSync(join(src, "bin", "conda-unpack"), `#!/bin/sh\ntouch "$(dirname "$0")/../unpacked"\n`);
    chmodSync(join(src, "bin", "conda-unpack"), 0o755);
    const archive = join(root, "env.tar.gz");
    expect(spawnSync("tar", ["-czf", archive, "-C", src, "."]).status).toBe(0);
    const one = join(root, "unpacked-one");
    expect(await runCli(["envs", "provision", "--from-pack", archive, "--dest", one])).toMatchObject({ code: 0, stderr: "" });
    expect(existsSync(join(one, "unpacked"))).toBe(true);
    const many = join(root, "unpacked-many");
    const r = await runCli(["envs", "provision", "--from-pack", archive, "--dest", many, "--count", "2", "--name-prefix", "menv"]);
    expect(r.stdout).toBe(`copied menv0 ${many}/menv0\ncopied menv1 ${many}/menv1\n`);
    expect(existsSync(join(many, "menv1", "unpacked"))).toBe(true);
  });
});

describe("create-sorter (idempotence, with a trivial requirements file; the real one needs PyPI)", () => {
  it("builds once, keeps an up-to-date venv, rebuilds when the requirements change", () => {
    const dest = join(root, "sorter");
    const req = join(root, "req.txt");
    writeFileSync(req, "# nothing to install\n");
    const opts = { dest, requirements: req, checkImports: ["json", "sqlite3"] };
    expect(createSorterEnv(opts)).toEqual({ created: true, python: join(dest, "bin", "python") });
    expect(createSorterEnv(opts).created).toBe(false);
    writeFileSync(req, "# changed\n");
    expect(createSorterEnv(opts).created).toBe(true);
    expect(() => createSorterEnv({ ...opts, checkImports: ["os; import evil"] })).toThrow(TypeError);
    expect(() => createSorterEnv({ ...opts, dest: template + "/bin" })).toThrow(/not a virtual environment/);
  }, 120_000);
});

describe("bad input", () => {
  it.each([
    [["--template", "/nonexistent/env", "--count", "2", "--dest", "D"], /is not a directory \[ERR_NOT_A_DIRECTORY\]/],
    [["--template", "T", "--count", "0", "--dest", "D"], /--count must be an integer between 1 and 10000/],
    [["--template", "T", "--dest", "D"], /needs --count/],
    [["--template", "T", "--count", "1"], /needs --dest/],
    [["--template", "T", "--count", "1", "--dest", "T/inside"], /lies inside the template .* \[ERR_BAD_DEST\]/],
    [["--from-pack", "/nonexistent.tar.gz", "--dest", "D"], /no archive .* \[ERR_FILE_OPEN\]/],
    [["--template", "T", "--count", "1", "--dest", "D", "--json"], /--json does not apply to "envs provision"/],
  ])("provision %j → exit 2", async (args, msg) => {
    const r = await runCli(["envs", "provision", ...args.map((a) => a.replace(/^T/, template).replace(/^D$/, join(root, "never")))]);
    expect(r.stderr).toMatch(msg);
    expect(r.code).toBe(2);
  });

  it("provisionCopies validates before copying", () => {
    expect(() => provisionCopies({ template, count: -1, dest: join(root, "never") })).toThrow(RangeError);
    expect(existsSync(join(root, "never"))).toBe(false);
  });
});
