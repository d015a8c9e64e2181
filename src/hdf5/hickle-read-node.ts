/**
 * Node-by-node decoding of hickle files into the PyValue model. hickle 5: the loader is chosen by the name of
 * the types-table entry that the node's `type` reference's `base_type` points to; a dataset holding only an
 * object reference (hickle's memo for an object dumped twice) stands for the node it references. hickle 4.0.x:
 * the loader is the node's `base_type` string; dict items are `repr(key)` groups with the value in `data`.
 */
import { RplpipeError } from "../errors.js";
import { H5T, HeapBuffer, readRows, type H5 } from "./h5.js";
import { kDtypeInfo, parseNumpyDtype, type NpDtype, type NpTypedArray, type PyValue } from "./hickle-types.js";

export type Layout = "hickle5" | "hickle4";
type Meta = ReturnType<H5["M"]["get_dataset_metadata"]>;
const utf8 = new TextDecoder("utf-8");

/** Parses a Python str literal as `repr()` writes it ('abc', "it's", with \\ \' \n \xNN \uNNNN escapes). */
export function parsePyStrLiteral(s: string): string | undefined {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s.length < 2 || s[s.length - 1] !== q) return undefined;
  const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0" };
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) =>
    e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : (simple[e] ?? `\\${e}`),
  );
}

/** Reads rows [start, stop) of a numeric dataset into a new typed array of `nd.dtype`, ~4M elements per slab. */
export function readArray(h: H5, buf: HeapBuffer, fid: bigint, path: string, nd: { dtype: NpDtype; shape: number[] }, itemSize: number, start: number, stop: number): NpTypedArray {
  const { ctor, size } = kDtypeInfo[nd.dtype];
  if (size !== itemSize) throw new RplpipeError("ERR_HICKLE_FORMAT", `${path}: ${itemSize}-byte elements stored for dtype ${nd.dtype}`);
  const rowElems = nd.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new ctor(nd.shape.length === 0 ? 1 : (stop - start) * rowElems);
  const bytes = new Uint8Array(out.buffer);
  if (nd.shape.length === 0) {
    bytes.set(readRows(h, buf, fid, path, [], size, 0, 1));
    return out;
  }
  const step = Math.max(1, Math.floor((4 << 20) / Math.max(1, rowElems)));
  for (let r = start; r < stop; r += step) {
    const n = Math.min(step, stop - r);
    bytes.set(readRows(h, buf, fid, path, nd.shape, size, r, n), (r - start) * rowElems * size);
  }
  return out;
}

function int(v: bigint): PyValue {
  return { kind: "int", value: v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v };
}

/** Reads one file's nodes; `read(path)` returns the value stored at `path`. */
export class NodeReader {
  private readonly memo = new Map<string, PyValue>();
  private readonly bases = new Map<string, string>();

  constructor(
    private readonly h: H5,
    private readonly fid: bigint,
    private readonly buf: HeapBuffer,
    private readonly abs: string,
    private readonly shown: string,
    private readonly layout: Layout,
    private readonly lazy: number,
  ) {}

  private fail(code: "ERR_HICKLE_FORMAT" | "ERR_HICKLE_UNSUPPORTED", path: string, what: string): RplpipeError {
    return new RplpipeError(code, `${this.shown}: node ${path}: ${what}`);
  }
  private attrNames(path: string): string[] {
    return this.h.M.get_attribute_names(this.fid, path);
  }
  private attr(path: string, name: string): unknown {
    return this.attrNames(path).includes(name) ? new this.h.lib.Group(this.fid, path).get_attribute(name, false) : undefined;
  }
  private isGroup(path: string): boolean {
    return this.h.M.get_type(this.fid, path) === this.h.M.H5G_GROUP;
  }
  private meta(path: string): Meta {
    return this.h.M.get_dataset_metadata(this.fid, path);
  }
  private refTarget(bytes: Uint8Array): string {
    return this.h.M.get_referenced_name(this.fid, bytes.slice(), true);
  }
  private children(path: string): string[] {
    return this.h.M.get_names(this.fid, path, false);
  }
  private raw(path: string, m: Meta): Uint8Array {
    if (!m.shape || m.total_size === 0) return new Uint8Array(0);
    return readRows(this.h, this.buf, this.fid, path, m.shape, m.size, 0, m.shape[0] ?? 1).slice();
  }

