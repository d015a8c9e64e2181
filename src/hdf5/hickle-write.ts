/**
 * `writeHickle`: writes a {@link PyValue} as a file Python's `hickle.load` reads back as the same object — same
 * Python types, dict key order, numpy dtypes and shapes. Atomic: the file is written as
 * `<path>.tmp-<pid>-<random>` and renamed into place only when complete; on any failure the temp file is
 * removed and nothing appears at `path`.
 */
import { randomBytes } from "node:crypto";
import { rmSync, statSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { RplpipeError } from "../errors.js";
import { checkBoolean, checkInteger, checkKnownKeys, checkOneOf, checkString, isPlainObject } from "../validate.js";
import { installWriteHook, openDirect, type DirectFile } from "./direct-io.js";
import { h5Message, HeapBuffer, loadedH5, loadH5, openFile } from "./h5.js";
import { checkPyValue } from "./hickle-check.js";
import { pinHeapArrays, type WriteCtx } from "./hickle-nodes.js";
import type { NdArray, PyValue } from "./hickle-types.js";
import { Dumper4 } from "./hickle-write4.js";
import { Dumper5 } from "./hickle-write5.js";

export type HickleLayout = "hickle5" | "hickle4";

export interface WriteHickleOptions {
  /** `hickle5` (default): hickle 5.0.x layout. `hickle4`: the 4.0.x layout of PyHipp's pinned hickle==4.0.0. */
  layout?: HickleLayout;
  /**
   * Arrays with more elements are written as chunked datasets, this many elements (whole rows) per chunk and per
   * write, so the wasm heap holds one slab at a time. Smaller arrays are contiguous, as h5py writes them.
   * Default 1 Mi elements (4 MiB of float32); between 1024 and 64 Mi.
   */
  chunkElements?: number;
  /**
   * Large writes (whole HDF5 chunks) bypass the page cache with O_DIRECT where the file system allows it
   * (default true; see direct-io.ts; `RPLPIPE_DIRECT_IO=0` turns it off process-wide). The file is synced
   * before it is renamed either way.
   */
  direct?: boolean;
}

/** What was written. */
export interface WriteHickleResult {
  path: string;
  bytes: number;
  layout: HickleLayout;
}

const kOptionKeys = ["layout", "chunkElements", "direct"] as const;
/** Root attributes: the versions of the environments whose files we match, plus our own provenance. */
const kVersions: Record<HickleLayout, [string, string]> = { hickle5: ["5.0.2", "3.11.2"], hickle4: ["4.0.0", "3.6.10"] };

function writeError(path: string, what: string, cause: unknown): RplpipeError {
  const detail = cause instanceof Error && /HDF5-DIAG/.test(cause.message) ? h5Message(cause) : cause instanceof Error ? cause.message : String(cause);
  return new RplpipeError("ERR_WRITE", `Cannot write hickle file ${path}: ${what}: ${detail}`, { cause });
}

/**
 * Writes `value` to `path` in the hickle 5 (default) or hickle 4.0.x layout.
 *
 * @param path output file; its directory must exist. An existing file is replaced atomically.
 * @param value the object, usually a `pyDict([...])` of a PyHipp object's attributes in creation order
 * @param options `layout`, `chunkElements`
 * @returns the absolute path, file size and layout
 * @throws {TypeError|RangeError} for a bad argument or a malformed value (before anything is created), or a
 *   streamed array yielding the wrong class or count of elements (the temp file is removed)
 * @throws {RplpipeError} code `ERR_WRITE` naming `path` when the file cannot be created, written or renamed
 *   (an unwritable directory, a full disk, an error thrown by a streaming source, kept as `cause`)
 */
export async function writeHickle(path: string, value: PyValue, options: WriteHickleOptions = {}): Promise<WriteHickleResult> {
  return (await beginWriteHickle(path, value, options)).commit();
}

/** A hickle file written under its temporary name, not yet durable nor visible under its own. */
export interface PendingHickle {
  /**
   * Syncs the temporary file to disk (on the libuv thread pool, so the caller's thread goes on computing) and
   * renames it into place. Resolves to what {@link writeHickle} resolves to; on failure the temporary file is
   * removed and nothing appears at the path. Call it once.
   * @throws {RplpipeError} ERR_WRITE
   */
  commit(): Promise<WriteHickleResult>;
  /** Removes the temporary file instead of committing it. */
  abort(): void;
}

// h5wasm is one library instance per thread: the HDF5 phase of concurrent writes runs one at a time.
let h5Queue: Promise<unknown> = Promise.resolve();

/**
 * The first half of {@link writeHickle}: writes the whole file under a temporary name and closes it. When it
 * resolves, every array of `value` has been copied out (the caller may reuse their buffers; until then it must
 * neither change nor free them); the file becomes durable and visible only through `commit()`. Arrays that are
 * views on this thread's h5wasm heap are written from the heap without a copy, even if the heap grows meanwhile. A pipeline worker commits file k while it computes file k+1,
 * so the disk flush overlaps the work instead of stalling it.
 * @throws as {@link writeHickle}
 */
export async function beginWriteHickle(path: string, value: PyValue, options: WriteHickleOptions = {}): Promise<PendingHickle> {
  checkString("path", path);
  if (!isPlainObject(options)) throw new TypeError("Expected an object for options");
  checkKnownKeys("options", options, kOptionKeys);
  const layout = options.layout === undefined ? "hickle5" : checkOneOf("options.layout", options.layout, ["hickle5", "hickle4"] as const);
  const chunkElements = options.chunkElements === undefined ? 1 << 20 : checkInteger("options.chunkElements", options.chunkElements, 1024, 1 << 26);
  const direct = options.direct === undefined ? true : checkBoolean("options.direct", options.direct);
  checkPyValue(value);
  // Arrays living in this thread's wasm heap are found now, before anything queued ahead of this file can
  // grow the heap (and so detach their views): they are written from where they are (pinHeapArrays).
  const h = loadedH5();
  const pinned = h ? pinHeapArrays(value, h) : undefined;

  const target = resolve(path);
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  const turn = h5Queue.then(() => writeTemp(tmp, target, path, value, layout, chunkElements, direct, pinned));
  h5Queue = turn.catch(() => undefined);
  const directFile = await turn;
  let settled = false;
  return {
    async commit(): Promise<WriteHickleResult> {
      if (settled) throw new RplpipeError("ERR_WRITE", `Cannot write hickle file ${path}: already committed or aborted`);
      settled = true;
      try {
        await directFile?.finish(); // every direct write landed (its errors are this file's)
        const fh = await open(tmp, "r+"); // durable before it becomes visible under its name
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, target);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw writeError(path, "write failed", e);
      }
      return { path: target, bytes: statSync(target).size, layout };
    },
    abort(): void {
      settled = true;
      directFile?.abandon();
      rmSync(tmp, { force: true });
    },
  };
}

