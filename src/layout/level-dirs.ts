/**
 * DPT `get_level_dirs` on the real file system: which directories of a level lie above, at or below a
 * directory, in Python's `sorted()` order of the full paths. Uses Python's glob rules (fnmatch, hidden names
 * skipped) and, outside the hierarchy, DPT's os.walk fallback. docs/layout.md lists the two deliberate
 * differences: paths come back absolute and normalised, and only directories are returned.
 */
import { readdirSync, statSync, type Dirent } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { checkOneOf, checkString } from "../validate.js";
import { defaultLevels, levelGlob, levelOf, type LevelConfig } from "./levels.js";

/** Python's str comparison (by code point; JS's default compares UTF-16 units, which differs above U+FFFF). */
export function pyCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Python's `sorted()` of strings. */
export function pySorted(xs: Iterable<string>): string[] {
  return [...xs].sort(pyCompare);
}

/** fnmatch.translate for one path component: `*`, `?`, `[…]`, `[!…]`; anchored at both ends. */
export function fnmatchRegex(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^]*";
    else if (c === "?") re += "[^]";
    else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "!") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j++;
      if (j >= pattern.length) {
        re += "\\[";
        continue;
      }
      let stuff = pattern.slice(i + 1, j).replaceAll("\\", "\\\\");
      if (stuff.startsWith("!")) stuff = `^${stuff.slice(1)}`;
      else if (stuff.startsWith("^") || stuff.startsWith("[")) stuff = `\\${stuff}`;
      re += `[${stuff}]`;
      i = j;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^(?:${re})$`, "u");
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // Python's glob and os.walk skip unreadable directories silently
  }
}

/** A directory entry that is a directory, following symlinks (os.scandir's is_dir()). */
function isDir(dir: string, e: Dirent): boolean {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  try {
    return statSync(join(dir, e.name)).isDirectory();
  } catch {
    return false;
  }
}

/** glob(join(root, *components)) keeping directories only; hidden names need a pattern starting with '.'. */
export function globDirs(root: string, components: readonly string[]): string[] {
  let found = [root];
  for (const comp of components) {
    const re = fnmatchRegex(comp);
    const hidden = comp.startsWith(".");
    found = found.flatMap((d) =>
      entries(d).filter((e) => (hidden || !e.name.startsWith(".")) && re.test(e.name) && isDir(d, e)).map((e) => join(d, e.name)));
  }
  return pySorted(found);
}

/** DPT's fallback outside the hierarchy: os.walk (no symlink descent) collecting dirs whose name re.matches. */
function walkDirs(root: string, re: RegExp): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of entries(d)) {
      if (!isDir(d, e)) continue;
      const p = join(d, e.name);
      re.lastIndex = 0;
      if (re.exec(e.name)) out.push(p);
      if (e.isDirectory()) stack.push(p);
    }
  }
  return pySorted(out);
}

/**
 * DPT `get_level_dirs(target, cwd)`: `cwd` itself at the same level; for a level above, every sibling of
 * that ancestor (all sessions of the day, for an array dir asked for sessions); for a level below, every
 * match of the chained glob patterns (`session[a-z0-9]*`, then `array[0-9]*`, then `channel[0-9]*` from a day). When
 * level(cwd) is not a level (e.g. `picasso`, `data`), every directory at any depth whose name matches the
 * target's regex. Absolute, normalised, Python-sorted paths.
 * @example levelDirs("session", "/data/picasso/20181105") // [".../session01", ".../session02", ".../sessioneye"]
 * @throws {TypeError|RangeError} for a bad `target` or a non-string `cwd`.
 */
export function levelDirs(target: string, cwd: string, config: LevelConfig = defaultLevels): string[] {
  checkString("cwd", cwd);
  const t = config.levels.indexOf(checkOneOf("target", target, config.levels));
  const abs = resolve(cwd);
  const here = config.levels.indexOf(levelOf(abs, config));
  if (here < 0) return walkDirs(abs, config.regexes[t]!);
  if (t === here) return [abs];
  if (t < here) {
    let anc = abs;
    for (let i = here; i > t; i--) anc = dirname(anc);
    return globDirs(dirname(anc), [levelGlob(target, config)]);
  }
  return globDirs(abs, config.levels.slice(here + 1, t + 1).map((l) => levelGlob(l, config)));
}
