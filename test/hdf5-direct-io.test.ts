/**
 * O_DIRECT output writes (src/hdf5/direct-io.ts): the bulk of a hickle file bypasses the page cache, the
 * unaligned ends of each HDF5 chunk go through it afterwards, and the file is the same as a buffered one to
 * readHickle and to Python's hickle; buffered writes go in 128 KiB pieces and give the same bytes. Also: the switch (option and RPLPIPE_DIRECT_IO=0), the native binding's
 * argument checks, and failures mid-file leaving nothing behind.
 */
import { closeSync, constants, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { directIoStats, kBufferedPiece } from "../src/hdf5/direct-io.js";
import { readHickle } from "../src/hdf5/hickle-read.js";
import { npArray, npArrayStream, pyDict, pyInt, type PyDict } from "../src/hdf5/hickle-types.js";
import { writeHickle } from "../src/hdf5/hickle-write.js";
import { binding } from "../src/native/load.js";
import { makeTempDir, signal } from "./hdf5-hickle-support.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";

const tmp = makeTempDir("direct-io");
afterAll(() => tmp.cleanup());
const useRef = haveReference("O_DIRECT-written hickle files checked by Python hickle");

/** Does this directory's file system take O_DIRECT? (Where it does not, the writer falls back on its own.) */
function directSupported(dir: string): boolean {
  const p = join(dir, "probe-o-direct");
  writeFileSync(p, "");
  try {
    closeSync(openSync(p, constants.O_WRONLY | constants.O_DIRECT));
    return true;
  } catch {
    return false;
  }
}

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("direct writes", () => {
  // 100003-element chunks (400012 bytes): every chunk starts at an offset that is not a multiple of 4 KiB, so
  // each write is split into a kept head, a direct middle and a kept tail.
  const n = 3_000_017;
  const data = signal(n, 30000, 7);
  const small = Int16Array.from({ length: 1000 }, (_, i) => i - 500);
  const doc = () => pyDict([["data", npArray(data)], ["small", npArray(small)], ["numSets", pyInt(1)]]);

  it("write the bulk with O_DIRECT, and the file reads back exactly (readHickle)", async () => {
    expect(directSupported(tmp.dir), `${tmp.dir} must take O_DIRECT for this test (ext4/xfs do)`).toBe(true);
    const before = directIoStats();
    const out = join(tmp.dir, "direct.hkl");
    await writeHickle(out, doc(), { chunkElements: 100003 });
    const after = directIoStats();
    expect(after.files).toBe(before.files + 1);
    // all but the kept ends of ~30 chunks (< 8 KiB each) went direct
    expect(after.directBytes - before.directBytes).toBeGreaterThan(n * 4 - 31 * 8192);
    expect(after.keptBytes - before.keptBytes).toBeGreaterThan(0);
    const v = (await readHickle(out)) as PyDict;
    expect(v.entries.map(([k]) => k)).toEqual(["data", "small", "numSets"]);
    expect(bytesOf((v.entries[0]![1] as { data: Float32Array }).data).equals(bytesOf(data))).toBe(true);
    expect(bytesOf((v.entries[1]![1] as { data: Int16Array }).data).equals(bytesOf(small))).toBe(true);
  });

  it("give the same data as buffered writes, and Python's hickle loads it", async () => {
    const before = directIoStats();
    const buffered = join(tmp.dir, "buffered.hkl");
    await writeHickle(buffered, doc(), { chunkElements: 100003, direct: false });
    const after = directIoStats();
    expect({ ...after, pieces: 0 }).toEqual({ ...before, pieces: 0 }); // nothing direct
    // Each of its 30 chunks of 400 KB went through the page cache in kBufferedPiece (128 KiB) pieces.
    expect(after.pieces - before.pieces).toBeGreaterThanOrEqual(30);
    expect(kBufferedPiece).toBe(128 * 1024);
    const direct = join(tmp.dir, "direct2.hkl");
    await writeHickle(direct, doc(), { chunkElements: 100003 });
    expect(statSync(direct).size).toBe(statSync(buffered).size);
    const a = (await readHickle(direct)) as PyDict;
    const b = (await readHickle(buffered)) as PyDict;
    expect(bytesOf((a.entries[0]![1] as { data: Float32Array }).data).equals(bytesOf((b.entries[0]![1] as { data: Float32Array }).data))).toBe(true);
    if (useRef) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += data[i]!;
      const r = runPythonJson<{ dtype: string; shape: number[]; sum: number; first: number; last: number; keys: string[] }>("hickle_big_check.py", [direct, "data"]);
      expect(r).toMatchObject({ dtype: "float32", shape: [n], first: data[0], last: data[n - 1], keys: ["data", "small", "numSets"] });
      expect(Math.abs(r.sum - sum)).toBeLessThan(1e-6 * Math.abs(sum) + 1e-3);
    }
  });

  it("are off with RPLPIPE_DIRECT_IO=0", async () => {
    const before = directIoStats();
    process.env.RPLPIPE_DIRECT_IO = "0";
    try {
      await writeHickle(join(tmp.dir, "off.hkl"), doc(), { chunkElements: 100003 });
    } finally {
      delete process.env.RPLPIPE_DIRECT_IO;
    }
    const after = directIoStats();
    expect({ ...after, pieces: 0 }).toEqual({ ...before, pieces: 0 });
    expect(after.pieces - before.pieces).toBeGreaterThanOrEqual(30);
  });

  it("that fail mid-file leave no file, and the next file is written", async () => {
    const target = join(tmp.dir, "midstream.hkl");
    writeFileSync(target, "previous content");
    const boom = new Error("source failed");
    const chunks = function* () {
      yield new Float32Array(1 << 20).fill(1);
      yield new Float32Array(1 << 20).fill(2);
      throw boom;
    };
    const before = directIoStats();
    const err = await writeHickle(target, pyDict([["data", npArrayStream("float32", [4 << 20], chunks())]]), { chunkElements: 1 << 20 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_WRITE", cause: boom });
    expect(directIoStats().directBytes).toBeGreaterThan(before.directBytes); // the first chunks did go direct
    expect(readFileSync(target, "utf8")).toBe("previous content");
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith("midstream.hkl.tmp"))).toEqual([]);
    const next = join(tmp.dir, "after-failure.hkl");
    await writeHickle(next, doc(), { chunkElements: 100003 });
    const v = (await readHickle(next)) as PyDict;
    expect(bytesOf((v.entries[0]![1] as { data: Float32Array }).data).equals(bytesOf(data))).toBe(true);
  });
});

