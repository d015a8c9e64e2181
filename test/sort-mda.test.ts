/**
 * MDA files as MountainLab writes and reads them: every dtype code, column-major order, int64 dims; our
 * reader on numpy-written files, numpy's reader on ours, and the error cases.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kMdaDtypes, mdaHeaderBytes, readMda, readMdaHeader, toCOrder, writeMda, writeMdaStream, type MdaArray } from "../src/sort/mda.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";

const dir = mkdtempSync(join(tmpdir(), "rplpipe-mda-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kCtor = { uint8: Uint8Array, float32: Float32Array, int16: Int16Array, int32: Int32Array, uint16: Uint16Array, float64: Float64Array, uint32: Uint32Array };

describe("MDA format", () => {
  it("header bytes: int32 code, entry size, ndims, dims (mdaio)", () => {
    expect([...new Int32Array(mdaHeaderBytes("float32", [1, 5]).buffer.slice(0))]).toEqual([-3, 4, 2, 1, 5]);
    expect([...new Int32Array(mdaHeaderBytes("float64", [3, 7]).buffer.slice(0))]).toEqual([-7, 8, 2, 3, 7]);
    const big = mdaHeaderBytes("uint8", [1, 3e9]);
    expect(big.readInt32LE(8)).toBe(-2);
    expect(Number(big.readBigInt64LE(20))).toBe(3e9);
  });

  it("reads every dtype numpy writes in mountainlab's layout, and int64 dims", () => {
    if (!haveReference("MDA vs numpy")) return;
    const ref = runPythonJson<Record<string, { dims: number[]; data: number[] }>>("sort_mda_ref.py", ["write", dir]);
    for (const dt of kMdaDtypes) {
      const a = readMda(join(dir, `${dt}.mda`));
      expect(a.dtype).toBe(dt);
      expect(a.dims).toEqual(ref[dt]!.dims);
      expect(a.data).toBeInstanceOf(kCtor[dt]);
      expect(Array.from(a.data)).toEqual(ref[dt]!.data);
    }
    const b = readMda(join(dir, "int64dims.mda"));
    expect(readMdaHeader(join(dir, "int64dims.mda")).headerBytes).toBe(12 + 2 * 8);
    expect(b.dims).toEqual([2, 3]);
    expect(Array.from(b.data)).toEqual(ref.int64dims!.data);
  });

  it("what we write, numpy reads back (dtype, dims, column-major values, C-order view)", async () => {
    if (!haveReference("MDA vs numpy")) return;
    const files: string[] = [];
    const arrays: MdaArray[] = [];
    for (const dt of kMdaDtypes) {
      const data = new kCtor[dt](24);
      for (let i = 0; i < 24; i++) data[i] = dt.startsWith("float") ? i / 7 - 1 : i * 3;
      const a = { dtype: dt, dims: [2, 3, 4], data } as MdaArray;
      const p = join(dir, `ours-${dt}.mda`);
      expect(await writeMda(p, a)).toBe(12 + 12 + 24 * data.BYTES_PER_ELEMENT);
      files.push(p);
      arrays.push(a);
    }
    const got = runPythonJson<Record<string, { dtype: string; dims: number[]; data: number[]; corder: number[] }>>("sort_mda_ref.py", ["read", ...files]);
    files.forEach((p, i) => {
      const a = arrays[i]!;
      expect(got[p]!.dtype).toBe(a.dtype);
      expect(got[p]!.dims).toEqual([2, 3, 4]);
      expect(got[p]!.data).toEqual(Array.from(a.data));
      expect(got[p]!.corder).toEqual(Array.from(toCOrder(a.data, a.dims)));
    });
  });

  it("streams pieces and refuses a wrong element count without leaving a file", async () => {
    const p = join(dir, "stream.mda");
    await writeMdaStream(p, "float32", [1, 6], [Float32Array.of(1, 2), Float32Array.of(3, 4, 5, 6)]);
    expect(Array.from(readMda(p).data)).toEqual([1, 2, 3, 4, 5, 6]);
    const q = join(dir, "short.mda");
    await expect(writeMdaStream(q, "float32", [1, 6], [Float32Array.of(1, 2)])).rejects.toThrow(RangeError);
    await expect(writeMdaStream(q, "float32", [1, 2], [Float64Array.of(1, 2)])).rejects.toThrow(TypeError);
    expect(() => readFileSync(q)).toThrow();
  });

  it("rejects damaged files with ERR_MDA_FORMAT and missing ones with ERR_FILE_OPEN", () => {
    const bad = (name: string, ints: number[], extra = 0) => {
      const p = join(dir, name);
      writeFileSync(p, Buffer.concat([Buffer.from(new Int32Array(ints).buffer), Buffer.alloc(extra)]));
      return p;
    };
    expect(() => readMda(bad("code.mda", [-1, 8, 2, 1, 1], 8))).toThrow(expect.objectContaining({ code: "ERR_MDA_FORMAT" }));
    expect(() => readMda(bad("size.mda", [-3, 8, 2, 1, 1], 8))).toThrow(/bytes per entry/);
    expect(() => readMda(bad("ndims.mda", [-3, 4, 0]))).toThrow(/dimensions/);
    expect(() => readMda(bad("trunc.mda", [-3, 4, 2, 1, 10], 8))).toThrow(/2 of 10 elements/);
    expect(() => readMda(join(dir, "none.mda"))).toThrow(expect.objectContaining({ code: "ERR_FILE_OPEN" }));
  });

  it("toCOrder is numpy's C-order of a Fortran-order array", () => {
    const f = Float32Array.from({ length: 6 }, (_, i) => i); // dims [2,3]: column-major 0..5
    expect(Array.from(toCOrder(f, [2, 3]))).toEqual([0, 2, 4, 1, 3, 5]);
    expect(Array.from(toCOrder(f, [1, 6]))).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
