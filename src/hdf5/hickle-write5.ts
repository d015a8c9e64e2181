/**
 * The hickle 5 (format "4.1", hickle 5.0.x) layout, node by node as `hickle.dump` writes it: every node's `type`
 * attribute is an object reference to `/hickle_types_table/<n>`, a `|S1` dataset holding `pickle.dumps(py_type)`
 * (protocol 4) whose `base_type` references the entry named after the loader (`dict`, `str`, `np_scalar`, …).
 * Entries are numbered by the table's size at creation, in dump order, so a Node-written file has the same table
 * names as a Python-written one of the same object.
 */
import type { Reference } from "h5wasm/node";
import { attrs, scalarBytes, writeByteString, writeNdArray, writeScalar, type WriteCtx } from "./hickle-nodes.js";
import { createDataset, H5T } from "./h5.js";
import { kDtypeInfo, numpyDtypeStr, type NpDtype, type PyValue } from "./hickle-types.js";

const kTable = "/hickle_types_table";
const enc = new TextEncoder();

/** `pickle.dumps(module.name, protocol=4)` as Python 3.8+ writes it (`type(None)` for NoneType). */
export function pickleType4(module: string, name: string): Uint8Array {
  const none = module === "builtins" && name === "NoneType";
  const s = (t: string) => [0x8c, t.length, ...enc.encode(t), 0x94]; // SHORT_BINUNICODE, MEMOIZE
  const body = [...s(module), ...s(none ? "type" : name), 0x93, 0x94]; // STACK_GLOBAL, MEMOIZE
  if (none) body.push(0x4e, 0x85, 0x94, 0x52, 0x94); // None, TUPLE1, MEMOIZE, REDUCE, MEMOIZE
  body.push(0x2e); // STOP
  const head = [0x80, 4, 0x95, body.length, 0, 0, 0, 0, 0, 0, 0]; // PROTO 4, FRAME <u64 length>
  return Uint8Array.from([...head, ...body]);
}

/** [module, qualname, hickle base type] of a value's Python type. */
export function pyTypeOf(v: PyValue): [string, string, string] {
  switch (v.kind) {
    case "none":
      return ["builtins", "NoneType", "None"];
    case "ndarray":
      return ["numpy", "ndarray", "ndarray"];
    case "np_scalar":
      return ["numpy", v.dtype === "bool" ? "bool_" : v.dtype, "np_scalar"]; // np.bool_ exists in numpy 1 and 2
    default:
      return ["builtins", v.kind, v.kind];
  }
}

/** numpy's result_type of two dtypes (value-independent promotion). */
export function promote(a: NpDtype, b: NpDtype): NpDtype {
  if (a === b) return a;
  const A = kDtypeInfo[a];
  const B = kDtypeInfo[b];
  if (A.kind === "b") return b;
  if (B.kind === "b") return a;
  if (A.kind === "f" || B.kind === "f") {
    const [f, o] = A.kind === "f" ? [A, B] : [B, A];
    if (o.kind === "f") return Math.max(f.size, o.size) === 8 ? "float64" : "float32";
    return f.size === 8 || o.size > 2 ? "float64" : "float32";
  }
  if (A.kind === B.kind) return A.size >= B.size ? a : b;
  const [s, u] = A.kind === "i" ? [A, B] : [B, A];
  if (s.size > u.size) return A.kind === "i" ? a : b;
  return u.size === 8 ? "float64" : (`int${u.size * 16}` as NpDtype);
}

function scalarDtype(v: PyValue): NpDtype | undefined {
  if (v.kind === "int") return "int64";
  if (v.kind === "float") return "float64";
  if (v.kind === "bool") return "bool";
  if (v.kind === "np_scalar") return v.dtype;
  return undefined;
}

/**
 * hickle 5's `check_iterable_item_type`: a list of scalars of numeric/bool types is one dataset of their common
 * dtype. A bool result is written as a group instead (h5wasm cannot write h5py's bool enum), so the items still
 * load as Python bools.
 */
export function listDtype(items: PyValue[]): NpDtype | undefined {
  let d: NpDtype | undefined;
  for (const it of items) {
    const x = scalarDtype(it);
    if (x === undefined) return undefined;
    d = d === undefined ? x : promote(d, x);
  }
  return d === "bool" ? undefined : d;
}

function scalarValue(v: PyValue): number | bigint {
  const x = (v as { value: number | bigint | boolean }).value;
  return typeof x === "boolean" ? Number(x) : x;
}

