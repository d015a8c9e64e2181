/**
 * hickle files from Node (src/hdf5): PyHipp-shaped objects written in both layouts load in Python's hickle as
 * exactly the object PyHipp would save (types, key order, dtypes; same structure as the real PyHipp files); files
 * round-trip through readHickle; readHickle reads real PyHipp files, Python-hickle-5 files and the hickle 4.0.x
 * layout; a 30M-element array is written in slices; failures leave no file behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe as suite, expect, it } from "vitest";
import { RplpipeError } from "../src/errors.js";
import { loadH5 } from "../src/hdf5/h5.js";
import { readHickle, readHickleArray, readHickleWithInfo } from "../src/hdf5/hickle-read.js";
import { npArray, npArrayFill, npArrayStream, npScalar, pyDict, pyFloat, pyInt, pyList, pyTuple, type NdArrayRef, type PyDict, type PyValue } from "../src/hdf5/hickle-types.js";
import { writeHickle, type HickleLayout } from "../src/hdf5/hickle-write.js";
import { channelDir, describe, expectSameDescription, makeTempDir, pyhippObject, realPyhippFile, signal, type PyhippKind } from "./hdf5-hickle-support.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";

const tmp = makeTempDir("hickle");
afterAll(() => tmp.cleanup());
const useRef = haveReference("hickle files checked by Python hickle");
const lengths: Record<PyhippKind, number> = { rplraw: 360000, rpllfp: 12000, rplhighpass: 360000, spiketrain: 0 };

interface CheckResult { keys: string[]; diffs: string[]; value_diffs: string[]; real_diffs: string[] | null; layout_diffs: string[] | null }

suite("PyHipp objects written from Node load in Python hickle as PyHipp's objects", () => {
  for (const layout of ["hickle5", "hickle4"] as const) {
    for (const kind of ["rplraw", "rpllfp", "rplhighpass", "spiketrain"] as const) {
      it.skipIf(!useRef)(`${kind} (${layout})`, async () => {
        const data = signal(lengths[kind], kind === "rpllfp" ? 1000 : 30000, 3);
        const dataFile = join(tmp.dir, `${kind}-${layout}.f32`);
        writeFileSync(dataFile, new Uint8Array(data.buffer));
        const out = join(tmp.dir, `${kind}-${layout}.hkl`);
        const res = await writeHickle(out, pyhippObject(kind, data), { layout });
        expect(res).toMatchObject({ path: out, layout });
        const real = realPyhippFile(kind, `${kind}: structure against the real PyHipp file`);
        const r = runPythonJson<CheckResult>("hickle_pyhipp_check.py", [kind, out, kind === "spiketrain" ? "-" : dataFile, channelDir, real ?? "-", layout, tmp.dir]);
        expect(r.diffs).toEqual([]);
        expect(r.value_diffs).toEqual([]);
        if (real) expect(r.real_diffs).toEqual([]);
        if (layout === "hickle5") expect(r.layout_diffs).toEqual([]);
        // and back: readHickle gives the object we wrote
        expectSameDescription(describe(await readHickle(out)), describe(pyhippObject(kind, data)));
      });
    }
  }
});

/** Every kind, all numpy dtypes, nesting, unicode, extremes. */
function assorted(layout: HickleLayout): PyDict {
  const scalars = (["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"] as const).map(
    (d): [string, PyValue] => [`np_${d}`, npScalar(d, d === "bool" ? true : d === "uint64" ? 2n ** 64n - 1n : d === "int64" ? -(2n ** 63n) : d.startsWith("float") ? 0.5 : 7)],
  );
  return pyDict([
    ["int", pyInt(-(2n ** 62n))], ["float", pyFloat(30000)], ["nan", pyFloat(NaN)], ["bool", true], ["none", null],
    ["str", "é ü 😀 ∑"], ["empty_str", ""], ["spaces", "trailing spaces  "], ["it's", "quote key"], ["ünï", "unicode key"], ["tuple", pyTuple(["x", pyInt(2), null])],
    ["ints", pyList([pyInt(1), pyInt(150)])], ["floats", pyList([pyFloat(0.1), pyFloat(2)])], ["bools", [true, false]], ["strs", ["a", "bc"]],
    ["empty", []], ["nested", [[pyInt(1)], pyDict([["k", [pyFloat(3.5)]]]), []]],
    ["np_list", pyList([npScalar("float32", 1.5), npScalar("float32", -2)])],
    ["f32", npArray(new Float32Array([1.5, -2, 3e30]))], ["i16_2d", npArray(Int16Array.from({ length: 12 }, (_, i) => i - 6), [3, 4])],
    ["u64", npArray(BigUint64Array.of(0n, 2n ** 64n - 1n))], ["b1", npArray(Uint8Array.of(1, 0, 1), [3], "bool")],
    ["zero_d", npArray(Float64Array.of(2.5), [])], ["empty_arr", npArray(new Float64Array(0), [0, 3])],
    ...scalars, ...(layout === "hickle5" ? [["a/b\\c", pyInt(1)] as [string, PyValue]] : []),
  ]);
}

