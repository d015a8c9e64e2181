/**
 * The bulk of every HDF5 file this thread writes goes to the disk with O_DIRECT, past the page cache.
 *
 * Why: rplpipe fsyncs each output before renaming it, so its bytes must reach the disk anyway, and nobody
 * reads them back soon. Buffered writes first copy them into newly allocated page-cache pages; on a VM whose
 * free memory the host has reclaimed, every such page costs a host fault (measured here: 0.4 GB/s buffered
 * into fresh memory, 1.5 GB/s with O_DIRECT to the same disk), and a session leaves gigabytes of cache behind.
 *
 * How: h5wasm's HDF5 writes through Emscripten's NODERAWFS, whose `FS.write(stream, heap, ptr, length,
 * position)` this module wraps once per thread. For a file registered with {@link openDirect}, a write of at
 * least kMinDirect bytes is split at 4 KiB boundaries: the unaligned head and tail go through HDF5's own file
 * descriptor, the aligned middle is copied into an aligned native buffer and written with pwrite on a second
 * descriptor opened with O_DIRECT, on the libuv pool (asynchronously, at most kMaxInflight bytes per file;
 * beyond that synchronously). The head and tail are kept (at most 8 KiB per chunk) and written after the last
 * direct write has landed: ext4 holds the inode lock for the whole of an allocating direct write, so a
 * buffered write to the same file meanwhile would wait for the disk (measured: ~0.3 ms per piece). Direct
 * and buffered writes never touch the same 4 KiB page, so the page cache stays coherent. HDF5 writes each
 * raw-data chunk whole and never reads raw data back while writing a hickle file; should it read, the read
 * first waits for every direct write of that file and writes the kept pieces.
 *
 * Where O_DIRECT cannot be opened (tmpfs, some network file systems) or is turned off (`RPLPIPE_DIRECT_IO=0`,
 * or `direct: false` in writeHickle's options), every byte goes through the page cache.
 *
 * Writes that do go through the page cache (those files, and the small pieces of direct ones) are issued in
 * pieces of at most kBufferedPiece bytes, not as HDF5's whole 4 MiB chunks. The kernel sizes a page-cache
 * folio by the write (up to 2 MiB), and on a VM with free page reporting the free blocks that large are the
 * ones the guest has handed back to the host, so every page of them costs a host fault; smaller folios come
 * from memory the guest still backs. Measured on the bench session (4.69 GB of outputs, `--buffered-io`,
 * fsync stubbed, 2 vCPUs): 5.2-5.6 s wall with 5.9-6.3 s of system time as whole chunks, 3.6-3.9 s with
 * 2.5-2.7 s in 128 KiB pieces (64 KiB alike, 32 KiB 4.3-4.7 s); dd of 2.4 GB into the page cache took
 * 5.3-5.7 s with bs=8M and 2.8-3.3 s with bs=64k. The extra system calls cost ~0.05 s per 4.7 GB.
 */
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { binding } from "../native/load.js";
import type { H5 } from "./h5.js";

const kAlign = 4096;
/** Smaller writes (metadata, small arrays) stay buffered: not worth a second descriptor's syscall. */
const kMinDirect = 256 * 1024;
/**
 * Bytes of direct writes in flight per thread (all its files) before further ones are written synchronously:
 * the disk keeps writing while the worker computes the next piece (32-128 MB measured alike on the bench
 * session), and the aligned copies, reused from file to file, add at most this much per worker to the peak
 * memory (docs/pipeline.md).
 */
const kMaxInflight = 64 * 1024 * 1024;
/** Largest single direct write (a multiple of kAlign): HDF5's chunk size, as before datasets could be contiguous. */
const kDirectPiece = 4 * 1024 * 1024;
/** Largest single buffered write (see the file comment: smaller page-cache folios). */
export const kBufferedPiece = 128 * 1024;
let inflight = 0; // this thread's

interface Target {
  fd: number;
  /** Unaligned heads and tails of direct writes, written by `settle` once the direct writes have landed. */
  kept: { position: number; bytes: Uint8Array }[];
  pending: Set<Promise<void>>;
  error: unknown;
}

type WriteFn = (stream: { path?: string }, buffer: ArrayBufferView, offset: number, length: number, position?: number, canOwn?: boolean) => number;
type ReadFn = (stream: { path?: string }, buffer: ArrayBufferView, offset: number, length: number, position?: number) => number;
interface RawFS {
  write: WriteFn;
  read: ReadFn;
  __rplpipeDirect?: boolean;
}

const targets = new Map<string, Target>();
/** This thread's totals (directIoStats). */
const stats = { files: 0, directBytes: 0, keptBytes: 0, pieces: 0 };

/**
 * What this thread wrote with O_DIRECT so far: files opened for it, bytes written direct, and bytes of
 * unaligned heads and tails written through the page cache instead; and how many buffered writes were
 * issued as kBufferedPiece pieces. For tests and diagnostics.
 */
export function directIoStats(): { files: number; directBytes: number; keptBytes: number; pieces: number } {
  return { ...stats };
}

/** True unless turned off for this process with RPLPIPE_DIRECT_IO=0. */
function directIoEnabled(): boolean {
  return process.env.RPLPIPE_DIRECT_IO !== "0";
}

