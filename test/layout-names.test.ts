/**
 * PyHipp file names: the DPT hashalt table (spec/pyhipp.md §2.2), Python str()/repr() of arg values and the
 * hashes of non-default args, cross-checked against Python itself (test/python/pyhipp_names_ref.py), plus
 * buildArgs, splitext, the directory names and every argument error.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  arrayDirName, buildArgs, cellDirName, channelDirName, objectFileName, pySplitext, pyhippFileName, pyhippHash, type PyArgs,
} from "../src/layout/names.js";
import {
  PyDict, PyFloat, PyInt, PyLiteral, PyTuple, pyDict, pyFloat, pyFloatRepr, pyInt, pyLiteral, pyRepr, pyStr, pyTuple, type PyValue,
} from "../src/layout/pyvalue.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";

const tmp = mkdtempSync(join(tmpdir(), "rplpipe-layout-names-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const hexOf = (x: number) => { const b = Buffer.alloc(8); b.writeDoubleBE(x); return b.toString("hex"); };

type Tagged = { t: string; v?: unknown };
function tag(v: PyValue): Tagged {
  if (v === null) return { t: "none" };
  if (typeof v === "boolean") return { t: "bool", v };
  if (typeof v === "string") return { t: "str", v };
  if (typeof v === "bigint") return { t: "int", v: v.toString() };
  if (typeof v === "number") return Number.isInteger(v) ? { t: "int", v: BigInt(v).toString() } : { t: "float", v: hexOf(v) };
  if (v instanceof PyInt) return { t: "int", v: v.value.toString() };
  if (v instanceof PyFloat) return { t: "float", v: hexOf(v.value) };
  if (v instanceof PyTuple) return { t: "tuple", v: v.items.map(tag) };
  if (v instanceof PyDict) return { t: "dict", v: v.entries.map(([k, x]) => [tag(k), tag(x)]) };
  if (v instanceof PyLiteral) throw new Error("no Python counterpart for a literal");
  return { t: "list", v: (v as readonly PyValue[]).map(tag) };
}

interface NamesOut { hash: { hash: string; text: string }[]; str: string[]; repr: string[] }
function python(job: { hash?: PyArgs[]; str?: PyValue[]; repr?: PyValue[] }): NamesOut {
  const file = join(tmp, `job-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({
    hash: (job.hash ?? []).map((a) => a.map(([k, v]) => [k, tag(v)])), str: (job.str ?? []).map(tag), repr: (job.repr ?? []).map(tag),
  }));
  return runPythonJson<NamesOut>("pyhipp_names_ref.py", [file]);
}

const kSplitDefaults: PyArgs = [["channel", range(1, 125)], ["SkipHPC", true], ["SkipLFP", true], ["SkipHighPass", true], ["SkipSort", true], ["SkipParallel", true]];

describe("the spec's table of names", () => {
  it.each([
    ["rplraw", "rplraw_d41d.hkl"], ["rplparallel", "rplparallel_d41d.hkl"], ["spiketrain", "spiketrain_d41d.hkl"],
    ["rpllfp", "rpllfp_6eca.hkl"], ["rplhighpass", "rplhighpass_b59f.hkl"], ["rplsplit", "rplsplit_4905.hkl"],
  ] as const)("%s with default args → %s", (obj, name) => expect(pyhippFileName(obj)).toBe(name));

  it("explicit args lists give the same names; DPT's MyObj bins=[0.1, 0.2, 0.3] → myobj_3475.hkl", () => {
    expect(pyhippHash([])).toBe("d41d");
    expect(objectFileName("rpllfp.hkl", [["ResampleRate", 1000], ["LFPOrder", 8], ["LowPassFrequency", [1, 150]]])).toBe("rpllfp_6eca.hkl");
    expect(objectFileName("rplhighpass.hkl", [["HighOrder", 8], ["HighPassFrequency", [500, 7500]]])).toBe("rplhighpass_b59f.hkl");
    expect(objectFileName("rplsplit.hkl", kSplitDefaults)).toBe("rplsplit_4905.hkl");
    expect(objectFileName("myobj.hkl", [["bins", [0.1, 0.2, 0.3]]])).toBe("myobj_3475.hkl");
  });

  it("int vs float matters: ResampleRate 1000 and 1000.0 hash differently", () => {
    expect(pyhippFileName("rpllfp", { ResampleRate: pyFloat(1000) })).not.toBe("rpllfp_6eca.hkl");
    expect(pyhippFileName("rpllfp", { ResampleRate: pyInt(1000) })).toBe("rpllfp_6eca.hkl");
    expect(pyhippFileName("rpllfp", { ResampleRate: 1000n })).toBe("rpllfp_6eca.hkl");
  });
});

const kNonDefault: PyArgs[] = [
  [["ResampleRate", 1000], ["LFPOrder", 8], ["LowPassFrequency", [1, 300]]],
  [["ResampleRate", 500], ["LFPOrder", 8], ["LowPassFrequency", [1, 150]]],
  [["ResampleRate", 1000], ["LFPOrder", 6], ["LowPassFrequency", [pyFloat(0.5), pyFloat(150)]]],
  [["HighOrder", 6], ["HighPassFrequency", [500, 7500]]],
  [["HighOrder", 8], ["HighPassFrequency", [300, 6000]]],
  [["HighOrder", pyFloat(8)], ["HighPassFrequency", [pyFloat(500), 7500.5]]],
  [["HighOrder", 8], ["HighPassFrequency", "500,7500"]],
  [["channel", range(1, 33)], ["SkipHPC", false], ["SkipLFP", false], ["SkipHighPass", true], ["SkipSort", true], ["SkipParallel", true]],
  [["channel", [9, 31, 34, 56, 72, 93, 119, 120]], ["SkipHPC", true], ["SkipLFP", true], ["SkipHighPass", true], ["SkipSort", true], ["SkipParallel", true]],
  [["threshold", 1e-5], ["tiny", 1.5e-7], ["big", pyFloat(1e16)], ["huge", 1e300], ["neg", -0.001], ["inf", Infinity], ["ninf", -Infinity]],
  [["none", null], ["tuple", pyTuple(1)], ["pair", pyTuple(1, pyFloat(2))], ["empty", pyTuple()], ["dict", pyDict([["a", 1], ["b", [true, null]]])]],
  [["names", ["raw 1", "it's", 'say "hi"', "both ' and \"", "tab\there", "é", "\u2028", "😀", "\x7f\x85\xa0"]]],
  [["big", 2n ** 70n], ["negbig", pyInt(-(2n ** 64n))], ["nested", [[1, 2], [pyFloat(3), [0.25]]]]],
  [["ünïcödé key", "välue"], ["", ""]],
];

describe("against Python (hashlib.md5 over str())", () => {
  it("hashes of non-default args and odd values match Python", () => {
    if (!haveReference("layout-names hash")) return;
    const out = python({ hash: kNonDefault });
    kNonDefault.forEach((args, i) => expect(pyhippHash(args), JSON.stringify(out.hash[i])).toBe(out.hash[i]!.hash));
    const names = new Set(kNonDefault.map(pyhippHash));
    expect(names.size).toBe(kNonDefault.length);
  });

  it("pyStr and pyRepr render every value as Python does", () => {
    if (!haveReference("layout-names str/repr")) return;
    const values: PyValue[] = [
      0, -7, 2n ** 100n, true, false, null, "plain", "", "it's", 'a"b', "'\"", "back\\slash", "\x00\x01\x1f\n\r\t",
      "\u00ad\u200b\ufeff\u0378\ue000\u{10ffff}\ud800x\udc00", "\u3000 \u00a0", "日本語", [], [1, 150], ["a", ["b", pyTuple("c")]],
      pyTuple(), pyTuple(0.5), pyDict([]), pyDict([[1, "x"], [pyTuple(1, 2), [null]]]), pyFloat(-0), pyFloat(1000),
    ];
    const out = python({ str: values, repr: values });
    values.forEach((v, i) => {
      expect(pyStr(v), `str #${i}`).toBe(out.str[i]);
      expect(pyRepr(v), `repr #${i}`).toBe(out.repr[i]);
    });
  });

  it("pyFloatRepr equals Python's repr(float) on special, boundary and 4000 random doubles", () => {
    if (!haveReference("layout-names float repr")) return;
    const xs = [0.1, 0.2, 0.3, 1000, 1e-4, 9.999999999999999e-5, 1e-5, 1.5e-7, 1e15, 1e16, 9999999999999998, 1e17, 1e21, 1e22,
      123456789012345680000, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1 + 0.2, 1 / 3, -2.5, 100.5, 1e100, 1e-100,
      2 ** 53, 2 ** 53 + 2, 0.000123, 12345.678];
    let s = 0x9e3779b9;
    const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
    const buf = Buffer.alloc(8);
    while (xs.length < 2000) {
      buf.writeUInt32BE(Math.floor(rnd() * 2 ** 32), 0);
      buf.writeUInt32BE(Math.floor(rnd() * 2 ** 32), 4);
      const x = buf.readDoubleBE(0);
      if (Number.isFinite(x)) xs.push(x);
    }
    while (xs.length < 4000) xs.push(Number((rnd() * 10 ** Math.floor(rnd() * 40 - 20)).toPrecision(1 + Math.floor(rnd() * 17))));
    const floats = xs.map(pyFloat);
    const out = python({ repr: floats });
    const bad = xs.filter((x, i) => pyFloatRepr(x) !== out.repr[i]);
    expect(bad).toEqual([]);
  });
});

describe("pyFloatRepr / pyStr without Python", () => {
  it("documented examples", () => {
    expect([1000, 0.1, 1e-5, 1e16, 1.5e-7, Infinity, -Infinity, NaN, -0, 1e-4, 1e15].map(pyFloatRepr))
      .toEqual(["1000.0", "0.1", "1e-05", "1e+16", "1.5e-07", "inf", "-inf", "nan", "-0.0", "0.0001", "1000000000000000.0"]);
    expect(pyStr([1, 150])).toBe("[1, 150]");
    expect(pyStr([pyFloat(1), 0.5, true, null, "x"])).toBe("[1.0, 0.5, True, None, 'x']");
    expect(pyStr(pyLiteral("range(1, 33)"))).toBe("range(1, 33)");
    expect(pyStr(-0)).toBe("0");
  });

  it("refuses JS values with no Python counterpart", () => {
    expect(() => pyStr(undefined as unknown as PyValue)).toThrow(TypeError);
    expect(() => pyStr([{ a: 1 }] as unknown as PyValue)).toThrow(/for value\[0\]/);
    expect(() => pyhippHash([["x", (() => 1) as unknown as PyValue]])).toThrow(/args\[0\]\[1\]/);
  });
});

describe("buildArgs (DPObject argsList → args)", () => {
  it("positional, then remaining bare names from kwargs, then keyword entries with defaults", () => {
    const list = ["a", "b", "c", ["k", 1], ["m", [1, 2]]] as const;
    expect(buildArgs(list, [10], { c: 3, k: 5, extra: 9 })).toEqual([["a", 10], ["c", 3], ["k", 5], ["m", [1, 2]]]);
    expect(buildArgs(list)).toEqual([["k", 1], ["m", [1, 2]]]);
    expect(buildArgs(["a", ["a", 7]], [1])).toEqual([["a", 7]]); // re-assigned key keeps its first place
  });

  it("pyhippFileName forwards kwargs; unknown kwargs are ignored like DPT's saveLevel", () => {
    expect(pyhippFileName("rplhighpass", { saveLevel: 1 })).toBe("rplhighpass_b59f.hkl");
    expect(pyhippFileName("rplsplit", { channel: range(1, 125) })).toBe("rplsplit_4905.hkl");
    expect(pyhippFileName("rpllfp", { LowPassFrequency: [1, 300] })).toBe(objectFileName("rpllfp.hkl",
      [["ResampleRate", 1000], ["LFPOrder", 8], ["LowPassFrequency", [1, 300]]]));
  });

  it("errors", () => {
    expect(() => buildArgs("a" as never)).toThrow(TypeError);
    expect(() => buildArgs([["a"]] as never)).toThrow(/argsList\[0\]/);
    expect(() => buildArgs([], [], [] as never)).toThrow(/kwargs/);
    expect(() => pyhippFileName("rplnothing" as never)).toThrow(RangeError);
    expect(() => pyhippHash("x" as never)).toThrow(TypeError);
    expect(() => pyhippHash([["a", 1, 2]] as never)).toThrow(/args\[0\]/);
    expect(() => pyhippHash([["\ud800", 1]])).toThrow(RangeError);
    expect(() => objectFileName("", [])).toThrow(TypeError);
  });
});

describe("splitext, file-name quirks and directory names", () => {
  it("pySplitext follows posixpath", () => {
    expect(pySplitext("rpllfp.hkl")).toEqual(["rpllfp", ".hkl"]);
    expect(pySplitext(".hkl")).toEqual([".hkl", ""]);
    expect(pySplitext("..a.b")).toEqual(["..a", ".b"]);
    expect(pySplitext("dir.x/file")).toEqual(["dir.x/file", ""]);
    expect(pySplitext("a.tar.gz")).toEqual(["a.tar", ".gz"]);
  });

  it("str.replace semantics: every occurrence of the extension; no extension inserts everywhere", () => {
    expect(objectFileName("a.hkl.hkl", [])).toBe("a_d41d.hkl_d41d.hkl");
    expect(objectFileName("ab", [])).toBe("_d41da_d41db_d41d");
  });

  it("channel, array and cell directories", () => {
    expect([channelDirName(9), channelDirName(0), channelDirName(124), channelDirName(1000)]).toEqual(["channel009", "channel000", "channel124", "channel1000"]);
    expect([arrayDirName(0), arrayDirName(3), arrayDirName(99)]).toEqual(["array01", "array04", "array100"]);
    expect([cellDirName(1), cellDirName(9), cellDirName(10), cellDirName(123)]).toEqual(["cell01", "cell09", "cell10", "cell123"]);
    expect(() => channelDirName(-1)).toThrow(RangeError);
    expect(() => channelDirName(1.5)).toThrow(RangeError);
    expect(() => arrayDirName(256)).toThrow(RangeError);
    expect(() => arrayDirName("1" as never)).toThrow(TypeError);
    expect(() => cellDirName(0)).toThrow(RangeError);
  });
});
