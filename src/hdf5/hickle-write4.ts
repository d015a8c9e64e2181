/**
 * The hickle 4.0.x layout (what PyHipp's pinned hickle==4.0.0 wrote), node by node: every node carries
 * `base_type` (vlen ASCII) and `type` (a fixed-length string holding the pickled Python type; we write the
 * pure-ASCII protocol-0 form, which `pickle.loads`/`dill.loads` accept); a dict is a group of `dict_item`
 * groups named `repr(key)` whose value is their child `data`; a mixed list is a group of `data_0`, `data_1`, ….
 * Loads with hickle 4.0.x and with hickle 5's legacy 4.x path.
 */
import { invalidOption } from "../errors.js";
import { createDataset, createVlenStr, H5T } from "./h5.js";
import { attrs, writeNdArray, writeScalar, type WriteCtx } from "./hickle-nodes.js";
import { pyTypeOf } from "./hickle-write5.js";
import type { PyValue } from "./hickle-types.js";

/** `pickle.dumps(module.name, protocol=0)` without memo marks: `cbuiltins\ndict\n.`. */
export function pickleType0(module: string, name: string): string {
  if (module === "builtins" && name === "NoneType") return "cbuiltins\ntype\n(NtR.";
  return `c${module}\n${name}\n.`;
}

/**
 * Python's `repr(key)` for the keys hickle 4 can store so that both hickle 4.0 and hickle 5 read them back:
 * no '/' or '\\' (4.0 maps '/' to '\\\\', which hickle 5 turns into '//'), no control characters, not both
 * quote kinds (hickle 5 strips the quotes without unescaping).
 * @throws {RangeError} for a key outside that set
 */
export function reprKey4(key: string, name: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\\/\u0000-\u001f\u007f-\u00a0\u00ad]/.test(key) || (key.includes("'") && key.includes('"')))
    throw invalidOption(name, "dict key without '/', '\\', control characters or both quote kinds (hickle4 layout)", key, true);
  return key.includes("'") ? `"${key}"` : `'${key}'`;
}

/**
 * hickle 4.0's rule: a list whose items all have the same exact type among int/float/str is one dataset. String
 * lists are written as a group of str items instead: hickle 4.0 wrote them as a fixed-length byte-string
 * dataset, which hickle 5 under numpy 2 cannot load (`np.array(..., copy=False)`) and which breaks on non-ASCII
 * text in both; the group form loads as the same list everywhere.
 */
function listKind4(items: PyValue[]): "int" | "float" | undefined {
  const k = items[0]?.kind;
  if (k !== "int" && k !== "float") return undefined;
  return items.every((x) => x.kind === k) ? k : undefined;
}

/** Writes one hickle 4.0.x document (`/data`) into an open file. */
export class Dumper4 {
  constructor(private readonly c: WriteCtx) {}

  private tag(path: string, v: PyValue): void {
    const [mod, name, base] = pyTypeOf(v);
    const a = attrs(this.c, path);
    a.str("base_type", base);
    a.fixed("type", pickleType0(mod, name));
  }

  /** Dumps `v` as the node `path` (named `data` or `data_<i>` by its parent). */
  async dump(path: string, v: PyValue): Promise<void> {
    const c = this.c;
    switch (v.kind) {
      case "dict": {
        c.h.M.create_group(c.fid, path, false);
        this.tag(path, v);
        let i = 0;
        for (const [key, value] of v.entries) {
          const item = `${path}/${reprKey4(key, `dict key ${JSON.stringify(key)}`)}`;
          c.h.M.create_group(c.fid, item, false);
          const a = attrs(c, item);
          a.str("base_type", "dict_item");
          a.str("key_base_type", "str");
          a.fixed("key_type", pickleType0("builtins", "str"));
          a.i64("key_idx", i++);
          await this.dump(`${item}/data`, value);
        }
        return;
      }
      case "list":
      case "tuple": {
        const k = listKind4(v.items);
        if (k !== undefined) {
          const big = k === "int";
          const a = big ? new BigInt64Array(v.items.length) : new Float64Array(v.items.length);
          v.items.forEach((x, i) => (a[i] = (big ? BigInt((x as { value: number | bigint }).value) : (x as { value: number }).value) as never));
          createDataset(c.h, c.buf, c.fid, path, { type: big ? H5T.INTEGER : H5T.FLOAT, size: 8, signed: true }, [a.length], new Uint8Array(a.buffer));
        } else {
          c.h.M.create_group(c.fid, path, false);
          this.tag(path, v);
          for (let i = 0; i < v.items.length; i++) await this.dump(`${path}/data_${i}`, v.items[i]!);
          return;
        }
        break;
      }
      case "str":
        createVlenStr(c.h, c.fid, path, v.value);
        break;
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
        createDataset(c.h, c.buf, c.fid, path, { type: H5T.STRING, size: 4, cset: 0 }, [], Buffer.from("None"));
        break;
      case "np_scalar":
        writeScalar(c, path, v.dtype, v.value);
        attrs(c, path).str("np_dtype", v.dtype);
        break;
      case "ndarray":
        await writeNdArray(c, path, v);
        attrs(c, path).str("np_dtype", v.dtype);
        break;
    }
    this.tag(path, v);
  }
}