/**
 * Wraps h5wasm's `FS.write`/`FS.read` once per thread: large writes of files registered with openDirect go
 * direct, other large writes go in kBufferedPiece pieces. Called before every hickle file is written.
 */
export function installWriteHook(h: H5): void {
  const FS = (h.M as unknown as { FS: RawFS }).FS;
  if (FS.__rplpipeDirect) return;
  const write = FS.write.bind(FS);
  const read = FS.read.bind(FS);
  const buffered: WriteFn = (stream, buffer, offset, length, position, canOwn) => {
    if (typeof position !== "number" || length <= kBufferedPiece) return write(stream, buffer, offset, length, position, canOwn);
    stats.pieces++;
    for (let done = 0; done < length; ) {
      const n = write(stream, buffer, offset + done, Math.min(kBufferedPiece, length - done), position + done, canOwn);
      if (!(n > 0)) throw new Error(`short write at file offset ${position + done}`); // NODERAWFS throws on errors
      done += n;
    }
    return length;
  };
  FS.write = (stream, buffer, offset, length, position, canOwn) => {
    const t = stream.path === undefined ? undefined : targets.get(stream.path);
    if (t === undefined || t.error !== undefined || typeof position !== "number" || length < kMinDirect) {
      return buffered(stream, buffer, offset, length, position, canOwn);
    }
    const a = Math.ceil(position / kAlign) * kAlign;
    const b = Math.floor((position + length) / kAlign) * kAlign;
    if (b - a < kMinDirect) return buffered(stream, buffer, offset, length, position, canOwn);
    const heap = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (a > position) t.kept.push({ position, bytes: heap.slice(offset, offset + (a - position)) });
    // In pieces of at most kDirectPiece, so a whole contiguous dataset (tens of MB in one HDF5 write) still
    // overlaps the disk with the next piece's copy instead of going out in one synchronous write.
    for (let at = a; at < b; at += kDirectPiece) submit(t, buffer, offset + (at - position), Math.min(kDirectPiece, b - at), at);
    if (position + length > b) t.kept.push({ position: b, bytes: heap.slice(offset + (b - position), offset + length) });
    stats.directBytes += b - a;
    stats.keptBytes += length - (b - a);
    return length;
  };
  FS.read = (stream, buffer, offset, length, position) => {
    const t = stream.path === undefined ? undefined : targets.get(stream.path);
    if (t !== undefined) settle(stream.path!, t); // raw data read back: every byte written first
    return read(stream, buffer, offset, length, position);
  };
  FS.__rplpipeDirect = true;
}

/** Blocks until the direct writes of `path` have landed, then writes its kept heads and tails (buffered). */
function settle(path: string, t: Target): void {
  binding().directWait(t.fd);
  if (t.kept.length === 0) return;
  const fd = openSync(path, "r+");
  try {
    for (const k of t.kept) writeSync(fd, k.bytes, 0, k.bytes.length, k.position);
  } finally {
    closeSync(fd);
  }
  t.kept = [];
}

function submit(t: Target, heap: ArrayBufferView, srcOffset: number, length: number, fileOffset: number): void {
  if (inflight + length > kMaxInflight) {
    binding().directWrite(t.fd, heap, srcOffset, length, fileOffset, false);
    return;
  }
  inflight += length;
  const p: Promise<void> = binding()
    .directWrite(t.fd, heap, srcOffset, length, fileOffset, true)
    .catch((e: unknown) => {
      t.error ??= e;
    })
    .finally(() => {
      inflight -= length;
      t.pending.delete(p);
    });
  t.pending.add(p);
}

/** A file whose large writes go direct; `finish()` must be awaited (or `abandon()` called) before it is used. */
export interface DirectFile {
  /** Waits for every direct write, closes the O_DIRECT descriptor; throws the first write error. */
  finish(): Promise<void>;
  /** After a failure: waits for the writes in flight and closes, ignoring their errors. */
  abandon(): void;
}

/**
 * Registers `path` (already created, open in h5wasm under exactly this name) for direct writes.
 * @returns null when direct I/O is off or the file system refuses O_DIRECT (the file is then written as usual)
 */
export function openDirect(h: H5, path: string): DirectFile | null {
  if (!directIoEnabled() || targets.has(path)) return null;
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_DIRECT);
  } catch {
    return null; // EINVAL on tmpfs and the like: buffered writes only
  }
  installWriteHook(h);
  stats.files++;
  const t: Target = { fd, kept: [], pending: new Set(), error: undefined };
  targets.set(path, t);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    targets.delete(path);
    closeSync(fd);
  };
  return {
    async finish() {
      try {
        while (t.pending.size > 0) await Promise.all([...t.pending]);
        // Always waited for: it also clears the native record of this descriptor's writes.
        try {
          binding().directWait(fd);
        } catch (e) {
          t.error ??= e;
        }
        if (t.error === undefined) settle(path, t);
      } catch (e) {
        t.error ??= e;
      } finally {
        close();
      }
      if (t.error !== undefined) throw t.error;
    },
    abandon() {
      t.kept = [];
      try {
        binding().directWait(fd);
      } catch {
        // the file is being discarded
      }
      close();
    },
  };
}
