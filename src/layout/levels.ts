/**
 * The directory hierarchy of DataProcessingTools (DPT `levels.py`): `subjects/subject/day/session/array/
 * channel/cell`, each level recognised by a regex on the directory name. Every function here reproduces DPT
 * on path strings alone (no file system); quirks are kept and listed in docs/layout.md. The hierarchy comes
 * from a config with the shape of DPT's `config.json` ({@link loadLevelConfig}); the default is DPT's own.
 */
import { readFileSync } from "node:fs";
import { RplpipeError, invalidOption } from "../errors.js";
import { checkOneOf, checkString, isPlainObject } from "../validate.js";

/** One level in a DPT config.json: a Python regex (matched at the start of the name) and its depth. */
export interface LevelConfigEntry {
  pattern: string;
  order: number;
}
/** The shape of DPT's config.json. */
export type LevelConfigJson = Record<string, LevelConfigEntry>;

/** A hierarchy ready to use: level names top-down and their patterns. */
export interface LevelConfig {
  readonly levels: readonly string[];
  readonly patterns: readonly string[];
  /** Compiled patterns (sticky, i.e. anchored like Python's re.match). */
  readonly regexes: readonly RegExp[];
}

/** DPT `DataProcessingTools/config.json`, verbatim. */
export const DPT_CONFIG_JSON: LevelConfigJson = Object.freeze({
  subjects: { pattern: "([a-zA-Z]+)", order: 0 },
  subject: { pattern: "([a-zA-Z]+)", order: 1 },
  day: { pattern: "([0-9]+)", order: 2 },
  session: { pattern: "(session)([a-z0-9]+)", order: 3 },
  array: { pattern: "(array)([0-9]+)", order: 4 },
  channel: { pattern: "(channel)([0-9]+)", order: 5 },
  cell: { pattern: "(cell)([0-9]+)", order: 6 },
});

/** Python regex syntax → JS: named groups `(?P<n>` and back-references `(?P=n)`. */
function compilePattern(pattern: string, where: string): RegExp {
  const js = pattern.replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
  let re: RegExp;
  try {
    re = new RegExp(js, "y");
  } catch (e) {
    throw new RplpipeError("ERR_LEVEL_CONFIG", `${where}: pattern ${JSON.stringify(pattern)} is not a valid regex (${(e as Error).message})`);
  }
  // DPT returns m.groups()[0]: a pattern without a group raises IndexError there, so refuse it up front.
  if (new RegExp(`${js}|`).exec("")!.length < 2)
    throw new RplpipeError("ERR_LEVEL_CONFIG", `${where}: pattern ${JSON.stringify(pattern)} has no capturing group; DPT's level() returns the first group's text`);
  return re;
}

/**
 * Builds a hierarchy from a parsed config.json object: levels sorted by `order` (stable for ties, as
 * numpy's argsort is on such short lists), patterns checked.
 * @throws {RplpipeError} ERR_LEVEL_CONFIG for a malformed config (not an object, a level without a string
 *   pattern or numeric order, a pattern that does not compile or has no capturing group, no levels).
 */
export function levelConfigFrom(json: unknown, source = "level config"): LevelConfig {
  if (!isPlainObject(json)) throw new RplpipeError("ERR_LEVEL_CONFIG", `${source}: expected an object of {"pattern", "order"} entries`);
  const entries = Object.entries(json).map(([name, e]) => {
    if (!isPlainObject(e) || typeof e.pattern !== "string" || typeof e.order !== "number" || !Number.isFinite(e.order))
      throw new RplpipeError("ERR_LEVEL_CONFIG", `${source}: level "${name}" needs {"pattern": string, "order": number}`);
    return { name, pattern: e.pattern, order: e.order, re: compilePattern(e.pattern, `${source}: level "${name}"`) };
  });
  if (entries.length === 0) throw new RplpipeError("ERR_LEVEL_CONFIG", `${source}: no levels`);
  entries.sort((a, b) => a.order - b.order);
  return Object.freeze({
    levels: Object.freeze(entries.map((e) => e.name)),
    patterns: Object.freeze(entries.map((e) => e.pattern)),
    regexes: Object.freeze(entries.map((e) => e.re)),
  });
}