describe("the native binding", () => {
  it("refuses misaligned offsets and lengths and ranges outside the source", () => {
    const src = new Uint8Array(8192);
    expect(() => binding().directWrite(-1, src, 0, 4096, 100, false)).toThrow(/multiples of 4096/);
    expect(() => binding().directWrite(-1, src, 0, 1000, 0, false)).toThrow(/multiples of 4096/);
    expect(() => binding().directWrite(-1, src, 4096, 8192, 0, false)).toThrow(/outside the array/);
  });

  it("reports a failing write with its offset and the system's reason", async () => {
    const src = new Uint8Array(4096);
    expect(() => binding().directWrite(-1, src, 0, 4096, 0, false)).toThrow(/at offset 0 failed: Bad file descriptor/);
    await expect(binding().directWrite(-1, src, 0, 4096, 8192, true)).rejects.toThrow(/at offset 8192 failed: Bad file descriptor/);
    expect(() => binding().directWait(-1)).toThrow(/Bad file descriptor/); // the async write's error, once
    expect(() => binding().directWait(-1)).not.toThrow();
  });
});

describe("the pipeline", () => {
  it("writes the same files with O_DIRECT (default) and with --buffered-io", async () => {
    const { writeSyntheticDay } = await import("../src/synth/day.js");
    const { runPipeline } = await import("../src/pipeline/run.js");
    const runs: Record<string, Map<string, Buffer>> = {};
    for (const mode of ["direct", "buffered"] as const) {
      const day = join(tmp.dir, mode, "picasso", "20181105");
      writeSyntheticDay(day, { seconds: 12, arrays: 1, channelsPerArray: 2, seed: 4 });
      const s = await runPipeline(day, { sessions: ["session01"], stages: ["split", "lfp", "highpass"], workers: 2, directIo: mode === "direct" });
      expect(s.failures).toEqual([]);
      expect(s.written).toMatchObject({ split: 2, lfp: 2, highpass: 2 });
      const files = new Map<string, Buffer>();
      const sdir = join(day, "session01");
      for (const a of readdirSync(sdir).filter((f) => f.startsWith("array")))
        for (const c of readdirSync(join(sdir, a)))
          for (const f of readdirSync(join(sdir, a, c))) {
            expect(f).toMatch(/^rpl(raw|lfp|highpass)_[0-9a-f]{4}\.hkl$/); // no temporary file left
            const v = (await readHickle(join(sdir, a, c, f))) as PyDict;
            files.set(`${a}/${c}/${f}`, bytesOf((v.entries.find(([k]) => k === "data")![1] as { data: Float32Array }).data));
          }
      runs[mode] = files;
    }
    expect([...runs.direct!.keys()].sort()).toEqual([...runs.buffered!.keys()].sort());
    expect(runs.direct!.size).toBe(6);
    for (const [k, v] of runs.direct!) expect(v.equals(runs.buffered!.get(k)!), k).toBe(true);
  }, 120_000);

  it("refuses a non-boolean directIo", async () => {
    const { runPipeline } = await import("../src/pipeline/run.js");
    await expect(runPipeline(tmp.dir, { directIo: "yes" as never })).rejects.toThrow(/directIo/);
  });
});
