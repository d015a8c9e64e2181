/**
 * The Python value model shared by the hickle writer and reader: a small tagged union that says exactly which
 * Python type each value has, because PyHipp's files depend on it (`SampleRate` is the float 30000.0 in
 * rplraw but the int 1000 in rpllfp; `HighFreqOrder` is a `np.uint32` scalar; `MaxVal` a `np.float32`).
 *
 * Builders (`pyDict`, `pyInt`, `pyFloat`, `npScalar`, `npArray`, …) make values; `toPy` lifts plain JS values
 * where the Python type is unambiguous (string, boolean, null, bigint, arrays, typed arrays) and refuses a bare
 * JS number, which could be either a Python int or a float.
 */
import { invalidOption } from "../errors.js";

/** numpy dtypes the model supports (bool is stored one byte per element, 0 or 1). */
export const NpDtypes = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"] as const;
export type NpDtype = (typeof NpDtypes)[number];

/** The typed array holding each dtype's elements. */
export interface NpArrayTypes {
  bool: Uint8Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
}
export type NpTypedArray = NpArrayTypes[NpDtype];

type Ctor = { new (n: number): NpTypedArray; new (b: ArrayBufferLike, off: number, n: number): NpTypedArray; BYTES_PER_ELEMENT: number };

/** Per dtype: numpy kind letter, item size, typed-array constructor. */
export const kDtypeInfo: Readonly<Record<NpDtype, { kind: "b" | "i" | "u" | "f"; size: number; ctor: Ctor }>> = {
  bool: { kind: "b", size: 1, ctor: Uint8Array as unknown as Ctor },
  int8: { kind: "i", size: 1, ctor: Int8Array as unknown as Ctor },
  uint8: { kind: "u", size: 1, ctor: Uint8Array as unknown as Ctor },
  int16: { kind: "i", size: 2, ctor: Int16Array as unknown as Ctor },
  uint16: { kind: "u", size: 2, ctor: Uint16Array as unknown as Ctor },
  int32: { kind: "i", size: 4, ctor: Int32Array as unknown as Ctor },
  uint32: { kind: "u", size: 4, ctor: Uint32Array as unknown as Ctor },
  int64: { kind: "i", size: 8, ctor: BigInt64Array as unknown as Ctor },
  uint64: { kind: "u", size: 8, ctor: BigUint64Array as unknown as Ctor },
  float32: { kind: "f", size: 4, ctor: Float32Array as unknown as Ctor },
  float64: { kind: "f", size: 8, ctor: Float64Array as unknown as Ctor },
};

/** numpy's `dtype.str` ("<f4", "|u1", "|b1") — what hickle 5 stores in `np_dtype`. */
export function numpyDtypeStr(d: NpDtype): string {
  const { kind, size } = kDtypeInfo[d];
  return `${size === 1 ? "|" : "<"}${kind}${size}`;
}

/** Parses a stored `np_dtype`: hickle 5's `dtype.str` ("<f4") or hickle 4's `dtype.name` ("float32"). */
export function parseNumpyDtype(s: string): NpDtype | undefined {
  if ((NpDtypes as readonly string[]).includes(s)) return s as NpDtype;
  if (s === "bool_") return "bool";
  const m = /^[<|=]([biuf])(\d)$/.exec(s);
  if (!m) return undefined;
  return NpDtypes.find((d) => kDtypeInfo[d].kind === m[1] && kDtypeInfo[d].size === Number(m[2]));
}

export interface PyDict { kind: "dict"; entries: Array<[string, PyValue]> }
export interface PyList { kind: "list"; items: PyValue[] }
export interface PyTuple { kind: "tuple"; items: PyValue[] }
export interface PyStr { kind: "str"; value: string }
/** A Python int; must fit in int64 (hickle's int dataset). */
export interface PyInt { kind: "int"; value: number | bigint }
export interface PyFloat { kind: "float"; value: number }
export interface PyBool { kind: "bool"; value: boolean }
export interface PyNone { kind: "none" }
/** A numpy scalar such as `np.uint32(3)`; 64-bit values may be bigint, bool values boolean. */
export interface NpScalar { kind: "np_scalar"; dtype: NpDtype; value: number | bigint | boolean }

/** Where a lazily read array lives (see `readHickle`'s `lazyArrayElements` and `readHickleArray`). */
export interface HickleArrayRef { file: string; dataset: string }

interface NdBase { kind: "ndarray"; dtype: NpDtype; shape: number[] }
/** An array in memory: `data` is the C-order elements of `shape`, in the dtype's typed array. */
export interface NdArrayData extends NdBase { data: NpTypedArray }
/** An array streamed in C order: the pieces' lengths are free but must add up to the product of `shape`. */
export interface NdArrayStream extends NdBase { chunks: Iterable<NpTypedArray> | AsyncIterable<NpTypedArray> }
/** An array produced on demand: `fill(start, out)` must fill all of `out` with elements [start, start+out.length). */
export interface NdArrayFill extends NdBase { fill: (start: number, out: NpTypedArray) => void | Promise<void> }
/** An array left in a file by `readHickle(…, { lazyArrayElements })`; the writer copies it slab by slab. */
export interface NdArrayRef extends NdBase { ref: HickleArrayRef }
export type NdArray = NdArrayData | NdArrayStream | NdArrayFill | NdArrayRef;