  /** The value at `path` (memoised, so a reference and its target give the same object). */
  read(path: string): PyValue {
    let v = this.memo.get(path);
    if (v === undefined) {
      v = this.layout === "hickle5" ? this.read5(path) : this.read4(path);
      this.memo.set(path, v);
    }
    return v;
  }

  private baseType5(path: string): string {
    const t = this.attr(path, "type");
    if (t === undefined) {
      if (!this.isGroup(path) && this.meta(path).type === H5T.REFERENCE) return `!ref:${this.refTarget(this.raw(path, this.meta(path)))}`;
      throw this.fail("ERR_HICKLE_UNSUPPORTED", path, "a pickled Python object (no type attribute)");
    }
    const ref = Array.isArray(t) ? t[0] : t;
    if (!(ref instanceof this.h.Reference)) throw this.fail("ERR_HICKLE_FORMAT", path, "type attribute is not an object reference");
    const entry = this.refTarget(ref.ref_data);
    let base = this.bases.get(entry);
    if (base === undefined) {
      const b = this.attr(entry, "base_type");
      const bref = Array.isArray(b) ? b[0] : b;
      if (!(bref instanceof this.h.Reference)) throw this.fail("ERR_HICKLE_FORMAT", entry, "types-table entry without base_type reference");
      base = this.refTarget(bref.ref_data).split("/").pop()!;
      this.bases.set(entry, base);
    }
    return base;
  }

  private read5(path: string): PyValue {
    const base = this.baseType5(path);
    if (base.startsWith("!ref:")) return this.read(base.slice(5));
    if (base === "dict") {
      const items = this.children(path).map((name): [number, string, PyValue] => {
        const p = `${path}/${name}`;
        const kbt = String(this.attr(p, "key_base_type"));
        const idx = Number(this.attr(p, "key_idx"));
        const value = this.read(p);
        if (kbt === "str") return [idx, name[0] === '"' ? name.slice(1, -1) : (parsePyStrLiteral(name.replace(/\\/g, "/")) ?? name), value];
        if (kbt === "key_value" && value.kind === "tuple" && value.items.length === 2 && value.items[0]!.kind === "str")
          return [idx, value.items[0].value, value.items[1]!];
        throw this.fail("ERR_HICKLE_UNSUPPORTED", p, `dict key of type ${kbt} (only str keys are modelled)`);
      });
      return { kind: "dict", entries: items.sort((a, b) => a[0] - b[0]).map(([, k, v]) => [k, v]) };
    }
    return this.common(path, base);
  }

  private read4(path: string): PyValue {
    const base = String(this.attr(path, "base_type") ?? "");
    if (base === "dict") {
      const items = this.children(path).map((name): [number, string, PyValue] => {
        const p = `${path}/${name}`;
        if (String(this.attr(p, "key_base_type")) !== "str") throw this.fail("ERR_HICKLE_UNSUPPORTED", p, "dict key that is not a str");
        const key = parsePyStrLiteral(name.split("\\\\").join("/"));
        if (key === undefined) throw this.fail("ERR_HICKLE_FORMAT", p, "dict item name is not a str literal");
        return [Number(this.attr(p, "key_idx")), key, this.read(`${p}/data`)];
      });
      return { kind: "dict", entries: items.sort((a, b) => a[0] - b[0]).map(([, k, v]) => [k, v]) };
    }
    return this.common(path, base === "" ? "(none)" : base);
  }