/** Writes one hickle 5 document (`/data` plus `/hickle_types_table`) into an open file. */
export class Dumper5 {
  private readonly entries = new Map<string, Reference>();
  private readonly bases = new Map<string, Reference>();
  private count = 0;

  constructor(private readonly c: WriteCtx) {
    c.h.M.create_group(c.fid, kTable, true);
  }

  private typeRef(v: PyValue): Reference {
    const [mod, name, base] = pyTypeOf(v);
    const key = `${mod}.${name}`;
    let ref = this.entries.get(key);
    if (ref) return ref;
    const { M, Reference } = this.c.h;
    const entry = `${kTable}/${this.count++}`;
    const pickle = pickleType4(mod, name);
    writeByteString(this.c, entry, pickle, [1, pickle.length]);
    let baseRef = this.bases.get(base);
    if (!baseRef) {
      writeByteString(this.c, `${kTable}/${base}`, new Uint8Array(0), [0]); // h5py writes a NULL dataspace
      this.count++;
      baseRef = new Reference(M.create_object_reference(this.c.fid, `${kTable}/${base}`));
      this.bases.set(base, baseRef);
    }
    attrs(this.c, entry).ref("base_type", baseRef);
    ref = new Reference(M.create_object_reference(this.c.fid, entry));
    this.entries.set(key, ref);
    return ref;
  }

  /** Dumps `v` at `path`, then sets `extra` attributes (key_idx, item_index, …) on it. */
  async dump(path: string, v: PyValue, extra: Record<string, number | string> = {}): Promise<void> {
    const c = this.c;
    const children: Array<[string, PyValue, Record<string, number | string>]> = [];
    switch (v.kind) {
      case "dict":
        c.h.M.create_group(c.fid, path, false);
        v.entries.forEach(([key, value], i) => {
          if (/[\\/]/.test(key)) children.push([`data${i}`, { kind: "tuple", items: [{ kind: "str", value: key }, value] }, { key_idx: i, key_base_type: "key_value" }]);
          else children.push([`"${key}"`, value, { key_idx: i, key_base_type: "str" }]);
        });
        break;
      case "list":
      case "tuple": {
        const d = listDtype(v.items);
        if (v.items.length === 0) createDataset(c.h, c.buf, c.fid, path, { type: H5T.INTEGER, size: 8, signed: true }, [0], new Uint8Array(0));
        else if (d !== undefined) {
          const a = new kDtypeInfo[d].ctor(v.items.length);
          v.items.forEach((it, i) => (a[i] = (a instanceof BigInt64Array || a instanceof BigUint64Array ? BigInt(scalarValue(it)) : Number(scalarValue(it))) as never));
          createDataset(c.h, c.buf, c.fid, path, { type: kDtypeInfo[d].kind === "f" ? H5T.FLOAT : H5T.INTEGER, size: kDtypeInfo[d].size, signed: kDtypeInfo[d].kind === "i" }, [a.length], new Uint8Array(a.buffer));
        } else {
          c.h.M.create_group(c.fid, path, false);
          attrs(c, path).i64("num_items", v.items.length);
          v.items.forEach((it, i) => children.push([`data${i}`, it, { item_index: i }]));
        }
        break;
      }
      case "str": {
        const bytes = enc.encode(v.value);
        writeByteString(c, path, bytes, [1, bytes.length]);
        attrs(c, path).str("str_type", "str");
        break;
      }
      case "int":
        writeScalar(c, path, "int64", v.value);
        break;
      case "float":
        writeScalar(c, path, "float64", v.value);
        break;
      case "bool":
        writeScalar(c, path, "bool", v.value);
        break;
      case "none":
        createDataset(c.h, c.buf, c.fid, path, { type: H5T.INTEGER, size: 1, signed: true }, [], scalarBytes("int8", 0));
        break;
      case "np_scalar":
        writeScalar(c, path, v.dtype, v.value);
        attrs(c, path).str("np_dtype", numpyDtypeStr(v.dtype));
        break;
      case "ndarray":
        await writeNdArray(c, path, v);
        attrs(c, path).str("np_dtype", numpyDtypeStr(v.dtype));
        break;
    }
    const a = attrs(c, path);
    a.ref("type", this.typeRef(v));
    for (const [k, x] of Object.entries(extra)) typeof x === "number" ? a.i64(k, x) : a.str(k, x);
    for (const [name, value, ex] of children) await this.dump(`${path}/${name}`, value, ex);
  }
}
