/**
 * MountainLab's `.mda` array files (mountainlab_pytools `mdaio_impl.py`, the format ms4alg and ml_ephys read
 * and write): a little-endian header of int32 `dtype code`, int32 `bytes per entry`, int32 `ndims` (negative
 * when the dims are int64: a dim above 2e9), the dims, then the elements in **column-major** (Fortran) order.
 *
 * Codes: -2 uint8, -3 float32, -4 int16, -5 int32, -6 uint16, -7 float64, -8 uint32. Our arrays keep the
 * file's order: `data[i0 + d0*i1 + d0*d1*i2]` is element (i0, i1, i2), as numpy's `reshape(order='F')`.
 */
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { invalidOption, RplpipeError } from "../errors.js";
import { checkString } from "../validate.js";

export const kMdaDtypes = ["uint8", "float32", "int16", "int32", "uint16", "float64", "uint32"] as const;
export type MdaDtype = (typeof kMdaDtypes)[number];

export interface MdaTypes {
  uint8: Uint8Array;
  float32: Float32Array;
  int16: Int16Array;
  int32: Int32Array;
  uint16: Uint16Array;
  float64: Float64Array;
  uint32: Uint32Array;
}
export type MdaTypedArray = MdaTypes[MdaDtype];

type Ctor = { new (n: number): MdaTypedArray; new (b: ArrayBufferLike, off: number, n: number): MdaTypedArray; BYTES_PER_ELEMENT: number };
const kInfo: Record<MdaDtype, { code: number; ctor: Ctor }> = {
  uint8: { code: -2, ctor: Uint8Array as unknown as Ctor },
  float32: { code: -3, ctor: Float32Array as unknown as Ctor },
  int16: { code: -4, ctor: Int16Array as unknown as Ctor },
  int32: { code: -5, ctor: Int32Array as unknown as Ctor },
  uint16: { code: -6, ctor: Uint16Array as unknown as Ctor },
  float64: { code: -7, ctor: Float64Array as unknown as Ctor },
  uint32: { code: -8, ctor: Uint32Array as unknown as Ctor },
};

/** A header: dtype, dims, and where the elements start. */
export interface MdaHeader {
  dtype: MdaDtype;
  dims: number[];
  /** Bytes before the first element (12 + 4·ndims, or 12 + 8·ndims with int64 dims). */
  headerBytes: number;
}

/** An array: `data` holds the product of `dims` elements in column-major order. */
export interface MdaArray<T extends MdaTypedArray = MdaTypedArray> {
  dtype: MdaDtype;
  dims: number[];
  data: T;
}

function fmtError(path: string, what: string): RplpipeError {
  return new RplpipeError("ERR_MDA_FORMAT", `${path}: not a valid .mda file: ${what}`);
}

/** The header bytes mdaio writes for `dims` (int64 dims only when one exceeds 2e9, as MdaHeader). */
export function mdaHeaderBytes(dtype: MdaDtype, dims: readonly number[]): Buffer {
  const info = kInfo[dtype];
  if (!info) throw invalidOption("dtype", `one of ${kMdaDtypes.join(", ")}`, dtype, true);
  if (dims.length < 1 || dims.length > 6) throw invalidOption("dims", "1 to 6 dimensions", dims, true);
  for (const [i, d] of dims.entries()) if (!Number.isSafeInteger(d) || d < 0) throw invalidOption(`dims[${i}]`, "a non-negative integer", d, true);
  const big = Math.max(...dims) > 2e9;
  const b = Buffer.alloc(12 + dims.length * (big ? 8 : 4));
  b.writeInt32LE(info.code, 0);
  b.writeInt32LE(info.ctor.BYTES_PER_ELEMENT, 4);
  b.writeInt32LE(big ? -dims.length : dims.length, 8);
  dims.forEach((d, i) => (big ? b.writeBigInt64LE(BigInt(d), 12 + 8 * i) : b.writeInt32LE(d, 12 + 4 * i)));
  return b;
}

/**
 * Reads an .mda header.
 * @throws {RplpipeError} ERR_FILE_OPEN (missing/unreadable), ERR_MDA_FORMAT (unknown dtype code, entry size
 *   that does not match it, 0 or more than 6 dims, negative dims, a file shorter than its header says)
 */
