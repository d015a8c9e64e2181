/**
 * Finding a recording day on disk: what level a directory is, the day's sessions (session01…, sessioneye,
 * Python-sorted), each session's .ns5/.nev and its existing array/channel directories. Faithful to how
 * PyHipp finds them (DPT get_level_dirs, `glob("*.ns5")`), with the fixes listed in docs/layout.md.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { RplpipeError } from "../errors.js";
import { checkString } from "../validate.js";
import { globDirs, levelDirs, pySorted } from "./level-dirs.js";
import { defaultLevels, levelGlob, levelOf, shortName, type LevelConfig } from "./levels.js";

/** A session's recording files are missing or ambiguous; `found` lists the session directory's files. */
export class SessionFilesError extends RplpipeError {
  readonly dir: string;
  readonly found: string[];
  constructor(code: "ERR_NO_NS5" | "ERR_SEVERAL_NS5" | "ERR_SEVERAL_NEV", message: string, dir: string, found: string[]) {
    super(code, message);
    this.name = "SessionFilesError";
    this.dir = dir;
    this.found = found;
  }
}

export interface ChannelDir {
  name: string;
  path: string;
  /** PyHipp's `int(name[-3:])` (RPLRaw); undefined when those are not 3 digits (PyHipp: ValueError). */
  electrode: number | undefined;
}
export interface ArrayDir {
  name: string;
  path: string;
  channels: ChannelDir[];
}
export interface SessionDir {
  name: string;
  path: string;
  /** DPT short name: `s01`, `seye` (`""` when the name is not a session level). */
  shortName: string;
  /** Non-hidden regular files, sorted (what `glob("*")` would list). */
  files: string[];
  ns5Files: string[];
  nevFiles: string[];
  /** A .ns2 is present: RPLSplit then takes neo signal group 2 instead of 1. */
  hasNs2: boolean;
  arrays: ArrayDir[];
}
export interface DayDir {
  name: string;
  path: string;
  sessions: SessionDir[];
  /** Other entries of the day directory (`mountains`, stray files), sorted. */
  others: string[];
}
/** What {@link discover} found. */
export interface Discovery {
  path: string;
  /** The level this directory is (by name for day and below, by its contents for subject/subjects). */
  level: string;
  /** Paths of this directory and its ancestors by level, down to `level`. */
  ancestors: Record<string, string>;
  /** The days at or below this directory (one for day and deeper). */
  days: DayDir[];
}

const kRequired = ["day", "session", "array", "channel"];

function listFiles(dir: string): string[] {
  return pySorted(readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith(".") && (e.isFile() || (e.isSymbolicLink() && statSync(join(dir, e.name), { throwIfNoEntry: false })?.isFile())))
    .map((e) => e.name));
}

/**
 * One session directory: files, .ns5/.nev candidates and existing array/channel directories.
 * @throws {TypeError} for a non-string path; Node's fs errors when it cannot be read.
 */
export function scanSession(sessionDir: string, config: LevelConfig = defaultLevels): SessionDir {
  const path = resolve(checkString("sessionDir", sessionDir));
  const files = listFiles(path);
  const arrays = levelDirs("array", path, config).map((a): ArrayDir => ({
    name: basename(a),
    path: a,
    channels: levelDirs("channel", a, config).map((c) => {
      const tail = basename(c).slice(-3);
      return { name: basename(c), path: c, electrode: /^\d{3}$/.test(tail) ? Number(tail) : undefined };
    }),
  }));
  return {
    name: basename(path), path, shortName: levelOf(path, config) === "session" ? shortName("session", path, config) : "", files,
    ns5Files: files.filter((f) => f.endsWith(".ns5")), nevFiles: files.filter((f) => f.endsWith(".nev")),
    hasNs2: files.some((f) => f.endsWith(".ns2")), arrays,
  };
}

/**
 * The .ns5 RPLSplit reads and the .nev RPLParallel reads in a session. PyHipp prints "Too many .ns5 files"
 * or ".ns5 file missing" and silently makes an empty object; rplpipe stops with the list instead. The .nev is
 * the one with the .ns5's base name, else the only one; none → `undefined` (RPLParallel is then empty).
 * @throws {SessionFilesError} ERR_NO_NS5 / ERR_SEVERAL_NS5; ERR_SEVERAL_NEV when several .nev files exist and
 *   none shares the .ns5's base name (PyHipp would take whichever os.listdir returns first).
 */
