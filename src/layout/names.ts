/**
 * PyHipp's file and directory names: the DataProcessingTools argument hash in object file names
 * (`rpllfp_6eca.hkl`), the argsList → args rule, and the array/channel/cell directory names RPLSplit and
 * export_mountain_cells create. Rules and the table of names: docs/layout.md, spec/pyhipp.md §2.1–2.2, §3.2.
 */
import { createHash } from "node:crypto";
import { invalidOption } from "../errors.js";
import { checkInteger, checkString, isPlainObject } from "../validate.js";
import { pyStr, type PyValue } from "./pyvalue.js";

/** An object's args in insertion order, as DPT's `self.args` dict. */
export type PyArgs = readonly (readonly [string, PyValue])[];

/** One argsList entry: a bare name (positional) or `[name, default]` (keyword). */
export type ArgSpec = string | readonly [string, PyValue];

function utf8(text: string, name: string): Buffer {
  // Python's str.encode('utf-8') raises on a lone surrogate; Node would silently write U+FFFD.
  if (/\p{Cs}/u.test(text)) throw invalidOption(name, "text without lone surrogates (Python cannot encode it)", text, true);
  return Buffer.from(text, "utf8");
}

/**
 * DPT's `hashalt()`: md5 over `str(k)` then `str(v)` (UTF-8) of every arg in order, first 4 hex digits.
 * `[]` gives `d41d` (md5 of nothing).
 * @example pyhippHash([["HighOrder", 8], ["HighPassFrequency", [500, 7500]]]) // "b59f"
 * @throws {TypeError} when `args` is not an array of [name, value] pairs or a value has no Python counterpart.
 * @throws {RangeError} when a name or rendered value holds a lone surrogate.
 */
export function pyhippHash(args: PyArgs): string {
  if (!Array.isArray(args)) throw invalidOption("args", "an array of [name, value] pairs", args);
  const md5 = createHash("md5");
  args.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string")
      throw invalidOption(`args[${i}]`, "a [name, value] pair with a string name", pair);
    md5.update(utf8(pair[0], `args[${i}][0]`));
    md5.update(utf8(pyStr(pair[1], `args[${i}][1]`), `args[${i}][1]`));
  });
  return md5.digest("hex").slice(0, 4);
}

/** Python's `os.path.splitext` (POSIX): leading dots of the base name do not start an extension. */
export function pySplitext(p: string): [string, string] {
  const sep = p.lastIndexOf("/");
  const dot = p.lastIndexOf(".");
  if (dot > sep) {
    for (let i = sep + 1; i < dot; i++) if (p[i] !== ".") return [p.slice(0, dot), p.slice(dot)];
  }
  return [p, ""];
}

/**
 * DPT's `get_filename()`: `filename.replace(ext, "_<hash><ext>")`. Like Python's str.replace it replaces
 * **every** occurrence of the extension (`"a.hkl.hkl"` → `"a_xxxx.hkl_xxxx.hkl"`); a name without extension
 * gets the text inserted between all characters. Both reproduced; PyHipp's names never hit them.
 * @example objectFileName("rpllfp.hkl", [["ResampleRate", 1000], ["LFPOrder", 8], ["LowPassFrequency", [1, 150]]]) // "rpllfp_6eca.hkl"
 * @throws {TypeError|RangeError} as {@link pyhippHash}, or for an empty filename.
 */
export function objectFileName(filename: string, args: PyArgs): string {
  checkString("filename", filename);
  const ext = pySplitext(filename)[1];
  return filename.replaceAll(ext, `_${pyhippHash(args)}${ext}`);
}

/**
 * DPObject's args rule (spec §2.1): bare names take the positional values in order, remaining bare names
 * are taken from `kwargs` if present; then every `[name, default]` entry takes `kwargs[name] ?? default`.
 * Re-assigning a name keeps its first position (Python dict). Extra kwargs are ignored.
 * @throws {TypeError} for a malformed argsList or kwargs that is not a plain object.
 */