/** Any value hickle can store in this model. */
export type PyValue = PyDict | PyList | PyTuple | PyStr | PyInt | PyFloat | PyBool | PyNone | NpScalar | NdArray;
/** What the builders accept: a PyValue or a JS value with an unambiguous Python type (see {@link toPy}). */
export type PyLike = PyValue | string | boolean | null | bigint | NpTypedArray | PyLike[];

const kKinds = new Set(["dict", "list", "tuple", "str", "int", "float", "bool", "none", "np_scalar", "ndarray"]);

/** True for objects with a known `kind` tag. */
export function isPyValue(v: unknown): v is PyValue {
  return typeof v === "object" && v !== null && !ArrayBuffer.isView(v) && kKinds.has((v as { kind?: string }).kind ?? "");
}

/** The dtype of a typed array (a Uint8Array is uint8; pass "bool" explicitly to {@link npArray} for booleans). */
export function dtypeOfTypedArray(a: ArrayBufferView): NpDtype | undefined {
  const name = a.constructor.name;
  return NpDtypes.find((d) => d !== "bool" && kDtypeInfo[d].ctor.name === name);
}

/**
 * Lifts a JS value: string → str, boolean → bool, null → None, bigint → int, typed array → 1-D ndarray,
 * array → list; PyValues pass through.
 * @throws {TypeError} for a bare number (say `pyInt(x)` or `pyFloat(x)`) or anything else not representable
 */
export function toPy(v: PyLike, name = "value"): PyValue {
  if (typeof v === "string") return { kind: "str", value: v };
  if (typeof v === "boolean") return { kind: "bool", value: v };
  if (typeof v === "bigint") return { kind: "int", value: v };
  if (v === null) return { kind: "none" };
  if (Array.isArray(v)) return { kind: "list", items: v.map((x, i) => toPy(x, `${name}[${i}]`)) };
  if (ArrayBuffer.isView(v)) return npArray(v as NpTypedArray);
  if (isPyValue(v)) return v;
  const hint = typeof v === "number" ? "a PyValue (a JS number is ambiguous: use pyInt() or pyFloat())" : "a PyValue";
  throw invalidOption(name, hint, v);
}

/**
 * `dict` from [key, value] pairs (kept in this order) or an object (JS orders integer-like keys first!).
 * @throws {TypeError} for a value {@link toPy} cannot lift (a bare number)
 */
export function pyDict(entries: Array<[string, PyLike]> | Record<string, PyLike>): PyDict {
  const pairs = Array.isArray(entries) ? entries : Object.entries(entries);
  return { kind: "dict", entries: pairs.map(([k, v]) => [k, toPy(v, `dict[${JSON.stringify(k)}]`)]) };
}
/** `list` of values. */
export function pyList(items: PyLike[]): PyList {
  return { kind: "list", items: items.map((x, i) => toPy(x, `list[${i}]`)) };
}
/** `tuple` of values. */
export function pyTuple(items: PyLike[]): PyTuple {
  return { kind: "tuple", items: items.map((x, i) => toPy(x, `tuple[${i}]`)) };
}
/** `str`. */
export function pyStr(value: string): PyStr {
  return { kind: "str", value };
}
/** Python `int` (stored as int64). */
export function pyInt(value: number | bigint): PyInt {
  return { kind: "int", value };
}
/** Python `float` (float64), e.g. `pyFloat(30000)` is `30000.0`. */
export function pyFloat(value: number): PyFloat {
  return { kind: "float", value };
}
/** Python `bool`. */
export function pyBool(value: boolean): PyBool {
  return { kind: "bool", value };
}
/** `None`. */
export function pyNone(): PyNone {
  return { kind: "none" };
}
/** A numpy scalar, e.g. `npScalar("uint32", 3)` is `np.uint32(3)`. */
export function npScalar(dtype: NpDtype, value: number | bigint | boolean): NpScalar {
  return { kind: "np_scalar", dtype, value };
}
/**
 * A numpy array over `data` (not copied). `dtype` defaults to the typed array's (Float32Array → float32);
 * `shape` defaults to 1-D. Shape/length agreement is checked by `writeHickle`.
 * @throws {TypeError} for a typed array of no supported dtype (Uint8ClampedArray, Float16Array)
 */
export function npArray(data: NpTypedArray, shape?: number[], dtype?: NpDtype): NdArrayData {
  const d = dtype ?? dtypeOfTypedArray(data);
  if (d === undefined) throw invalidOption("npArray data", "a typed array of a supported dtype", data);
  return { kind: "ndarray", dtype: d, shape: shape ?? [data.length], data };
}
/** A numpy array written from a stream of C-order pieces (see {@link NdArrayStream}). */
export function npArrayStream(dtype: NpDtype, shape: number[], chunks: NdArrayStream["chunks"]): NdArrayStream {
  return { kind: "ndarray", dtype, shape, chunks };
}
/** A numpy array written by a slab-filling callback (see {@link NdArrayFill}). */
export function npArrayFill(dtype: NpDtype, shape: number[], fill: NdArrayFill["fill"]): NdArrayFill {
  return { kind: "ndarray", dtype, shape, fill };
}
