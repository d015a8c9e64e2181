/**
 * h5wasm, loaded once per thread, and the few raw-heap helpers the hickle reader/writer need.
 *
 * Why raw: h5wasm's high-level API UTF-8-encodes fixed-length strings (pickle bytes would be mangled), cannot
 * create a dataset without writing all of it at once, and copies every read/write through a fresh `malloc`.
 * The helpers below call the same `Module` functions the high-level API uses, with explicit metadata and a
 * reusable heap buffer, so a big array goes through the 2 GiB wasm heap one slab at a time.
 *
 * HDF5 errors: the thread's h5wasm instance is switched to throwing mode (`activate_throwing_error_handler`),
 * so a failing HDF5 call throws a JS Error carrying the HDF5 diagnostic instead of printing it and returning -1.
 */
import type { File as H5File } from "h5wasm/node";

type H5Module = typeof import("h5wasm/node").Module;
type H5Namespace = typeof import("h5wasm/node").default;
type RefClass = typeof import("h5wasm/node").Reference;

/** The loaded library: the high-level namespace, the raw Module and the Reference class. */
export interface H5 {
  readonly lib: H5Namespace;
  readonly M: H5Module;
  readonly Reference: RefClass;
}

let loading: Promise<H5> | undefined;
let loaded: H5 | undefined;

/** Loads h5wasm once per thread (a worker has its own instance) and turns on throwing HDF5 errors. */
export function loadH5(): Promise<H5> {
  loading ??= (async () => {
    const mod = await import("h5wasm/node");
    const M = await mod.default.ready;
    M.activate_throwing_error_handler();
    loaded = { lib: mod.default, M, Reference: mod.Reference };
    return loaded;
  })();
  return loading;
}

/** This thread's h5wasm once {@link loadH5} has finished; undefined before. */
export function loadedH5(): H5 | undefined {
  return loaded;
}

/** First line of an HDF5 diagnostic (the rest is a stack of C source locations). */
export function h5Message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const minor = lines.find((l) => l.startsWith("minor:"));
  const first = lines.find((l) => /^#\d+:/.test(l))?.replace(/^#\d+:\s*\S+ line \d+ in /, "");
  return [first ?? lines[0] ?? "unknown HDF5 error", minor].filter(Boolean).join("; ");
}

/** HDF5 type classes (H5T_class_t). */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, OPAQUE: 5, REFERENCE: 7, ENUM: 8 } as const;

/** What `Module.create_dataset` needs to build a datatype and dataspace. */
export interface RawTypeSpec {
  type: number;
  size: number;
  signed?: boolean;
  /** Only for strings: 0 = ASCII (C_S1, NULLTERM), 1 = UTF-8 (FORTRAN_S1, SPACEPAD). */
  cset?: number;
}

/** A wasm heap buffer reused across calls; grown on demand, freed by `free()`. */
export class HeapBuffer {
  private ptr = 0;
  private cap = 0;
  constructor(private readonly M: H5Module) {}
  /** Pointer to at least `bytes` bytes (contents undefined after growth). */
  reserve(bytes: number): number {
    if (bytes > this.cap) {
      this.free();
      const n = Math.max(8, bytes);
      if (n > this.M.MAXIMUM_MEMORY) throw new RangeError(`${n} bytes exceed the wasm heap (${this.M.MAXIMUM_MEMORY})`);
      this.ptr = this.M._malloc(n);
      if (this.ptr === 0) throw new RangeError(`wasm malloc of ${n} bytes failed`);
      this.cap = n;
    }
    return this.ptr;
  }
  /** Copies `bytes` into the heap and returns the pointer. */
  put(bytes: Uint8Array): number {
    const p = this.reserve(bytes.byteLength);
    this.M.HEAPU8.set(bytes, p); // HEAPU8 re-read after malloc: memory growth replaces the view
    return p;
  }
  free(): void {
    if (this.ptr !== 0) this.M._free(this.ptr);
    this.ptr = 0;
    this.cap = 0;
  }
}

