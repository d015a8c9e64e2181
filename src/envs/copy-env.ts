/**
 * Copies an environment prefix so the copy shares nothing with the template. Hard links are what `conda create
 * --clone` makes by default (and what PyHipp's `--copy` flag existed to avoid): an in-place upgrade or a
 * corrupted file in one env would then change all of them. So every regular file is copied into a new inode
 * (copyFile, never link), modes and times are kept (stale times would make Python recompile every .pyc),
 * symlinks stay symlinks, and absolute paths that point into the template are re-pointed at the copy:
 * symlink targets, and in bin/ the shebang lines and activate scripts a venv writes with its own prefix.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `p` with a leading `from` (a whole path component) replaced by `to`; null when `p` is not under `from`. */
function rebase(p: string, from: string, to: string): string | null {
  if (p === from) return to;
  return p.startsWith(from + "/") ? to + p.slice(from.length) : null;
}

function copyTree(src: string, dst: string, from: string, to: string): void {
  const st = lstatSync(src);
  mkdirSync(dst, { mode: (st.mode & 0o7777) | 0o700 }); // writable while we fill it; final mode set below
  for (const ent of readdirSync(src, { withFileTypes: true })) {
    const s = join(src, ent.name);
    const d = join(dst, ent.name);
    if (ent.isSymbolicLink()) {
      const target = readlinkSync(s);
      // Relative links are kept verbatim; absolute ones into the template follow the copy.
      symlinkSync(isAbsolute(target) ? (rebase(target, from, to) ?? target) : target, d);
    } else if (ent.isDirectory()) {
      copyTree(s, d, from, to);
    } else if (ent.isFile()) {
      const fst = lstatSync(s);
      copyFileSync(s, d); // a new inode with the same bytes: never a hard link
      chmodSync(d, fst.mode & 0o7777);
      utimesSync(d, fst.atime, fst.mtime);
    }
    // Sockets, FIFOs and devices do not belong in an environment and are skipped.
  }
  chmodSync(dst, st.mode & 0o7777);
  utimesSync(dst, st.atime, st.mtime);
}

/**
 * In the copy's bin/, replaces the template prefix (as a whole path) by the copy's prefix in small text files:
 * shebangs (`#!/template/bin/python`) and venv activate scripts. Binaries are left alone (a NUL in the first
 * 8 KB). Returns the files rewritten.
 */
function rewriteBin(binDir: string, from: string, to: string): string[] {
  const re = new RegExp(`${escapeRe(from)}(?=[/"'\\s:]|$)`, "gm");
  const done: string[] = [];
  let names: string[];
  try {
    names = readdirSync(binDir);
  } catch {
    return done;
  }
  for (const n of names) {
    const f = join(binDir, n);
    const st = lstatSync(f);
    if (!st.isFile() || st.size > 1 << 20) continue;
    const buf = readFileSync(f);
    if (buf.subarray(0, 8192).includes(0)) continue;
    const text = buf.toString("utf8");
    const next = text.replace(re, to);
    if (next === text) continue;
    chmodSync(f, (st.mode & 0o7777) | 0o200); // a read-only script still gets its paths fixed
    writeFileSync(f, next);
    chmodSync(f, st.mode & 0o7777);
    utimesSync(f, st.atime, st.mtime);
    done.push(f);
  }
  return done;
}

/**
 * Copies environment `template` to `dest` (which must not exist) with no hard links, re-pointing absolute
 * paths into the template (see file comment). The copy is built under a temporary name beside `dest` and
 * renamed into place when complete, so an existing `dest` is always a whole copy (provisioning can resume).
 * A conda env still has the template prefix compiled into other files (conda's own prefix replacement at
 * install time); for conda, conda-pack + `--from-pack` is the exact tool.
 * @throws the fs error when `dest` exists (EEXIST/ENOTEMPTY) or the template cannot be read.
 */
export function copyEnv(template: string, dest: string): { rewritten: string[] } {
  const from = resolve(template);
  const to = resolve(dest);
  if (existsSync(to)) throw Object.assign(new Error(`EEXIST: ${to} already exists`), { code: "EEXIST" });
  const partial = join(dirname(to), `.${basename(to)}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    copyTree(from, partial, from, to);
    const rewritten = rewriteBin(join(partial, "bin"), from, to).map((f) => join(to, relative(partial, f)));
    renameSync(partial, to);
    return { rewritten };
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}