/**
 * Reads a JSON file shaped like DPT's config.json (DPT `update_config`).
 * @throws {TypeError} for a non-string path. {@link RplpipeError} ERR_LEVEL_CONFIG when the file cannot be
 *   read, is not JSON, or is malformed (see {@link levelConfigFrom}).
 */
export function loadLevelConfig(path: string): LevelConfig {
  checkString("path", path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new RplpipeError("ERR_LEVEL_CONFIG", `cannot read level config ${path}: ${(e as Error).message}`, { cause: e });
  }
  return levelConfigFrom(json, path);
}

/** DPT's default hierarchy: subjects, subject, day, session, array, channel, cell. */
export const defaultLevels: LevelConfig = levelConfigFrom(DPT_CONFIG_JSON, "DPT config.json");

/** Python's str.isdigit(): Unicode decimal digits (Nd) plus the "Digit" numeric type (², ①, …). */
const kPyDigit = /^[\p{Nd}\u00B2\u00B3\u00B9\u1369-\u1371\u19DA\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24EA\u24F5-\u24FD\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u{10A40}-\u{10A43}\u{10E60}-\u{10E68}\u{11052}-\u{1105A}\u{1F100}-\u{1F10A}]+$/u;

/**
 * DPT's `level(cwd)`, exactly: the text after the last `/`; all digits → `"day"`; otherwise the first
 * pattern, from the deepest level up, that matches at the start of the name, and its **first group's
 * text** — `session01`/`sessioneye` → `"session"`, `channel001` → `"channel"`, but `picasso` → `"picasso"`,
 * `2018a` → `"2018"`, a trailing `/` → `""`, no match → `""`. A group that did not take part gives `""`
 * (DPT: None). Only a result found in `config.levels` is a level.
 * @throws {TypeError} when `cwd` is not a string.
 */
export function levelOf(cwd: string, config: LevelConfig = defaultLevels): string {
  if (typeof cwd !== "string") throw invalidOption("cwd", "string", cwd);
  const leaf = cwd.slice(cwd.lastIndexOf("/") + 1);
  if (kPyDigit.test(leaf)) return "day";
  for (let i = config.regexes.length - 1; i >= 0; i--) {
    const re = config.regexes[i]!;
    re.lastIndex = 0;
    const m = re.exec(leaf);
    if (m) return m[1] ?? "";
  }
  return "";
}

/**
 * Depth of `cwd` in the hierarchy (0 = subjects): `levels.index(level(cwd))`.
 * @throws {RplpipeError} ERR_NOT_A_LEVEL when level(cwd) is not a level name (DPT raises ValueError).
 */
export function levelIndex(cwd: string, config: LevelConfig = defaultLevels): number {
  const l = levelOf(cwd, config);
  const i = config.levels.indexOf(l);
  if (i < 0) {
    const leaf = cwd.slice(cwd.lastIndexOf("/") + 1);
    throw new RplpipeError("ERR_NOT_A_LEVEL",
      `"${leaf}" (${cwd}) is not a level directory: DPT's level() gives ${JSON.stringify(l)}, not one of ${config.levels.join(", ")}. ` +
      "Give a day (all digits), session, array, channel or cell directory, without a trailing slash.");
  }
  return i;
}

function targetIndex(target: string, config: LevelConfig): number {
  return config.levels.indexOf(checkOneOf("target", target, config.levels));
}

/** Python's posixpath.split. */
export function pySplit(p: string): [string, string] {
  const i = p.lastIndexOf("/") + 1;
  let head = p.slice(0, i);
  if (head && !/^\/+$/.test(head)) head = head.replace(/\/+$/, "");
  return [head, p.slice(i)];
}

/** Python's posixpath.join. */
export function pyJoin(a: string, ...rest: string[]): string {
  let path = a;
  for (const b of rest) {
    if (b.startsWith("/")) path = b;
    else if (path === "" || path.endsWith("/")) path += b;
    else path += `/${b}`;
  }
  return path;
}

/**
 * DPT `resolve_level`: the relative path from `cwd` up to `target`: `"."`, `"./.."`, `"./../.."`; `"."` when
 * the target is deeper. Channel dir → session = `"./../.."`.
 * @throws {TypeError|RangeError} for a target that is not a level. {@link RplpipeError} ERR_NOT_A_LEVEL (cwd).
 */