export function readMdaHeader(path: string): MdaHeader {
  checkString("path", path);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new RplpipeError("ERR_FILE_OPEN", `Cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const head = Buffer.alloc(12 + 6 * 8);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < 12) throw fmtError(path, `${n} bytes, shorter than the 12-byte header`);
    const code = head.readInt32LE(0);
    const dtype = kMdaDtypes.find((d) => kInfo[d].code === code);
    if (!dtype) throw fmtError(path, `dtype code ${code} (known: -2 uint8, -3 float32, -4 int16, -5 int32, -6 uint16, -7 float64, -8 uint32)`);
    const size = head.readInt32LE(4);
    if (size !== kInfo[dtype].ctor.BYTES_PER_ELEMENT) throw fmtError(path, `${size} bytes per entry for ${dtype}`);
    const nd = head.readInt32LE(8);
    const big = nd < 0;
    const ndims = Math.abs(nd);
    if (ndims < 1 || ndims > 6) throw fmtError(path, `${nd} dimensions`);
    const headerBytes = 12 + ndims * (big ? 8 : 4);
    if (n < headerBytes) throw fmtError(path, "truncated header");
    const dims: number[] = [];
    for (let i = 0; i < ndims; i++) dims.push(big ? Number(head.readBigInt64LE(12 + 8 * i)) : head.readInt32LE(12 + 4 * i));
    if (dims.some((d) => d < 0 || !Number.isSafeInteger(d))) throw fmtError(path, `dims ${dims.join("×")}`);
    return { dtype, dims, headerBytes };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a whole .mda array (column-major, as stored).
 * @throws {RplpipeError} as {@link readMdaHeader}; ERR_MDA_FORMAT when the file holds fewer elements than its dims
 */
export function readMda(path: string): MdaArray {
  const h = readMdaHeader(path);
  const count = h.dims.reduce((a, b) => a * b, 1);
  const { ctor } = kInfo[h.dtype];
  const data = new ctor(count);
  const bytes = new Uint8Array(data.buffer, 0, count * ctor.BYTES_PER_ELEMENT);
  const fd = openSync(path, "r");
  try {
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, Math.min(bytes.length - got, 1 << 26), h.headerBytes + got);
      if (n === 0) throw fmtError(path, `${got / ctor.BYTES_PER_ELEMENT} of ${count} elements present`);
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return { dtype: h.dtype, dims: h.dims, data };
}

function dtypeOf(data: MdaTypedArray): MdaDtype | undefined {
  return kMdaDtypes.find((d) => data.constructor === kInfo[d].ctor);
}

/**
 * Writes an .mda file from column-major pieces, atomically (`<path>.tmp-<pid>-<rand>`, then rename). The pieces
 * must add up to the product of `dims` and be of `dtype`'s typed array.
 * @returns bytes written
 * @throws {TypeError|RangeError} bad dtype/dims, or pieces of the wrong class or total length (nothing is left behind)
 * @throws {RplpipeError} ERR_WRITE when the file cannot be written (the cause is kept)
 */
export async function writeMdaStream(
  path: string,
  dtype: MdaDtype,
  dims: readonly number[],
  pieces: Iterable<MdaTypedArray> | AsyncIterable<MdaTypedArray>,
): Promise<number> {
  checkString("path", path);
  const header = mdaHeaderBytes(dtype, dims);
  const want = dims.reduce((a, b) => a * b, 1);
  const target = resolve(path);
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  let fd: number | undefined;
  let total = 0;
  try {
    fd = openSync(tmp, "w");
    writeSync(fd, header);
    for await (const p of pieces) {
      if (dtypeOf(p) !== dtype) throw invalidOption("pieces", `${dtype} typed arrays`, p);
      total += p.length;
      if (total > want) throw invalidOption("pieces", `${want} elements in all`, total, true);
      const b = new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
      for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
    }
    if (total !== want) throw invalidOption("pieces", `${want} elements in all`, total, true);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof TypeError || e instanceof RangeError) throw e;
    throw new RplpipeError("ERR_WRITE", `Cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  return header.length + total * kInfo[dtype].ctor.BYTES_PER_ELEMENT;
}

/**
 * Writes a whole array (column-major `data`), as mdaio's `writemda(X, path, dtype=…)` does for `X` in numpy order.
 * @throws as {@link writeMdaStream}; TypeError when `data` is not `dtype`'s typed array
 */
export async function writeMda(path: string, array: MdaArray): Promise<number> {
  return writeMdaStream(path, array.dtype, array.dims, [array.data]);
}

/** Column-major `data` of `dims` → C-order (numpy default) copy, e.g. for hickle's templates.hkl. */
export function toCOrder<T extends MdaTypedArray>(data: T, dims: readonly number[]): T {
  const n = dims.length;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const fStride: number[] = [];
  let s = 1;
  for (let i = 0; i < n; i++) (fStride[i] = s), (s *= dims[i]!);
  const idx = new Array<number>(n).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let i = 0; i < n; i++) f += idx[i]! * fStride[i]!;
    out[c] = data[f]!;
    for (let i = n - 1; i >= 0; i--) {
      if (++idx[i]! < dims[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}