/**
 * The HDF5 phase: the whole document into `tmp`, closed. On failure `tmp` is removed and the error thrown.
 * @returns the file's direct writes, some possibly still in flight (null: all went through the page cache)
 */
async function writeTemp(
  tmp: string,
  target: string,
  path: string,
  value: PyValue,
  layout: HickleLayout,
  chunkElements: number,
  direct: boolean,
  pinned: ReadonlyMap<NdArray, number> | undefined,
): Promise<DirectFile | null> {
  const h = await loadH5();
  let file;
  try {
    file = openFile(h, tmp, "w");
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeError(path, `cannot create ${basename(tmp)} in ${dirname(target)}`, e);
  }
  installWriteHook(h); // buffered writes in pieces (direct-io.ts)
  const directFile = direct ? openDirect(h, tmp) : null;
  const buf = new HeapBuffer(h.M);
  let failure: unknown;
  try {
    const [hv, pv] = kVersions[layout];
    file.create_attribute("HICKLE_VERSION", hv, null, "S");
    file.create_attribute("HICKLE_PYTHON_VERSION", pv, null, "S");
    file.create_attribute("RPLPIPE_WRITER", "rplpipe (h5wasm)", null, "S");
    const ctx: WriteCtx = { h, fid: file.file_id, buf, chunkElements, pinned };
    if (layout === "hickle5") await new Dumper5(ctx).dump("/data", value);
    else await new Dumper4(ctx).dump("/data", value);
    file.flush();
  } catch (e) {
    failure = e;
  } finally {
    buf.free();
    try {
      file.close();
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure !== undefined) {
    directFile?.abandon();
    rmSync(tmp, { force: true });
    if (failure instanceof TypeError || failure instanceof RangeError || failure instanceof RplpipeError) throw failure;
    throw writeError(path, "write failed", failure);
  }
  return directFile;
}