  /** Loaders shared by both layouts. */
  private common(path: string, base: string): PyValue {
    if ((base === "list" || base === "tuple") && this.isGroup(path)) {
      const items = this.children(path).map((name): [number, PyValue] => {
        const p = `${path}/${name}`;
        const idx = this.attr(p, "item_index") ?? /\d+$/.exec(name)?.[0] ?? 0;
        return [Number(idx), this.read(p)];
      });
      return { kind: base, items: items.sort((a, b) => a[0] - b[0]).map(([, v]) => v) };
    }
    if (this.isGroup(path)) throw this.fail("ERR_HICKLE_UNSUPPORTED", path, `group of base type ${base}`);
    const m = this.meta(path);
    const npDtype = () => {
      const d = parseNumpyDtype(String(this.attr(path, "np_dtype") ?? ""));
      if (d === undefined) throw this.fail("ERR_HICKLE_UNSUPPORTED", path, `np_dtype ${String(this.attr(path, "np_dtype"))}`);
      return d;
    };
    switch (base) {
      case "list":
      case "tuple":
        return { kind: base, items: this.listItems(path, m) };
      case "str":
        if (this.attr(path, "str_type") === "bytes") throw this.fail("ERR_HICKLE_UNSUPPORTED", path, "a bytes value");
        return { kind: "str", value: this.string(path, m) };
      case "int":
      case "float":
      case "bool": {
        const [x] = this.numbers(path, m, this.storedDtype(path, m));
        if (base === "int") return int(BigInt(x as number | bigint));
        return base === "float" ? { kind: "float", value: Number(x) } : { kind: "bool", value: Number(x) !== 0 };
      }
      case "None":
        return { kind: "none" };
      case "np_scalar": {
        const d = npDtype();
        const [x] = this.numbers(path, m, d);
        return { kind: "np_scalar", dtype: d, value: d === "bool" ? Number(x) !== 0 : (x as number | bigint) };
      }
      case "ndarray": {
        const dtype = npDtype();
        const shape = m.shape ?? [0];
        const total = shape.reduce((a, b) => a * b, 1);
        if (total > this.lazy) return { kind: "ndarray", dtype, shape, ref: { file: this.abs, dataset: path } };
        return { kind: "ndarray", dtype, shape, data: readArray(this.h, this.buf, this.fid, path, { dtype, shape }, m.size, 0, shape[0] ?? 1) };
      }
      default:
        throw this.fail("ERR_HICKLE_UNSUPPORTED", path, `base type ${base}`);
    }
  }

  /** dtype of a numeric dataset as stored (h5py's bool enum → bool). */
  private storedDtype(path: string, m: Meta): NpDtype {
    if (m.type === H5T.ENUM && m.size === 1) return "bool";
    const kind = m.type === H5T.FLOAT ? "f" : m.type === H5T.INTEGER ? (m.signed ? "i" : "u") : undefined;
    const d = kind && parseNumpyDtype(`<${kind}${m.size}`);
    if (!d) throw this.fail("ERR_HICKLE_UNSUPPORTED", path, `dataset of HDF5 type class ${m.type}, size ${m.size}`);
    return d;
  }

  private numbers(path: string, m: Meta, d: NpDtype): Array<number | bigint> {
    const shape = m.shape ?? [0];
    return Array.from(readArray(this.h, this.buf, this.fid, path, { dtype: d, shape }, m.size, 0, shape[0] ?? 1) as ArrayLike<number | bigint>);
  }

  private string(path: string, m: Meta): string {
    if (m.type !== H5T.STRING) throw this.fail("ERR_HICKLE_FORMAT", path, "str node is not a string dataset");
    if (m.vlen) return String(new this.h.lib.Dataset(this.fid, path).value);
    const bytes = this.raw(path, m);
    if (m.size === 1) return utf8.decode(bytes); // hickle 5: (1, n) array of single bytes, all content
    const n = bytes.indexOf(0); // a fixed-length string: NUL padded
    return utf8.decode(n >= 0 ? bytes.subarray(0, n) : bytes);
  }

  private listItems(path: string, m: Meta): PyValue[] {
    if (!m.shape || m.total_size === 0) return [];
    if (m.type === H5T.STRING) {
      if (m.vlen) return (new this.h.lib.Dataset(this.fid, path).value as string[]).map((value) => ({ kind: "str", value }));
      const bytes = this.raw(path, m);
      return Array.from({ length: m.total_size }, (_, i) => {
        const b = bytes.subarray(i * m.size, (i + 1) * m.size);
        const n = b.indexOf(0);
        return { kind: "str", value: utf8.decode(n >= 0 ? b.subarray(0, n) : b) };
      });
    }
    const d = this.storedDtype(path, m);
    return this.numbers(path, m, d).map((x): PyValue => {
      if (d === "bool") return { kind: "bool", value: Number(x) !== 0 };
      if (d === "int64") return int(BigInt(x));
      if (d === "float64") return { kind: "float", value: Number(x) };
      return { kind: "np_scalar", dtype: d, value: x };
    });
  }
}
