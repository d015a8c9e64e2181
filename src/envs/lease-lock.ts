/**
 * NFS-safe file primitives for the slot pool. flock/fcntl locks are not used: on NFS they depend on a lock
 * daemon (lockd/NLM, or NFSv4 state) that many clusters run badly or not at all, and they vanish silently when
 * a client reboots. What NFS does make atomic on the server is link(2) and rename(2) within one file system, so:
 * - create-if-absent = write a unique temp file, link(2) it to the target name, then stat the temp file: a link
 *   count of 2 means the link is ours. link's own return value is not trusted (a retransmitted NFS LINK whose
 *   first reply was lost answers EEXIST although it succeeded) — the classic liblockfile/procmail technique;
 * - remove-if-still-the-same = rename(2) the file to a unique name (atomic, only one remover can win), check
 *   the renamed file is the one we meant to remove, and link it back if it is not.
 * Every read opens the file and uses fstat on the open descriptor, which makes the NFS client revalidate its
 * cached attributes (close-to-open consistency) instead of answering from a seconds-old attribute cache.
 */
import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { uniqueName } from "./host.js";

/** A file's content with the attributes read through the same open descriptor. */
export interface FileSnapshot {
  text: string;
  /** Last modification (for a lease: its last heartbeat), ms since the epoch. */
  mtimeMs: number;
  ino: number;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** Reads `path` with its attributes; null when it does not exist. */
export function readSnapshot(path: string): FileSnapshot | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if (errno(e) === "ENOENT") return null;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    return { text: readFileSync(fd, "utf8"), mtimeMs: st.mtimeMs, ino: st.ino };
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `path` holding `content` if and only if it does not exist, atomically across processes and NFS
 * clients. `tmpDir` must be on the same file system as `path`. Returns false when `path` already exists.
 * @throws the underlying fs error for anything but "already exists" (e.g. ENOENT for a missing directory).
 */
export function linkCreate(path: string, content: string, tmpDir: string): boolean {
  const tmp = join(tmpDir, uniqueName("new"));
  writeFileSync(tmp, content, { flag: "wx" });
  try {
    try {
      linkSync(tmp, path);
    } catch (e) {
      if (errno(e) !== "EEXIST") throw e;
    }
    return statSync(tmp).nlink === 2;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes `path` only if the file found there satisfies `isIt` (usually: same inode and content as the one
 * judged stale, or carrying our token). Two removers racing cannot both remove, and a remover that lost the race
 * to a fresh file puts that file back. Returns true when removed.
 * @param dispose what becomes of the removed file, by then a unique name in `tmpDir` no one else uses; default
 *   unlink (the job ledger moves it aside instead and deletes it later: see LedgerStore.toTrash).
 */
export function removeIf(path: string, isIt: (s: FileSnapshot) => boolean, tmpDir: string, dispose: (grave: string) => void = unlinkSync): boolean {
  const grave = join(tmpDir, uniqueName("old"));
  try {
    renameSync(path, grave);
  } catch (e) {
    if (errno(e) === "ENOENT") return false;
    throw e;
  }
  const snap = readSnapshot(grave);
  if (snap !== null && isIt(snap)) {
    dispose(grave);
    return true;
  }
  // Not the file we meant (it was replaced between our read and the rename): restore it. If yet another
  // file took the name meanwhile, its creator won; the displaced holder finds out at its next heartbeat.
  try {
    linkSync(grave, path);
  } catch {
    /* EEXIST: see above */
  }
  unlinkSync(grave);
  return false;
}

/**
 * Heartbeat: sets the mtime of `path` to now if the file still carries `token` (checked first, so a holder
 * whose lease was reclaimed does not keep someone else's lease alive for long). Returns false when the file is
 * gone or belongs to another holder. The content is never rewritten: a rewrite could resurrect a lease that
 * was just reclaimed, whereas utimes on a removed name fails harmlessly.
 */
export function touchIfToken(path: string, token: string, tokenOf: (text: string) => string | null): boolean {
  const snap = readSnapshot(path);
  if (snap === null || tokenOf(snap.text) !== token) return false;
  const now = new Date();
  try {
    utimesSync(path, now, now);
    return true;
  } catch (e) {
    if (errno(e) === "ENOENT") return false;
    throw e;
  }
}

/** Replaces `path` atomically (temp file + rename in the same file system): readers see old or new, never half. */
export function writeAtomic(path: string, content: string, tmpDir: string): void {
  const tmp = join(tmpDir, uniqueName("state"));
  writeFileSync(tmp, content, { flag: "wx" });
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (used only on the synchronous exit path, where no event loop runs). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `ms` scaled by a random factor in [0.5, 1.5): desynchronises pollers that would otherwise retry in step. */
export function jitter(ms: number): number {
  return Math.max(1, Math.round(ms * (0.5 + Math.random())));
}