suite("round trip: writeHickle then readHickle", () => {
  for (const layout of ["hickle5", "hickle4"] as const) {
    it(`${layout}: every value comes back with its kind, dtype, shape and order`, async () => {
      const v = assorted(layout);
      const out = join(tmp.dir, `assorted-${layout}.hkl`);
      await writeHickle(out, v, { layout });
      const { value, info } = await readHickleWithInfo(out);
      expect(info.layout).toBe(layout);
      expectSameDescription(describe(value), describe(v));
      const get = (k: string) => (value as PyDict).entries.find(([x]) => x === k)![1];
      expect(get("u64")).toMatchObject({ dtype: "uint64", data: BigUint64Array.of(0n, 2n ** 64n - 1n) });
      expect(get("i16_2d")).toMatchObject({ dtype: "int16", shape: [3, 4] });
      if (useRef) {
        // Python hickle loads it too (warnings are errors) and sees the same object
        expectSameDescription(runPythonJson("hickle_make.py", ["describe", out]), describe(v));
      }
    });
  }

  it("hickle5 stores a mixed numeric list as one dataset of the common dtype, as hickle does", async () => {
    const out = join(tmp.dir, "mixed.hkl");
    await writeHickle(out, pyDict([["m", pyList([pyInt(1), pyFloat(2.5), true])], ["u", pyList([npScalar("uint32", 3), pyInt(4)])]]));
    expect(describe(await readHickle(out))).toEqual(describe(pyDict([["m", pyList([pyFloat(1), pyFloat(2.5), pyFloat(1)])], ["u", pyList([pyInt(3), pyInt(4)])]])));
  });
});

suite("readHickle on files written by Python", () => {
  for (const kind of ["rplraw", "rpllfp", "rplhighpass", "spiketrain"] as const) {
    it.skipIf(!useRef)(`real PyHipp ${kind}`, async () => {
      const real = realPyhippFile(kind, `readHickle on the real ${kind}`);
      if (!real) return;
      const { value, info } = await readHickleWithInfo(real);
      expect(info).toMatchObject({ layout: "hickle5", hickleVersion: "5.0.2" });
      expectSameDescription(describe(value), runPythonJson("hickle_make.py", ["describe", real]));
    });
  }
  it.skipIf(!useRef)("Python hickle 5 file with memo references, '/' keys, promoted lists, all dtypes", async () => {
    const f = join(tmp.dir, "py5.hkl");
    const expected = runPythonJson("hickle_make.py", ["py5", f]);
    expectSameDescription(describe(await readHickle(f)), expected);
  });
  it.skipIf(!useRef)("hickle 4.0.x layout as written under h5py 2.10 (emulated: fixed-length str lists, bool enums, 'data' for one item)", async () => {
    const f = join(tmp.dir, "py4.hkl");
    const expected = runPythonJson("hickle_make.py", ["py4", f]);
    const { value, info } = await readHickleWithInfo(f);
    expect(info.layout).toBe("hickle4");
    expectSameDescription(describe(value), expected);
  });
  it("lazy arrays: a reference read later by rows, and copied slab by slab into a new file", async () => {
    const src = join(tmp.dir, "lazy-src.hkl");
    const data = signal(50000, 30000, 9);
    await writeHickle(src, pyDict([["data", npArray(data)], ["small", npArray(Int16Array.of(1, 2))]]));
    const v = (await readHickle(src, { lazyArrayElements: 1000 })) as PyDict;
    const ref = v.entries[0]![1] as NdArrayRef;
    expect(ref).toMatchObject({ kind: "ndarray", dtype: "float32", shape: [50000], ref: { file: src } });
    expect("data" in v.entries[1]![1]).toBe(true);
    expect(await readHickleArray(ref, 100, 110)).toEqual(data.subarray(100, 110));
    const copy = join(tmp.dir, "lazy-copy.hkl");
    await writeHickle(copy, pyDict([["data", ref]]), { chunkElements: 4096 });
    const copied = ((await readHickle(copy)) as PyDict).entries[0]![1] as { data: Float32Array };
    expect(Buffer.from(copied.data.buffer).equals(Buffer.from(data.buffer))).toBe(true);
  });
});

