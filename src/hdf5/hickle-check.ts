/**
 * Deep validation of a {@link PyValue} tree before anything is written, so a bad value never leaves a file
 * behind. Streamed arrays can only be checked for their declared dtype/shape here; their lengths are checked
 * while writing.
 */
import { invalidOption } from "../errors.js";
import { isPlainObject } from "../validate.js";
import { kDtypeInfo, NpDtypes, type NpDtype, type PyValue } from "./hickle-types.js";

const kI64 = [-(1n << 63n), (1n << 63n) - 1n] as const;

/** Inclusive integer range of an integer dtype (bool: 0..1). */
export function intRange(d: NpDtype): readonly [bigint, bigint] {
  const { kind, size } = kDtypeInfo[d];
  if (kind === "b") return [0n, 1n];
  const bits = BigInt(size * 8);
  return kind === "u" ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

function checkInt(name: string, v: unknown, lo: bigint, hi: bigint): void {
  const expected = `integer (number or bigint) between ${lo} and ${hi}`;
  if (typeof v === "bigint") {
    if (v < lo || v > hi) throw invalidOption(name, expected, v, true);
  } else if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || BigInt(v) < lo || BigInt(v) > hi) throw invalidOption(name, `${expected} (a safe integer if a number)`, v, true);
  } else throw invalidOption(name, expected, v);
}

function checkDtype(name: string, v: unknown): NpDtype {
  if (typeof v !== "string" || !(NpDtypes as readonly string[]).includes(v)) throw invalidOption(name, `one of ${NpDtypes.join(", ")}`, v);
  return v as NpDtype;
}

function checkShape(name: string, v: unknown): number {
  if (!Array.isArray(v)) throw invalidOption(name, "array of non-negative integers", v);
  let n = 1;
  v.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) throw invalidOption(`${name}[${i}]`, "non-negative integer", d, typeof d === "number");
    n *= d;
  });
  if (!Number.isSafeInteger(n)) throw invalidOption(name, "shape with a safe-integer element count", v, true);
  return n;
}

function checkNdArray(name: string, v: Record<string, unknown>): void {
  const dtype = checkDtype(`${name}.dtype`, v.dtype);
  const total = checkShape(`${name}.shape`, v.shape);
  const sources = ["data", "chunks", "fill", "ref"].filter((k) => v[k] !== undefined);
  if (sources.length !== 1) throw invalidOption(name, "ndarray with exactly one of data, chunks, fill, ref", `${sources.length} sources`);
  const ctor = kDtypeInfo[dtype].ctor;
  if (v.data !== undefined) {
    if (!(v.data instanceof ctor)) throw invalidOption(`${name}.data`, `${ctor.name} for dtype ${dtype}`, v.data);
    if ((v.data as ArrayLike<unknown>).length !== total) throw invalidOption(`${name}.data`, `${total} elements (product of shape)`, `${(v.data as ArrayLike<unknown>).length} elements`, true);
  } else if (v.chunks !== undefined) {
    const c = v.chunks as Record<symbol, unknown>;
    if (typeof c !== "object" || c === null || (typeof c[Symbol.iterator] !== "function" && typeof c[Symbol.asyncIterator] !== "function"))
      throw invalidOption(`${name}.chunks`, "an iterable or async iterable of typed arrays", v.chunks);
  } else if (v.fill !== undefined) {
    if (typeof v.fill !== "function") throw invalidOption(`${name}.fill`, "function (start, out)", v.fill);
  } else {
    const r = v.ref as Record<string, unknown>;
    if (!isPlainObject(r) || typeof r.file !== "string" || typeof r.dataset !== "string") throw invalidOption(`${name}.ref`, "{ file, dataset }", v.ref);
  }
}

/**
 * Checks that `v` is a well-formed PyValue tree: known kinds, string dict keys without duplicates, ints within
 * int64, numpy scalars within their dtype, arrays whose data matches dtype and shape, no cycles.
 * @throws {TypeError} for a wrong type, {RangeError} for a value out of range (messages name the path, e.g.
 *   `value.dict["analogInfo"].dict["HighFreqOrder"].value`)
 */
export function checkPyValue(v: unknown, name = "value", seen: Set<object> = new Set()): asserts v is PyValue {
  if (!isPlainObject(v) || typeof v.kind !== "string") throw invalidOption(name, "a PyValue ({ kind: ... })", v);
  switch (v.kind) {
    case "dict":
    case "list":
    case "tuple": {
      if (seen.has(v)) throw invalidOption(name, "an acyclic value", "a cycle");
      seen.add(v);
      if (v.kind === "dict") {
        if (!Array.isArray(v.entries)) throw invalidOption(`${name}.entries`, "array of [key, value] pairs", v.entries);
        const keys = new Set<string>();
        v.entries.forEach((e: unknown, i: number) => {
          if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== "string") throw invalidOption(`${name}.entries[${i}]`, "[string key, value] pair", e);
          if (e[0].includes("\0")) throw invalidOption(`${name}.entries[${i}]`, "key without NUL characters (HDF5 names are C strings)", e[0], true);
          if (keys.has(e[0])) throw invalidOption(`${name}.entries[${i}]`, "unique keys", `duplicate key ${JSON.stringify(e[0])}`, true);
          keys.add(e[0]);
          checkPyValue(e[1], `${name}.dict[${JSON.stringify(e[0])}]`, seen);
        });
      } else {
        if (!Array.isArray(v.items)) throw invalidOption(`${name}.items`, "array of values", v.items);
        v.items.forEach((x: unknown, i: number) => checkPyValue(x, `${name}[${i}]`, seen));
      }
      seen.delete(v);
      return;
    }
    case "str":
      if (typeof v.value !== "string") throw invalidOption(`${name}.value`, "string", v.value);
      return;
    case "int":
      return checkInt(`${name}.value`, v.value, ...kI64);
    case "float":
      if (typeof v.value !== "number") throw invalidOption(`${name}.value`, "number", v.value);
      return;
    case "bool":
      if (typeof v.value !== "boolean") throw invalidOption(`${name}.value`, "boolean", v.value);
      return;
    case "none":
      return;
    case "np_scalar": {
      const d = checkDtype(`${name}.dtype`, v.dtype);
      if (d === "bool") {
        if (typeof v.value !== "boolean" && v.value !== 0 && v.value !== 1) throw invalidOption(`${name}.value`, "boolean (or 0/1)", v.value);
      } else if (kDtypeInfo[d].kind === "f") {
        if (typeof v.value !== "number") throw invalidOption(`${name}.value`, "number", v.value);
      } else checkInt(`${name}.value`, v.value, ...intRange(d));
      return;
    }
    case "ndarray":
      return checkNdArray(name, v);
    default:
      throw invalidOption(`${name}.kind`, "one of dict, list, tuple, str, int, float, bool, none, np_scalar, ndarray", v.kind);
  }
}