export function sessionRecording(session: SessionDir | string): { ns5: string; nev: string | undefined; hasNs2: boolean } {
  const s = typeof session === "string" ? scanSession(session) : session;
  const listing = s.files.length ? s.files.join(", ") : "nothing";
  if (s.ns5Files.length === 0)
    throw new SessionFilesError("ERR_NO_NS5", `no .ns5 file in ${s.path} (found: ${listing}). Put the session's .ns5 ` +
      `(30 kHz broadband) there, or leave the session out (exclude "*${s.name}*").`, s.path, s.files);
  if (s.ns5Files.length > 1)
    throw new SessionFilesError("ERR_SEVERAL_NS5", `${s.ns5Files.length} .ns5 files in ${s.path}: ${s.ns5Files.join(", ")}. ` +
      "PyHipp refuses this too (\"Too many .ns5 files\"); keep one recording per session directory.", s.path, s.files);
  const ns5 = s.ns5Files[0]!;
  const stem = ns5.slice(0, -4);
  const nev = s.nevFiles.find((f) => f === `${stem}.nev`) ?? (s.nevFiles.length === 1 ? s.nevFiles[0] : undefined);
  if (!nev && s.nevFiles.length > 1)
    throw new SessionFilesError("ERR_SEVERAL_NEV", `${s.nevFiles.length} .nev files in ${s.path} (${s.nevFiles.join(", ")}) and none ` +
      `is named ${stem}.nev; rename the one that belongs to ${ns5} or move the others out.`, s.path, s.files);
  return { ns5: join(s.path, ns5), nev: nev === undefined ? undefined : join(s.path, nev), hasNs2: s.hasNs2 };
}

/**
 * A day directory: its sessions (DPT's `session[a-z0-9]*` glob, Python-sorted: session01 < session02 <
 * sessioneye) and everything else in it.
 * @throws {TypeError} for a non-string path; Node's fs errors when it cannot be read.
 */
export function scanDay(dayDir: string, config: LevelConfig = defaultLevels): DayDir {
  const path = resolve(checkString("dayDir", dayDir));
  const sessionPaths = levelDirs("session", path, config);
  const names = new Set(sessionPaths.map((p) => basename(p)));
  const others = pySorted(readdirSync(path).filter((n) => !names.has(n)));
  return { name: basename(path), path, sessions: sessionPaths.map((p) => scanSession(p, config)), others };
}

/** Above the day DPT's level() names nothing useful (`picasso` → "picasso"): a day child makes a subject, a day grandchild subjects. */
function levelFromDays(dir: string, config: LevelConfig): number {
  const dayIdx = config.levels.indexOf("day");
  for (let depth = 1; depth <= Math.min(2, dayIdx); depth++) {
    const days = globDirs(dir, [...Array<string>(depth - 1).fill("*"), levelGlob("day", config)]);
    if (days.some((d) => levelOf(d, config) === "day")) return dayIdx - depth;
  }
  return -1;
}

/**
 * Identifies any directory of the hierarchy and enumerates its day(s). Day and deeper are recognised by name
 * (DPT level()); a subject (`picasso`) or subjects directory, which DPT's level() cannot name, by the levels
 * of its sub-directories: a day below it (subject) or two below (subjects).
 * @example discover("/data/picasso/20181105/session01/array01/channel009").days[0].sessions.map((s) => s.name)
 * @throws {TypeError} for a non-string path. {@link RplpipeError} ERR_NOT_A_DIRECTORY; ERR_NOT_A_LEVEL when
 *   neither the name nor the contents place it in the hierarchy; ERR_LEVEL_CONFIG when the config lacks
 *   day/session/array/channel.
 */
export function discover(dir: string, config: LevelConfig = defaultLevels): Discovery {
  const path = resolve(checkString("dir", dir));
  if (!existsSync(path) || !statSync(path).isDirectory())
    throw new RplpipeError("ERR_NOT_A_DIRECTORY", `${path} ${existsSync(path) ? "is not a directory" : "does not exist"}`);
  const missing = kRequired.filter((l) => !config.levels.includes(l));
  if (missing.length) throw new RplpipeError("ERR_LEVEL_CONFIG", `the level config lacks ${missing.join(", ")}, which discovery needs`);
  let idx = config.levels.indexOf(levelOf(path, config));
  if (idx < 0) idx = levelFromDays(path, config);
  if (idx < 0)
    throw new RplpipeError("ERR_NOT_A_LEVEL", `${path} is not part of a ${config.levels.join("/")} hierarchy: its name ` +
      `gives level ${JSON.stringify(levelOf(path, config))} and no day directory (all digits) lies one or two below it. Give a day directory ` +
      "(e.g. …/picasso/20181105) or one below it.");
  const ancestors: Record<string, string> = {};
  let p = path;
  for (let i = idx; i >= 0; i--, p = dirname(p)) ancestors[config.levels[i]!] = p;
  const dayIdx = config.levels.indexOf("day");
  // Above the day: DPT would glob `<subject pattern>/[0-9]*`; any name is accepted for the levels in between.
  const days = idx >= dayIdx ? [ancestors.day!]
    : globDirs(path, [...Array<string>(dayIdx - idx - 1).fill("*"), levelGlob("day", config)]).filter((d) => levelOf(d, config) === "day");
  return { path, level: config.levels[idx]!, ancestors, days: days.map((d) => scanDay(d, config)) };
}