suite("large arrays are written in slices", () => {
  it.skipIf(!useRef)("30M float32 (a channel-quarter-hour) from a fill callback loads in Python; RSS and wasm heap stay small", async () => {
    const n = 30_000_000;
    const value = (i: number) => Math.fround(Math.sin(i * 1e-3) * 100 + (i % 7));
    let sum = 0;
    let peakRss = 0;
    const rss0 = process.memoryUsage().rss;
    const arr = npArrayFill("float32", [n], (start, out) => {
      for (let i = 0; i < out.length; i++) sum += (out[i] = value(start + i)) as number;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    });
    const out = join(tmp.dir, "big.hkl");
    const t0 = performance.now();
    const res = await writeHickle(out, pyDict([["data", arr], ["numSets", pyInt(1)]]), { chunkElements: 1 << 21 });
    const seconds = (performance.now() - t0) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const heap = (await loadH5()).M.HEAPU8.byteLength;
    const r = runPythonJson<{ dtype: string; shape: number[]; sum: number; first: number; last: number; load_seconds: number }>("hickle_big_check.py", [out, "data"]);
    expect(r).toMatchObject({ dtype: "float32", shape: [n], first: value(0), last: value(n - 1) });
    expect(Math.abs(r.sum - sum)).toBeLessThan(1e-6 * Math.abs(sum));
    expect(res.bytes).toBeGreaterThan(n * 4);
    process.stdout.write(
      `[hdf5] 30M float32: write ${seconds.toFixed(2)} s (${((n * 4) / 2 ** 20 / seconds).toFixed(0)} MiB/s incl. generating), ` +
        `RSS ${(rss0 / 2 ** 20).toFixed(0)} → peak ${(peakRss / 2 ** 20).toFixed(0)} MiB, wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB, ` +
        `Python hickle.load ${r.load_seconds.toFixed(2)} s\n`,
    );
    expect(heap).toBeLessThan(256 * 2 ** 20);
    // the same samples from memory: the write alone
    const mem = new Float32Array(n);
    for (let i = 0; i < n; i++) mem[i] = value(i);
    const t1 = performance.now();
    await writeHickle(join(tmp.dir, "big-mem.hkl"), pyDict([["data", npArray(mem)]]));
    const s1 = (performance.now() - t1) / 1000;
    process.stdout.write(`[hdf5] 30M float32 from memory: write ${s1.toFixed(2)} s (${((n * 4) / 2 ** 20 / s1).toFixed(0)} MiB/s), RSS after ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (array itself 114 MiB)\n`);
  });

  it("streamed pieces of any length, in-memory data and 2-D arrays give the same chunked dataset", async () => {
    const data = signal(3_000_000, 30000, 5);
    const pieces = function* () {
      for (let s = 0; s < data.length; s += 777_777) yield data.slice(s, s + 777_777);
    };
    const out = join(tmp.dir, "stream.hkl");
    const twoD = Int16Array.from({ length: 600_000 }, (_, i) => (i * 7) % 30000);
    await writeHickle(out, pyDict([["s", npArrayStream("float32", [data.length], pieces())], ["m", npArray(data)], ["d2", npArray(twoD, [200_000, 3])]]), { chunkElements: 1 << 20 });
    const v = (await readHickle(out)) as PyDict;
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const got = v.entries.map(([, x]) => bytes((x as { data: ArrayBufferView }).data));
    expect(got.map((b, i) => b.equals(bytes([data, data, twoD][i]!)))).toEqual([true, true, true]);
    expect(v.entries[2]![1]).toMatchObject({ dtype: "int16", shape: [200_000, 3] });
  });
});