export function resolveLevel(target: string, cwd: string, config: LevelConfig = defaultLevels): string {
  const up = levelIndex(cwd, config) - targetIndex(target, config);
  return pyJoin(".", ...Array<string>(Math.max(0, up)).fill(".."));
}

/**
 * DPT `get_level_name`: the path component naming `target` (`session01` for a channel dir), `""` when the
 * target is deeper than `cwd` or the path is too short.
 * @throws as {@link resolveLevel}.
 */
export function levelName(target: string, cwd: string, config: LevelConfig = defaultLevels): string {
  const t = targetIndex(target, config);
  let cw = cwd;
  let pp = "";
  for (let i = levelIndex(cwd, config); i >= t; i--) [cw, pp] = pySplit(cw);
  return pp;
}

/**
 * DPT `get_level_path`: the names from the top level down to `target`, joined (`Pancake/20130923/session01`).
 * @throws as {@link resolveLevel}.
 */
export function levelPath(target: string, cwd: string, config: LevelConfig = defaultLevels): string {
  targetIndex(target, config);
  let q = "";
  for (const l of config.levels) {
    q = pyJoin(q, levelName(l, cwd, config));
    if (l === target) break;
  }
  return q;
}

/**
 * DPT `normpath`: keep the last `index(level(cwd))` components (`/x/picasso/20181105/session01` →
 * `picasso/20181105/session01`). Quirk kept: a subjects-level dir (index 0) keeps every component, and an
 * absolute path loses its leading `/`.
 * @throws {RplpipeError} ERR_NOT_A_LEVEL.
 */
export function normpath(cwd: string, config: LevelConfig = defaultLevels): string {
  const idx = levelIndex(cwd, config);
  const parts = cwd.split("/");
  const keep = idx === 0 ? parts : parts.slice(Math.max(0, parts.length - idx));
  return pyJoin(keep[0]!, ...keep.slice(1));
}

const kShortNames: Record<string, (name: string, config: LevelConfig) => string> = {
  subjects: () => "",
  subject: (x) => {
    const first = Array.from(x)[0];
    if (first === undefined) throw new RplpipeError("ERR_NO_LEVEL_NAME", "the path has no subject component (DPT: IndexError)");
    return first;
  },
  day: (x) => x,
  session: (x, c) => `s${x.replaceAll(levelOf(x, c), "")}`,
  array: (x, c) => `a${x.replaceAll(levelOf(x, c), "")}`,
  channel: (x, c) => `g${x.replaceAll(levelOf(x, c), "")}`,
  cell: (x, c) => `c${x.replaceAll(levelOf(x, c), "")}`,
};

/**
 * DPT `get_shortname`: `P` (subject's first letter), the day as is, `s01`, `seye`, `a02`, `g033`, `c01`;
 * the id is the name with every occurrence of level(name) removed (Python str.replace).
 * @throws {TypeError|RangeError} for a bad level; {@link RplpipeError} ERR_NOT_A_LEVEL (cwd), ERR_NO_SHORTNAME
 *   for a level DPT has no short-name rule for, ERR_NO_LEVEL_NAME for an empty subject name.
 */
export function shortName(level: string, cwd: string, config: LevelConfig = defaultLevels): string {
  const name = levelName(level, cwd, config);
  const f = kShortNames[level];
  if (!f) throw new RplpipeError("ERR_NO_SHORTNAME", `DPT has no short name for level "${level}"`);
  return f(name, config);
}

/**
 * RPLRaw/RPLLFP/RPLHighPass plot title: `'D' + day + session + array + channel` short names,
 * e.g. `D20181105s01a01g001` for `…/20181105/session01/array01/channel001`.
 * @throws as {@link shortName}.
 */
export function plotTitle(channelDir: string, config: LevelConfig = defaultLevels): string {
  return `D${["day", "session", "array", "channel"].map((l) => shortName(l, channelDir, config)).join("")}`;
}

/** DPT's glob form of a level's pattern: `(`, `)` removed, `+` → `*` (`session[a-z0-9]*`). */
export function levelGlob(level: string, config: LevelConfig = defaultLevels): string {
  const i = config.levels.indexOf(checkOneOf("level", level, config.levels));
  return config.patterns[i]!.replaceAll("(", "").replaceAll(")", "").replaceAll("+", "*");
}
