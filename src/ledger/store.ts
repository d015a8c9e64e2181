/**
 * The ledger's files and the NFS-safe operations on them (docs/ledger.md). Layout of `<day>/.rplpipe/ledger/`:
 *   jobs/<key>.json     the record of each key, replaced whole by temp file + rename(2)
 *   leases/<key>.lease  exists while a process holds the key; content = holder record, mtime = heartbeat;
 *                       created with link(2) create-if-absent, removed with rename-based remove-if-same
 *   tmp/                unique temp files for link(2) and rename(2) (same file system as jobs/ and leases/),
 *                       and `.trash.*`: replaced records and dropped leases, deleted by the next ledger use
 * The primitives are the slot pool's (src/envs/lease-lock.ts); so is the reclaim rule (src/envs/host.ts).
 *
 * Why trash: deleting a file's last link frees its blocks, and on a file system mounted with online discard
 * (ext4 `-o discard`, as on the bench VM) the kernel then issues a discard to the disk and waits for it, behind
 * every write queued before it. During a run that queue holds gigabytes of outputs, so each record replaced
 * (rename over it) or lease deleted stalled the main thread for 10-150 ms, and a task's two dozen of them held
 * back the next result (bench session: the run ended 0.1 s later at the median). Moving the old files aside
 * frees nothing; the next process to open the ledger deletes them (ensure()), normally before writes pile up.
 */
import { linkSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { hostId, leaseAbandoned, parseHolder, pidAlive, uniqueName, type Holder } from "../envs/host.js";
import { linkCreate, readSnapshot, removeIf, touchIfToken, writeAtomic, type FileSnapshot } from "../envs/lease-lock.js";
import { keyFileName, keyText, type JobKey } from "./key.js";
import { formatRecord, parseRecord, type JobRecord } from "./record.js";

/** Where the ledger of `dayDir` lives. */
export function ledgerDir(dayDir: string): string {
  return join(resolve(dayDir), ".rplpipe", "ledger");
}

const tokenOf = (text: string): string | null => parseHolder(text)?.token ?? null;

/** Temp files older than this are removed whoever left them (a crashed process on another host). */
const kTmpMaxAgeMs = 24 * 3600_000;

export type TakeResult = { took: true } | { took: false; holder: Holder | null };

export class LedgerStore {
  readonly dir: string;
  readonly jobsDir: string;
  readonly leasesDir: string;
  readonly tmpDir: string;
  /** The day directory, absolute. */
  readonly dayDir: string;
  private made = false;

  constructor(dayDir: string) {
    this.dayDir = resolve(dayDir);
    this.dir = ledgerDir(dayDir);
    this.jobsDir = join(this.dir, "jobs");
    this.leasesDir = join(this.dir, "leases");
    this.tmpDir = join(this.dir, "tmp");
  }

  /** Creates the directories (once per store) and drops temp files that crashed processes left behind. */
  ensure(): void {
    if (this.made) return;
    for (const d of [this.jobsDir, this.leasesDir, this.tmpDir]) mkdirSync(d, { recursive: true });
    this.made = true;
    this.cleanTmp();
  }

  /** `p` relative to the day directory ("/"-separated) when it lies inside it; otherwise unchanged. */
  dayRelative(p: string): string {
    if (!isAbsolute(p)) return p;
    const rel = relative(this.dayDir, p);
    return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? p : rel.split(sep).join("/");
  }

  recordPath(k: JobKey): string {
    return join(this.jobsDir, `${keyFileName(k)}.json`);
  }

  leasePath(k: JobKey): string {
    return join(this.leasesDir, `${keyFileName(k)}.lease`);
  }

  /** The record of `k` with its file snapshot; null when there is none (or it is not a record). */
  readRecord(k: JobKey): { record: JobRecord; snap: FileSnapshot } | null {
    const snap = readSnapshot(this.recordPath(k));
    const record = snap ? parseRecord(snap.text) : null;
    return snap && record ? { record, snap } : null;
  }

  /** Replaces the record atomically. Only the holder of the key's lease writes it. */
  writeRecord(r: JobRecord): void {
    this.replaceRecord(r.key, formatRecord(r));
  }

  /** Puts back an earlier record text, or removes ours when there was none (abandon). */
  restoreRecord(k: JobKey, previous: string | null, token: string): void {
    if (previous !== null) this.replaceRecord(k, previous);
    else removeIf(this.recordPath(k), (s) => parseRecord(s.text)?.token === token, this.tmpDir, this.toTrash);
  }

  /** temp file + rename(2); the record replaced keeps a link in the trash, so the rename frees nothing. */
  private replaceRecord(k: JobKey, text: string): void {
    const path = this.recordPath(k);
    try {
      linkSync(path, this.trashName());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // no record yet
    }
    writeAtomic(path, text, this.tmpDir);
  }

  private trashName(): string {
    return join(this.tmpDir, uniqueName("trash"));
  }

  /** removeIf's dispose: the removed file (a unique name in tmp/) becomes trash instead of being deleted. */
  private readonly toTrash = (grave: string): void => renameSync(grave, this.trashName());

  /** All records (unreadable files skipped), in file-name order. */
  readAll(): JobRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.jobsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const out: JobRecord[] = [];
    for (const n of names.filter((x) => x.endsWith(".json")).sort()) {
      const snap = readSnapshot(join(this.jobsDir, n));
      const r = snap ? parseRecord(snap.text) : null;
      if (r) out.push(r);
    }
    return out;
  }

  lease(k: JobKey): FileSnapshot | null {
    return readSnapshot(this.leasePath(k));
  }

  /**
   * Takes the lease of `k` for `holder`: link(2) create-if-absent; a lease whose holder is gone (same host:
   * dead pid; other host: no heartbeat for `staleMs`) is removed first, remove-if-same, so two reclaimers
   * cannot both win and a fresh lease taken meanwhile is never removed.
   */
  takeLease(k: JobKey, holder: Holder, staleMs: number): TakeResult {
    const path = this.leasePath(k);
    const text = JSON.stringify({ ...holder, key: keyText(k) });
    // Bounded: each round either creates the lease, finds a live holder, or removes an abandoned lease.
    for (let round = 0; round < 4; round++) {
      if (linkCreate(path, text, this.tmpDir)) return { took: true };
      const snap = readSnapshot(path);
      if (snap === null) continue; // released between our link and our read
      if (!leaseAbandoned(snap, staleMs)) return { took: false, holder: parseHolder(snap.text) };
      removeIf(path, (s) => s.ino === snap.ino && s.text === snap.text, this.tmpDir, this.toTrash);
    }
    const snap = readSnapshot(path);
    return { took: false, holder: snap ? parseHolder(snap.text) : null };
  }

  /** Removes the lease if it still carries `token`. */
  dropLease(k: JobKey, token: string): boolean {
    return removeIf(this.leasePath(k), (s) => tokenOf(s.text) === token, this.tmpDir, this.toTrash);
  }

  /** Heartbeat: sets the lease's mtime to now if it still carries `token`; false when it is no longer ours. */
  beat(k: JobKey, token: string): boolean {
    return touchIfToken(this.leasePath(k), token, tokenOf);
  }

  /** True while the lease of `k` carries `token`. */
  holds(k: JobKey, token: string): boolean {
    const snap = this.lease(k);
    return snap !== null && tokenOf(snap.text) === token;
  }

  /**
   * Removes trash (`.trash.*`, whoever left it: nothing reads it again) and temp files of dead processes: names
   * made by uniqueName (`.tag.host.pid.random`) of this host whose pid is gone, and any older than a day.
   */
  private cleanTmp(): void {
    const me = hostId().replace(/[^A-Za-z0-9_-]/g, "_");
    const now = Date.now();
    for (const n of readdirSync(this.tmpDir)) {
      const parts = n.split(".");
      const p = join(this.tmpDir, n);
      try {
        const trash = parts.length === 5 && parts[1] === "trash";
        const ours = parts.length === 5 && parts[2] === me && !pidAlive(Number(parts[3]));
        if (trash || ours || now - statSync(p).mtimeMs > kTmpMaxAgeMs) unlinkSync(p);
      } catch {
        /* gone meanwhile, or in use by another cleaner */
      }
    }
  }
}
