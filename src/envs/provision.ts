/**
 * Making the environments a pool hands out: N private copies of a template env, unpacked conda-pack archives,
 * and the pinned MountainSort template venv (`create-sorter`).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { invalidOption, RplpipeError } from "../errors.js";
import { checkInteger, checkString } from "../validate.js";
import { copyEnv } from "./copy-env.js";
import { checkSlotName, type SlotInfo } from "./pool-state.js";

export { copyEnv } from "./copy-env.js";

function checkDir(what: string, dir: string): string {
  const d = resolve(checkString(what, dir));
  if (!existsSync(d) || !statSync(d).isDirectory())
    throw new RplpipeError("ERR_NOT_A_DIRECTORY", `${what} ${d} is not a directory`);
  return d;
}

function names(namePrefix: string, count: number): string[] {
  checkInteger("count", count, 1, 10_000);
  return Array.from({ length: count }, (_, i) => checkSlotName("namePrefix", `${namePrefix}${i}`));
}

export interface ProvisionOptions {
  template: string;
  count: number;
  /** Directory receiving `<namePrefix>0` … `<namePrefix>{count-1}` (created). */
  dest: string;
  /** Default "cenv", PyHipp's names. */
  namePrefix?: string;
  /** Told about each copy as it is made ("copied") or found complete from an earlier run ("kept"). */
  onCopy?: (slot: SlotInfo, what: "copied" | "kept") => void;
}

/**
 * Makes `count` private copies of `template` (see {@link copyEnv}); copies already complete are kept, so an
 * interrupted run can simply be repeated. Resolves to the slots, ready for `SlotPool.init`.
 * @throws RplpipeError ERR_NOT_A_DIRECTORY for a template that is not a directory; RangeError for a bad count;
 *   RplpipeError ERR_BAD_DEST when dest lies inside the template.
 */
export function provisionCopies(o: ProvisionOptions): SlotInfo[] {
  const template = checkDir("template", o.template);
  const dest = resolve(checkString("dest", o.dest));
  if (dest === template || dest.startsWith(template + sep))
    throw new RplpipeError("ERR_BAD_DEST", `dest ${dest} lies inside the template ${template}`);
  const list = names(o.namePrefix ?? "cenv", o.count);
  mkdirSync(dest, { recursive: true });
  return list.map((name) => {
    const slot = { name, prefix: join(dest, name) };
    const done = existsSync(slot.prefix);
    if (!done) copyEnv(template, slot.prefix);
    o.onCopy?.(slot, done ? "kept" : "copied");
    return slot;
  });
}

function run(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { env, cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.error || r.status !== 0) {
    const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new RplpipeError("ERR_PROVISION", `${argv.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${tail}`);
  }
}

/**
 * Unpacks a conda-pack archive into `dest` (created; must be empty) and runs `dest/bin/conda-unpack` when
 * present, which rewrites the prefixes compiled into the env for its new place.
 * @throws RplpipeError ERR_FILE_OPEN for a missing archive, ERR_BAD_DEST for a non-empty dest, ERR_PROVISION
 *   when tar or conda-unpack fail.
 */
export function unpackCondaPack(archive: string, dest: string): void {
  const file = resolve(checkString("archive", archive));
  if (!existsSync(file) || !statSync(file).isFile()) throw new RplpipeError("ERR_FILE_OPEN", `no archive ${file}`);
  const d = resolve(checkString("dest", dest));
  if (existsSync(d) && readdirSync(d).length > 0) throw new RplpipeError("ERR_BAD_DEST", `${d} is not empty`);
  mkdirSync(d, { recursive: true });
  run(["tar", "-xzf", file, "-C", d]);
  const unpack = join(d, "bin", "conda-unpack");
  if (existsSync(unpack)) run([unpack], { ...process.env, PATH: `${join(d, "bin")}:${process.env.PATH ?? ""}` });
}

/** Unpacks `archive` `count` times into dest/<namePrefix>i (skipping complete ones); the slots. */
export function provisionFromPack(archive: string, o: Omit<ProvisionOptions, "template">): SlotInfo[] {
  const dest = resolve(checkString("dest", o.dest));
  const list = names(o.namePrefix ?? "cenv", o.count);
  return list.map((name) => {
    const slot = { name, prefix: join(dest, name) };
    // The marker is written last: a job killed mid-unpack leaves a prefix without it, redone by the next job.
    const marker = join(slot.prefix, ".rplpipe-unpacked");
    const done = existsSync(marker);
    if (!done) {
      rmSync(slot.prefix, { recursive: true, force: true }); // a half-unpacked earlier attempt
      unpackCondaPack(archive, slot.prefix);
      writeFileSync(marker, `${resolve(archive)}\n`);
    }
    o.onCopy?.(slot, done ? "kept" : "copied");
    return slot;
  });
}

/** The shipped pinned requirements (src/envs/sorter-requirements.txt, found from src/ or dist/). */
export function sorterRequirementsPath(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  for (const c of [join(here, "sorter-requirements.txt"), join(here, "..", "..", "src", "envs", "sorter-requirements.txt")])
    if (existsSync(c)) return c;
  throw new RplpipeError("ERR_FILE_OPEN", "sorter-requirements.txt is missing from this rplpipe installation");
}

export interface CreateSorterOptions {
  dest: string;
  /** Python used to make the venv (default $PYTHON or python3; needs 3.10–3.12 for the pinned numpy). */
  python?: string;
  /** Requirements file (default {@link sorterRequirementsPath}). */
  requirements?: string;
  /** Modules that must import afterwards (default mountainsort4). */
  checkImports?: string[];
}

/**
 * Builds the sorter template venv at `dest` from PyPI and checks its imports. Idempotent: a venv whose stamp
 * (`dest/.requirements.sha256`) matches the requirements is kept. Resolves to whether it was (re)built.
 * @throws RplpipeError ERR_BAD_DEST when dest exists and is not a venv; ERR_PROVISION when venv/pip/import fail.
 */
export function createSorterEnv(o: CreateSorterOptions): { created: boolean; python: string } {
  const dest = resolve(checkString("dest", o.dest));
  const mods = o.checkImports ?? ["mountainsort4"];
  for (const m of mods)
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(m)) throw invalidOption("checkImports[]", "Python module name", m);
  const req = resolve(o.requirements ?? sorterRequirementsPath());
  if (!existsSync(req)) throw new RplpipeError("ERR_FILE_OPEN", `no requirements file ${req}`);
  const want = createHash("sha256").update(readFileSync(req)).digest("hex");
  const stamp = join(dest, ".requirements.sha256");
  const py = join(dest, "bin", "python");
  if (existsSync(py) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === want) return { created: false, python: py };
  if (existsSync(dest) && readdirSync(dest).length > 0 && !existsSync(join(dest, "pyvenv.cfg")))
    throw new RplpipeError("ERR_BAD_DEST", `${dest} exists and is not a virtual environment; not replacing it`);
  rmSync(dest, { recursive: true, force: true });
  run([o.python ?? process.env.PYTHON ?? "python3", "-m", "venv", dest]);
  run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", req]);
  run([py, "-c", mods.map((m) => `import ${m}`).join("; ")]);
  writeFileSync(stamp, want + "\n");
  return { created: true, python: py };
}
