/**
 * Node writers shared by the hickle 5 and hickle 4 layouts: attributes, scalar and byte-string datasets, and
 * numpy arrays written in slabs (a chunked dataset extended once and filled with hyperslab writes), so an array
 * of any size passes through the wasm heap a few MB at a time.
 */
import type { Reference } from "h5wasm/node";
import { invalidOption } from "../errors.js";
import { createChunked, createDataset, createDatasetAt, H5T, openFile, readRows, writeRows, HeapBuffer, type H5, type RawTypeSpec } from "./h5.js";
import { kDtypeInfo, type NdArray, type NpDtype, type NpTypedArray, type PyValue } from "./hickle-types.js";

/** An open output file and the shared heap buffer. */
export interface WriteCtx {
  h: H5;
  fid: bigint;
  buf: HeapBuffer;
  /** Arrays larger than this many elements are chunked and written this many elements (whole rows) at a time. */
  chunkElements: number;
  /** Heap addresses of the arrays whose `data` lives in this thread's wasm heap (pinHeapArrays). */
  pinned?: ReadonlyMap<NdArray, number>;
}

/** Bytes this thread wrote straight from the wasm heap (pinned arrays), for tests and diagnostics. */
const heapStats = { arrays: 0, bytes: 0 };
export function heapWriteStats(): { arrays: number; bytes: number } {
  return { ...heapStats };
}

/**
 * The ndarrays of `value` whose `data` is a view on `h`'s wasm heap, with their heap addresses. Call it before
 * any HDF5 call for the file: a call may grow the heap, which detaches every view on it (they then read as
 * empty), while an address stays valid. Those arrays are then written from the heap as they are, without the
 * copy into a heap buffer every other array goes through (a pipeline worker keeps its channels in the heap).
 */
export function pinHeapArrays(value: PyValue, h: H5): Map<NdArray, number> {
  const heap = h.M.HEAPU8.buffer;
  const pinned = new Map<NdArray, number>();
  const walk = (v: PyValue): void => {
    if (v.kind === "dict") for (const [, x] of v.entries) walk(x);
    else if (v.kind === "list" || v.kind === "tuple") v.items.forEach(walk);
    else if (v.kind === "ndarray" && "data" in v && v.data.buffer === heap && v.data.byteLength > 0) pinned.set(v, v.data.byteOffset);
  };
  walk(value);
  return pinned;
}

/** HDF5 type of a numpy dtype (bool as int8: h5wasm cannot create h5py's enum; numpy casts it back). */
export function h5TypeOf(d: NpDtype): RawTypeSpec {
  const { kind, size } = kDtypeInfo[d];
  return { type: kind === "f" ? H5T.FLOAT : H5T.INTEGER, size, signed: kind === "i" || kind === "b" };
}