function writeMeta(t: RawTypeSpec, shape: number[], maxshape: number[] | null, chunks: number[] | null) {
  return {
    type: t.type,
    size: t.size,
    signed: t.signed ?? false,
    littleEndian: true,
    vlen: false,
    cset: t.cset ?? 0,
    total_size: shape.reduce((a, b) => a * b, 1),
    shape: shape.map(BigInt),
    maxshape: (maxshape ?? shape).map(BigInt),
    chunks: chunks ? chunks.map(BigInt) : null,
    compression: 0,
    compression_opts: [],
    track_order: false,
  };
}

/** Creates a contiguous dataset at `path` holding `bytes` (exactly the element bytes of `shape`). */
export function createDataset(h: H5, buf: HeapBuffer, fid: bigint, path: string, t: RawTypeSpec, shape: number[], bytes: Uint8Array): void {
  createDatasetAt(h, fid, path, t, shape, buf.put(bytes));
}

/** {@link createDataset} from element bytes already in the wasm heap at `ptr` (nothing copied). */
export function createDatasetAt(h: H5, fid: bigint, path: string, t: RawTypeSpec, shape: number[], ptr: number): void {
  // WriteMetadata in the .d.ts lacks the dataset-creation fields the C++ side reads; the object has them all.
  h.M.create_dataset(fid, path, BigInt(ptr), writeMeta(t, shape, null, null) as never);
}

/**
 * Creates a chunked dataset of final `shape`, chunked along the first axis by `chunkRows`, to be filled with
 * {@link writeRows}. It is created empty (first axis 0) and then extended, because `Module.create_dataset`
 * always writes its whole extent from the heap.
 */
export function createChunked(h: H5, buf: HeapBuffer, fid: bigint, path: string, t: RawTypeSpec, shape: number[], chunkRows: number): void {
  const empty = [0, ...shape.slice(1)];
  const chunks = [Math.max(1, chunkRows), ...shape.slice(1).map((d) => Math.max(1, d))];
  h.M.create_dataset(fid, path, BigInt(buf.reserve(8)), writeMeta(t, empty, shape, chunks) as never);
  h.M.resize_dataset(fid, path, shape.map(BigInt));
}

function hyperslab(shape: number[], row0: number, rows: number) {
  return {
    count: [rows, ...shape.slice(1)].map(BigInt),
    offset: [row0, ...shape.slice(1).map(() => 0)].map(BigInt),
    strides: shape.map(() => 1n),
  };
}

/** Writes `bytes` (whole rows of `shape`) at first-axis index `row0`. */
export function writeRows(h: H5, buf: HeapBuffer, fid: bigint, path: string, shape: number[], row0: number, rows: number, bytes: Uint8Array): void {
  const p = buf.put(bytes);
  const { count, offset, strides } = hyperslab(shape, row0, rows);
  h.M.set_dataset_data(fid, path, count, offset, strides, BigInt(p));
}

/**
 * Reads rows [row0, row0+rows) of a dataset (all of it when `shape` is `[]`) as raw element bytes. The memory
 * type is the file type, so strings and enums come back as their stored bytes. Returns a view on the wasm heap,
 * valid until the next heap operation: copy it out at once.
 */
export function readRows(h: H5, buf: HeapBuffer, fid: bigint, path: string, shape: number[], itemSize: number, row0: number, rows: number): Uint8Array {
  const rowElems = shape.slice(1).reduce((a, b) => a * b, 1);
  const nbytes = (shape.length === 0 ? 1 : rows * rowElems) * itemSize;
  const p = buf.reserve(nbytes);
  if (shape.length === 0) h.M.get_dataset_data(fid, path, null, null, null, BigInt(p));
  else if (nbytes > 0) {
    const { count, offset, strides } = hyperslab(shape, row0, rows);
    h.M.get_dataset_data(fid, path, count, offset, strides, BigInt(p));
  }
  return h.M.HEAPU8.subarray(p, p + nbytes);
}

/** Creates a scalar variable-length UTF-8 string dataset (hickle 4's `str`). */
export function createVlenStr(h: H5, fid: bigint, path: string, value: string): void {
  const meta = { ...writeMeta({ type: H5T.STRING, size: 4, cset: 1 }, [], null, null), vlen: true };
  h.M.create_vlen_str_dataset(fid, path, [value], meta as never);
}

/** Opens `path` with h5wasm (`mode` "r" or "w"); HDF5 failures throw (throwing mode). */
export function openFile(h: H5, path: string, mode: "r" | "w"): H5File {
  return new h.lib.File(path, mode);
}
