/**
 * `readHickle`: reads a hickle file — the hickle 5 layout (types table, references) or the hickle 4.0.x layout
 * PyHipp's pinned hickle==4.0.0 wrote — into the {@link PyValue} model. Arrays come back as typed arrays read a
 * slab at a time, or, above `lazyArrayElements`, as references read later with {@link readHickleArray}.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { RplpipeError } from "../errors.js";
import { checkInteger, checkKnownKeys, checkString, isPlainObject } from "../validate.js";
import { h5Message, H5T, HeapBuffer, loadH5, openFile, type H5 } from "./h5.js";
import { NodeReader, readArray, type Layout } from "./hickle-read-node.js";
import type { NdArrayRef, NpTypedArray, PyValue } from "./hickle-types.js";

export interface ReadHickleOptions {
  /** Arrays with more elements are not read but returned as `{ kind: "ndarray", dtype, shape, ref }`. Default: all read. */
  lazyArrayElements?: number;
}

/** What a file holds besides the value: its layout and the versions it names. */
export interface HickleFileInfo {
  layout: Layout;
  hickleVersion: string;
  pythonVersion: string;
}

function openForRead(h: H5, path: string) {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new RplpipeError("ERR_FILE_OPEN", `Cannot open hickle file ${path}: no such file`);
  try {
    return { abs, file: openFile(h, abs, "r") };
  } catch (e) {
    throw new RplpipeError("ERR_FILE_OPEN", `Cannot open hickle file ${path}: ${h5Message(e)}`, { cause: e });
  }
}

/**
 * Reads the object stored in a hickle file.
 *
 * @param path a file written by hickle 5.x, hickle 4.0.x, or {@link writeHickle}
 * @param options `lazyArrayElements`
 * @returns the value and the file's layout/version info
 * @throws {TypeError|RangeError} for bad arguments
 * @throws {RplpipeError} `ERR_FILE_OPEN` (missing or not HDF5), `ERR_HICKLE_FORMAT` (not a hickle file, or a
 *   damaged one; the message names the node), `ERR_HICKLE_UNSUPPORTED` (hickle 3 files, or a node type outside
 *   the model: pickled objects, bytes, complex, sets, non-str dict keys, object arrays)
 */
export async function readHickleWithInfo(path: string, options: ReadHickleOptions = {}): Promise<{ value: PyValue; info: HickleFileInfo }> {
  checkString("path", path);
  if (!isPlainObject(options)) throw new TypeError("Expected an object for options");
  checkKnownKeys("options", options, ["lazyArrayElements"]);
  const lazy = options.lazyArrayElements === undefined ? Infinity : checkInteger("options.lazyArrayElements", options.lazyArrayElements, 0, Number.MAX_SAFE_INTEGER);
  const h = await loadH5();
  const { abs, file } = openForRead(h, path);
  const buf = new HeapBuffer(h.M);
  try {
    const rootAttrs = h.M.get_attribute_names(file.file_id, "/");
    const str = (n: string) => (rootAttrs.includes(n) ? String(file.get_attribute(n, false)) : undefined);
    const hv = str("HICKLE_VERSION");
    if (hv === undefined) {
      if (rootAttrs.includes("VERSION") || rootAttrs.includes("CLASS"))
        throw new RplpipeError("ERR_HICKLE_UNSUPPORTED", `${path}: a hickle 3 (or older) file; only hickle 4.0.x and 5.x layouts are read`);
      throw new RplpipeError("ERR_HICKLE_FORMAT", `${path}: not a hickle file (no HICKLE_VERSION attribute on /)`);
    }
    const layout: Layout = hv.startsWith("4.") ? "hickle4" : "hickle5";
    if (h.M.get_type(file.file_id, "/data") < 0) throw new RplpipeError("ERR_HICKLE_FORMAT", `${path}: no /data node`);
    const value = new NodeReader(h, file.file_id, buf, abs, path, layout, lazy).read("/data");
    return { value, info: { layout, hickleVersion: hv, pythonVersion: str("HICKLE_PYTHON_VERSION") ?? "" } };
  } catch (e) {
    if (e instanceof RplpipeError || e instanceof TypeError || e instanceof RangeError) throw e;
    throw new RplpipeError("ERR_HICKLE_FORMAT", `${path}: unreadable hickle content: ${h5Message(e)}`, { cause: e });
  } finally {
    buf.free();
    file.close();
  }
}

/**
 * Reads the object stored in a hickle file (see {@link readHickleWithInfo} for the file's layout too).
 * @throws {RplpipeError} `ERR_FILE_OPEN`, `ERR_HICKLE_FORMAT`, `ERR_HICKLE_UNSUPPORTED` as readHickleWithInfo
 */
export async function readHickle(path: string, options: ReadHickleOptions = {}): Promise<PyValue> {
  return (await readHickleWithInfo(path, options)).value;
}

/**
 * Reads a lazily returned array, whole or rows [start, end) of its first axis, slab by slab.
 * @param nd an ndarray with `ref` from `readHickle(…, { lazyArrayElements })`
 * @throws {RangeError} for rows outside the array
 * @throws {RplpipeError} `ERR_FILE_OPEN` / `ERR_HICKLE_FORMAT` when the file is gone or changed
 */
export async function readHickleArray(nd: NdArrayRef, start = 0, end?: number): Promise<NpTypedArray> {
  if (!isPlainObject(nd) || nd.kind !== "ndarray" || !isPlainObject(nd.ref)) throw new TypeError("Expected an ndarray with a ref for nd");
  const rows = nd.shape.length === 0 ? 1 : nd.shape[0]!;
  checkInteger("start", start, 0, rows);
  const stop = end === undefined ? rows : checkInteger("end", end, start, rows);
  const h = await loadH5();
  const { file } = openForRead(h, nd.ref.file);
  const buf = new HeapBuffer(h.M);
  try {
    const meta = h.M.get_dataset_metadata(file.file_id, nd.ref.dataset);
    if (JSON.stringify(meta.shape ?? []) !== JSON.stringify(nd.shape) || (meta.type !== H5T.INTEGER && meta.type !== H5T.FLOAT && meta.type !== H5T.ENUM))
      throw new RplpipeError("ERR_HICKLE_FORMAT", `${nd.ref.file}: ${nd.ref.dataset} is no longer a ${nd.dtype} array of shape [${nd.shape}]`);
    return readArray(h, buf, file.file_id, nd.ref.dataset, nd, meta.size, start, stop);
  } finally {
    buf.free();
    file.close();
  }
}