/** Little-endian bytes of one element of `d`. */
export function scalarBytes(d: NpDtype, v: number | bigint | boolean): Uint8Array {
  const a = new kDtypeInfo[d].ctor(1);
  if (typeof v === "boolean") (a as Uint8Array)[0] = v ? 1 : 0;
  else if (a instanceof BigInt64Array || a instanceof BigUint64Array) a[0] = BigInt(v);
  else (a as Float64Array)[0] = Number(v);
  return new Uint8Array(a.buffer);
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Scalar dataset of dtype `d`. */
export function writeScalar(c: WriteCtx, path: string, d: NpDtype, v: number | bigint | boolean): void {
  createDataset(c.h, c.buf, c.fid, path, h5TypeOf(d), [], scalarBytes(d, v));
}

/** Fixed-length 1-byte string dataset of `shape` holding `bytes` unchanged (hickle 5 str / pickle entries). */
export function writeByteString(c: WriteCtx, path: string, bytes: Uint8Array, shape: number[]): void {
  createDataset(c.h, c.buf, c.fid, path, { type: H5T.STRING, size: 1, cset: 0 }, shape, bytes);
}

/** Attribute writers on the object at `path`. */
export function attrs(c: WriteCtx, path: string) {
  const obj = new c.h.lib.Group(c.fid, path); // create_attribute only uses file id and path: fine for datasets too
  return {
    /** Variable-length string: ASCII (h5py reads it as str) or UTF-8. */
    str(name: string, value: string, utf8 = false): void {
      obj.create_attribute(name, value, null, utf8 ? "S" : "A");
    },
    /** Fixed-length ASCII string of exactly the value's length (hickle 4 `type`: protocol-0 pickles). */
    fixed(name: string, value: string): void {
      obj.create_attribute(name, value, null, `A${Math.max(1, value.length)}`);
    },
    i64(name: string, value: number): void {
      obj.create_attribute(name, BigInt64Array.of(BigInt(value)), [], "<q");
    },
    ref(name: string, value: Reference): void {
      obj.create_attribute(name, value, null, "Reference");
    },
  };
}

/** Reads rows of a dataset in another hickle file (the `ref` source). */
function refReader(c: WriteCtx, nd: NdArray & { ref: { file: string; dataset: string } }) {
  const f = openFile(c.h, nd.ref.file, "r");
  const buf = new HeapBuffer(c.h.M);
  const size = kDtypeInfo[nd.dtype].size;
  return {
    read(row0: number, rows: number, out: Uint8Array): void {
      out.set(readRows(c.h, buf, f.file_id, nd.ref.dataset, nd.shape, size, row0, rows));
    },
    close(): void {
      buf.free();
      f.close();
    },
  };
}

/**
 * writeNdArray for a pinned array: one contiguous dataset written straight from its place in the heap (as h5py
 * lays arrays out), never chunked. A chunked dataset's new chunks go through HDF5's chunk cache whenever the fill
 * value is the default one (h5wasm cannot change it): each chunk is allocated, zero-filled and copied into before
 * it is written, which was about 5 % of a pipeline run's CPU time; a contiguous dataset is written from the
 * buffer as it is. The array needs no room in the heap beyond its own.
 */
function writeFromHeap(c: WriteCtx, path: string, nd: NdArray, at: number, total: number): void {
  createDatasetAt(c.h, c.fid, path, h5TypeOf(nd.dtype), nd.shape, at);
  heapStats.arrays++;
  heapStats.bytes += total * kDtypeInfo[nd.dtype].size;
}

/**
 * Writes an ndarray dataset at `path`: contiguous when it has at most `chunkElements` elements (the layout h5py
 * writes), otherwise chunked and filled slab by slab from `data`, `chunks`, `fill` or `ref`.
 * @throws {RangeError} when a stream yields more or fewer elements than the shape holds
 * @throws {TypeError} when a stream yields a piece of the wrong typed-array class
 */
export async function writeNdArray(c: WriteCtx, path: string, nd: NdArray): Promise<void> {
  const { ctor } = kDtypeInfo[nd.dtype];
  const shape = nd.shape;
  const total = shape.reduce((a, b) => a * b, 1);
  const rowElems = shape.slice(1).reduce((a, b) => a * b, 1);
  if (rowElems * kDtypeInfo[nd.dtype].size > 2 ** 30)
    throw invalidOption(`${path} shape`, "rows (product of all but the first axis) of at most 1 GiB, to fit the wasm heap", `[${shape}]`, true);
  const small = total <= c.chunkElements || shape.length === 0 || rowElems === 0;
  // Chunks of equal size that tile the first axis exactly: HDF5 stores every chunk whole, so 18 M samples in
  // chunks of 2^20 would write 18 full chunks (3.5 MB of padding per file); 18 chunks of 10^6 write none.
  const maxRows = Math.max(1, Math.floor(c.chunkElements / rowElems));
  const rowsPerSlab = small ? Math.max(1, shape[0] ?? 1) : Math.ceil((shape[0] ?? 1) / Math.ceil((shape[0] ?? 1) / maxRows));
  const slabElems = small ? total : rowsPerSlab * rowElems;
  if (total === 0 && !("chunks" in nd)) return createDataset(c.h, c.buf, c.fid, path, h5TypeOf(nd.dtype), shape, new Uint8Array(0));
  const at = c.pinned?.get(nd);
  if (at !== undefined) return writeFromHeap(c, path, nd, at, total);
  if ("data" in nd && small) return createDataset(c.h, c.buf, c.fid, path, h5TypeOf(nd.dtype), shape, bytesOf(nd.data));
  if (!small) createChunked(c.h, c.buf, c.fid, path, h5TypeOf(nd.dtype), shape, rowsPerSlab);
  const stage = "data" in nd ? undefined : new ctor(slabElems);
  const flush = (start: number, a: NpTypedArray): void => {
    if (small) createDataset(c.h, c.buf, c.fid, path, h5TypeOf(nd.dtype), shape, bytesOf(a));
    else writeRows(c.h, c.buf, c.fid, path, shape, start / rowElems, a.length / rowElems, bytesOf(a));
  };
  const slabs = function* (): Generator<[number, number]> {
    for (let s = 0; s < total || (s === 0 && small); s += slabElems) yield [s, Math.min(slabElems, total - s)];
  };
  if ("data" in nd) for (const [s, n] of slabs()) flush(s, nd.data.subarray(s, s + n));
  else if ("fill" in nd) {
    for (const [s, n] of slabs()) {
      const out = stage!.subarray(0, n);
      await nd.fill(s, out);
      flush(s, out);
    }
  } else if ("ref" in nd) {
    const r = refReader(c, nd);
    try {
      for (const [s, n] of slabs()) {
        const out = stage!.subarray(0, n);
        r.read(s / rowElems, shape.length === 0 ? 1 : n / rowElems, bytesOf(out));
        flush(s, out);
      }
    } finally {
      r.close();
    }
  } else {
    let done = 0;
    let fillAt = 0;
    for await (const piece of nd.chunks) {
      if (!(piece instanceof ctor)) throw invalidOption(`${path} chunk`, `${ctor.name} for dtype ${nd.dtype}`, piece);
      if (done + fillAt + piece.length > total) throw invalidOption(`${path} chunks`, `${total} elements in all`, `more than ${total}`, true);
      for (let off = 0; off < piece.length; ) {
        const k = Math.min(slabElems - fillAt, piece.length - off);
        stage!.set(piece.subarray(off, off + k) as never, fillAt);
        fillAt += k;
        off += k;
        if (fillAt === slabElems) {
          flush(done, stage!);
          done += fillAt;
          fillAt = 0;
        }
      }
    }
    if (done + fillAt !== total) throw invalidOption(`${path} chunks`, `${total} elements in all`, `${done + fillAt} elements`, true);
    if (fillAt > 0 || (small && total === 0)) flush(done, stage!.subarray(0, fillAt));
  }
}