suite("failures leave no file", () => {
  const leftovers = (dir: string, base: string) => readdirSync(dir).filter((f) => f.startsWith(base));

  it("an unwritable directory gives RplpipeError ERR_WRITE naming the path", async () => {
    const dir = process.getuid?.() === 0 ? "/sys" : join(tmp.dir, "ro");
    if (dir !== "/sys") {
      const { mkdirSync, chmodSync } = await import("node:fs");
      mkdirSync(dir);
      chmodSync(dir, 0o555);
    }
    const target = join(dir, "rplraw_d41d.hkl");
    const err = await writeHickle(target, pyDict([["x", pyInt(1)]])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RplpipeError);
    expect(err).toMatchObject({ code: "ERR_WRITE" });
    expect((err as Error).message).toContain(target);
    expect(existsSync(target)).toBe(false);
    expect(leftovers(dir, "rplraw_d41d.hkl")).toEqual([]);
    const missing = await writeHickle(join(tmp.dir, "no", "such", "dir.hkl"), pyDict([])).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "ERR_WRITE" });
  });

  it("an error thrown mid-stream leaves no file, and an existing file untouched", async () => {
    const target = join(tmp.dir, "midstream.hkl");
    writeFileSync(target, "previous content");
    const boom = new Error("source failed");
    const chunks = function* () {
      yield new Float32Array(1 << 20);
      yield new Float32Array(1 << 20);
      throw boom;
    };
    const err = await writeHickle(target, pyDict([["data", npArrayStream("float32", [4 << 20], chunks())]]), { chunkElements: 1 << 20 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_WRITE", cause: boom });
    expect(readFileSync(target, "utf8")).toBe("previous content");
    expect(leftovers(tmp.dir, "midstream.hkl.tmp")).toEqual([]);
    const short = await writeHickle(join(tmp.dir, "short.hkl"), pyDict([["d", npArrayStream("int16", [10], [new Int16Array(9)])]])).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(RangeError);
    const wrong = await writeHickle(join(tmp.dir, "wrong.hkl"), pyDict([["d", npArrayStream("int16", [10], [new Float32Array(10)])]])).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(TypeError);
    expect(leftovers(tmp.dir, "short.hkl").concat(leftovers(tmp.dir, "wrong.hkl"))).toEqual([]);
  });

  it("bad values and options are refused before anything is created", async () => {
    const p = join(tmp.dir, "bad.hkl");
    expect(() => pyDict({ n: 3 as never })).toThrow(/pyInt\(\) or pyFloat\(\)/);
    await expect(writeHickle(p, pyDict([["x", npScalar("uint32", -1)]]))).rejects.toThrow(RangeError);
    await expect(writeHickle(p, pyDict([["x", pyInt(2n ** 63n)]]))).rejects.toThrow(/between/);
    await expect(writeHickle(p, pyDict([["x", npArray(new Float32Array(3), [2])]]))).rejects.toThrow(/2 elements/);
    await expect(writeHickle(p, { kind: "dict", entries: [["a", pyInt(1)], ["a", pyInt(2)]] })).rejects.toThrow(/duplicate key/);
    await expect(writeHickle(p, pyDict([["a\0b", pyInt(1)]]))).rejects.toThrow(/NUL/);
    await expect(writeHickle(p, pyDict([]), { layout: "hickle3" as never })).rejects.toThrow(RangeError);
    await expect(writeHickle(p, pyDict([]), { chunkSize: 5 } as never)).rejects.toThrow(/Unknown option/);
    await expect(writeHickle(p, pyDict([["a/b", pyInt(1)]]), { layout: "hickle4" })).rejects.toThrow(/hickle4 layout/);
    expect(existsSync(p)).toBe(false);
  });

  it("readHickle: missing file, non-HDF5 file, HDF5 file that is not hickle", async () => {
    await expect(readHickle(join(tmp.dir, "nope.hkl"))).rejects.toMatchObject({ code: "ERR_FILE_OPEN" });
    const junk = join(tmp.dir, "junk.hkl");
    writeFileSync(junk, "not hdf5 at all");
    await expect(readHickle(junk)).rejects.toMatchObject({ code: "ERR_FILE_OPEN" });
    const { lib } = await loadH5();
    const plain = join(tmp.dir, "plain.h5");
    const f = new lib.File(plain, "w");
    f.create_dataset({ name: "x", data: new Float32Array(3) });
    f.close();
    await expect(readHickle(plain)).rejects.toMatchObject({ code: "ERR_HICKLE_FORMAT" });
  });
});
