/**
 * A small model of the Python values PyHipp puts in an object's `args`, and Python's `str()` / `repr()` of
 * them — the text DataProcessingTools hashes into file names (docs/layout.md, spec/pyhipp.md §2.2).
 *
 * JavaScript has one number type, Python two. A plain JS `number` is read as a Python **int** when
 * `Number.isInteger(x)`, otherwise as a **float** (0.1, NaN, ±Infinity). For an integer-valued float
 * (`1000.0`) wrap it: `pyFloat(1000)`. `bigint` and {@link PyInt} are ints of any size.
 */
import { invalidOption } from "../errors.js";

/** A Python float: `pyStr(pyFloat(1000))` is `"1000.0"`. */
export class PyFloat {
  constructor(readonly value: number) {}
}
/** A Python int of any size. */
export class PyInt {
  readonly value: bigint;
  constructor(value: bigint | number) {
    this.value = typeof value === "bigint" ? value : BigInt(value);
  }
}
/** A Python tuple: `(1, 2)`, `(1,)`, `()`. */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}
/** A Python dict in insertion order: `{'a': 1}`. */
export class PyDict {
  constructor(readonly entries: readonly (readonly [PyValue, PyValue])[]) {}
}
/** Text rendered verbatim by both str() and repr(), for values this model lacks: `pyLiteral("range(1, 33)")`. */
export class PyLiteral {
  constructor(readonly text: string) {}
}

/** A Python value; lists are JS arrays, `None` is `null`, `True`/`False` are booleans. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyInt
  | PyFloat
  | PyTuple
  | PyDict
  | PyLiteral
  | readonly PyValue[];

export const pyFloat = (x: number): PyFloat => new PyFloat(x);
export const pyInt = (x: bigint | number): PyInt => new PyInt(x);
export const pyTuple = (...items: PyValue[]): PyTuple => new PyTuple(items);
export const pyDict = (entries: readonly (readonly [PyValue, PyValue])[]): PyDict => new PyDict(entries);
export const pyLiteral = (text: string): PyLiteral => new PyLiteral(text);

/**
 * Python's `repr(float)` (= `str(float)` since Python 3.2): the shortest digits that round-trip (JS finds
 * the same digits), in fixed notation when 1e-4 <= |x| < 1e16, else `d.ddde±XX` with at least two exponent
 * digits; integer values get `.0`. `1000.0`, `0.1`, `1e-05`, `1.5e-07`, `1e+16`, `inf`, `-0.0`, `nan`.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant, exp] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const decpt = Number(exp) + 1; // value = 0.<digits> × 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const e = decpt - 1;
    const tail = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${tail}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** Python's `str.isprintable()` for one code point outside ASCII: not Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs. */
const kNonPrintable = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** Python's `repr(str)`: single quotes unless the text has `'` and no `"`; escapes as CPython's unicode_repr. */
export function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c < 0x7f || !kNonPrintable.test(ch)) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += `\\U${c.toString(16).padStart(8, "0")}`;
  }
  return out + quote;
}

function render(v: PyValue, name: string, asRepr: boolean): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v);
  if (typeof v === "string") return asRepr ? pyStringRepr(v) : v;
  if (v instanceof PyInt) return v.value.toString();
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (v instanceof PyLiteral) return v.text;
  if (v instanceof PyTuple) {
    const items = v.items.map((x, i) => render(x, `${name}[${i}]`, true));
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  if (v instanceof PyDict) {
    const items = v.entries.map(([k, x], i) => `${render(k, `${name} key ${i}`, true)}: ${render(x, `${name}[${i}]`, true)}`);
    return `{${items.join(", ")}}`;
  }
  if (Array.isArray(v)) return `[${v.map((x: PyValue, i) => render(x, `${name}[${i}]`, true)).join(", ")}]`;
  throw invalidOption(name, "a Python value (null, boolean, number, bigint, string, array, PyFloat, PyInt, PyTuple, PyDict, PyLiteral)", v);
}

/**
 * Python's `str(value)`: strings as they are, containers with `repr()` of their items
 * (`['a', 1, 0.5, True]`).
 * @throws {TypeError} for a JS value with no Python counterpart (undefined, a plain object, a function).
 */
export function pyStr(value: PyValue, name = "value"): string {
  return render(value, name, false);
}

/**
 * Python's `repr(value)` (strings quoted and escaped).
 * @throws {TypeError} as {@link pyStr}.
 */
export function pyRepr(value: PyValue, name = "value"): string {
  return render(value, name, true);
}