export function buildArgs(argsList: readonly ArgSpec[], positional: readonly PyValue[] = [], kwargs: Record<string, PyValue> = {}): [string, PyValue][] {
  if (!Array.isArray(argsList)) throw invalidOption("argsList", "an array", argsList);
  if (!Array.isArray(positional)) throw invalidOption("positional", "an array", positional);
  if (!isPlainObject(kwargs)) throw invalidOption("kwargs", "a plain object", kwargs);
  const args = new Map<string, PyValue>();
  const bare: string[] = [];
  const keyed: (readonly [string, PyValue])[] = [];
  argsList.forEach((a, i) => {
    if (typeof a === "string") bare.push(a);
    else if (Array.isArray(a) && a.length === 2 && typeof a[0] === "string") keyed.push(a as unknown as readonly [string, PyValue]);
    else throw invalidOption(`argsList[${i}]`, "a name or a [name, default] pair", a);
  });
  const left = [...bare];
  bare.slice(0, positional.length).forEach((k, i) => {
    args.set(k, positional[i]!);
    left.splice(left.indexOf(k), 1);
  });
  for (const k of left) if (Object.hasOwn(kwargs, k)) args.set(k, kwargs[k]!);
  for (const [k, d] of keyed) args.set(k, Object.hasOwn(kwargs, k) ? kwargs[k]! : d);
  return [...args];
}

/** A PyHipp object class: its file name, level and argsList (PH `PyHipp/*.py`). */
export interface PyhippObjectSpec {
  filename: string;
  level: "session" | "channel" | "cell";
  argsList: readonly ArgSpec[];
}

/** The objects of the pipeline (spec §3). */
export const PYHIPP_OBJECTS = Object.freeze({
  rplparallel: { filename: "rplparallel.hkl", level: "session", argsList: [] },
  rplsplit: {
    filename: "rplsplit.hkl",
    level: "session",
    argsList: [["channel", Array.from({ length: 124 }, (_, i) => i + 1)], ["SkipHPC", true], ["SkipLFP", true],
      ["SkipHighPass", true], ["SkipSort", true], ["SkipParallel", true]],
  },
  rplraw: { filename: "rplraw.hkl", level: "channel", argsList: [] },
  rpllfp: { filename: "rpllfp.hkl", level: "channel", argsList: [["ResampleRate", 1000], ["LFPOrder", 8], ["LowPassFrequency", [1, 150]]] },
  rplhighpass: { filename: "rplhighpass.hkl", level: "channel", argsList: [["HighOrder", 8], ["HighPassFrequency", [500, 7500]]] },
  spiketrain: { filename: "spiketrain.hkl", level: "cell", argsList: [] },
} satisfies Record<string, PyhippObjectSpec>);

export type PyhippObjectName = keyof typeof PYHIPP_OBJECTS;

/**
 * The hkl file a PyHipp object called with `kwargs` saves to (`pyhippFileName("rpllfp")` → `rpllfp_6eca.hkl`,
 * `pyhippFileName("rpllfp", { ResampleRate: 500 })` → another hash).
 * @throws {RangeError} for an unknown object name. {@link objectFileName}'s errors.
 */
export function pyhippFileName(object: PyhippObjectName, kwargs: Record<string, PyValue> = {}): string {
  if (!Object.hasOwn(PYHIPP_OBJECTS, object))
    throw invalidOption("object", `one of ${Object.keys(PYHIPP_OBJECTS).join(", ")}`, object, typeof object === "string");
  const spec: PyhippObjectSpec = PYHIPP_OBJECTS[object];
  return objectFileName(spec.filename, buildArgs(spec.argsList, [], kwargs));
}

/**
 * RPLSplit's channel directory, `"channel{:03d}"`: `channelDirName(9)` → `"channel009"`, 1000 → `"channel1000"`.
 * @throws {TypeError|RangeError} unless `electrode` is an integer in [0, 2^31).
 */
export function channelDirName(electrode: number): string {
  return `channel${String(checkInteger("electrode", electrode, 0, 2 ** 31 - 1)).padStart(3, "0")}`;
}

/**
 * RPLSplit's array directory, `"array{:02d}".format(connector_ID + 1)`: connector 0 → `"array01"`.
 * @throws {TypeError|RangeError} unless `connector` is an integer in [0, 255] (NSx/NEV store a uint8).
 */
export function arrayDirName(connector: number): string {
  return `array${String(checkInteger("connector", connector, 0, 255) + 1).padStart(2, "0")}`;
}

/**
 * export_mountain_cells' cell directory for the `n`-th unit (1-based): `cell01`…`cell09`, `cell10`, ….
 * @throws {TypeError|RangeError} unless `n` is an integer ≥ 1.
 */
export function cellDirName(n: number): string {
  checkInteger("n", n, 1, Number.MAX_SAFE_INTEGER);
  return n < 10 ? `cell0${n}` : `cell${n}`;
}
