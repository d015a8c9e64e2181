/**
 * Arrays that live in the thread's h5wasm heap (a pipeline worker's channel buffers) are written from there
 * without the copy into a heap buffer (pinHeapArrays), and stay correct when the heap grows between the call
 * and the write (which detaches every view on it). Also ChannelBuffers: in the heap when it fits, fresh views
 * after a growth, ordinary arrays otherwise.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadH5 } from "../src/hdf5/h5.js";
import { heapWriteStats } from "../src/hdf5/hickle-nodes.js";
import { readHickle } from "../src/hdf5/hickle-read.js";
import { npArray, pyDict, type PyValue } from "../src/hdf5/hickle-types.js";
import { beginWriteHickle } from "../src/hdf5/hickle-write.js";
import { ChannelBuffers } from "../src/pipeline/channel-buffers.js";

const dir = mkdtempSync(join(tmpdir(), "rplpipe-heap-write-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function arrayOf(v: PyValue, key: string): Float32Array {
  if (v.kind !== "dict") throw new Error("expected a dict");
  const a = v.entries.find(([k]) => k === key)?.[1];
  if (a?.kind !== "ndarray" || !("data" in a) || !(a.data instanceof Float32Array)) throw new Error(`no float32 ${key}`);
  return a.data;
}

describe("writing arrays that live in the wasm heap", () => {
  it("writes heap arrays from the heap as contiguous datasets, also after the heap grew and detached their views", async () => {
    const h = await loadH5();
    const n = 3_000_000; // above chunkElements (1 Mi): a copied array this size would be chunked
    const small = 1000;
    const p = h.M._malloc((n + small) * 4);
    expect(p).toBeGreaterThan(0);
    const big = new Float32Array(h.M.HEAPU8.buffer, p, n);
    const little = new Float32Array(h.M.HEAPU8.buffer, p + n * 4, small);
    for (let i = 0; i < n; i++) big[i] = Math.sin(i * 0.001) * 100 + (i % 7);
    for (let i = 0; i < small; i++) little[i] = -i * 0.5;
    const expectBig = big.slice();
    const expectLittle = little.slice();
    const before = heapWriteStats();
    const path = join(dir, "heap.hkl");
    const writing = beginWriteHickle(path, pyDict([["big", npArray(big)], ["little", npArray(little)]]), { direct: false });
    // Grow the heap before the write runs: every view on it is detached now, the addresses are not.
    const grow = h.M._malloc(256 << 20);
    expect(grow).toBeGreaterThan(0);
    expect(big.length).toBe(0); // detached: the growth did happen
    await (await writing).commit();
    h.M._free(grow);
    h.M._free(p);
    const after = heapWriteStats();
    expect(after.arrays - before.arrays).toBe(2);
    expect(after.bytes - before.bytes).toBe((n + small) * 4);
    // Contiguous, as h5py lays arrays out (a chunked dataset would put every new chunk through HDF5's cache).
    const f = new h.lib.File(path, "r");
    try {
      expect((f.get('data/"big"') as { metadata: { chunks: unknown } }).metadata.chunks).toBeNull();
    } finally {
      f.close();
    }
    const back = await readHickle(path);
    expect(Buffer.compare(Buffer.from(arrayOf(back, "big").buffer), Buffer.from(expectBig.buffer))).toBe(0);
    expect(Array.from(arrayOf(back, "little"))).toEqual(Array.from(expectLittle));
  });

  it("copies arrays that are not in the heap, as before (chunked above chunkElements)", async () => {
    const before = heapWriteStats();
    const x = Float32Array.from({ length: 2_500_000 }, (_, i) => i % 1000);
    const path = join(dir, "js.hkl");
    await (await beginWriteHickle(path, pyDict([["x", npArray(x)]]), { direct: false })).commit();
    expect(heapWriteStats()).toEqual(before);
    const h = await loadH5();
    const f = new h.lib.File(path, "r");
    try {
      expect((f.get('data/"x"') as { metadata: { chunks: unknown } }).metadata.chunks).not.toBeNull();
    } finally {
      f.close();
    }
    expect(Array.from(arrayOf(await readHickle(path), "x").subarray(0, 2001))).toEqual(Array.from(x.subarray(0, 2001)));
  });
});

describe("ChannelBuffers", () => {
  it("puts the buffers in the heap: separate, spread over cache lines, fresh views after a growth, released", async () => {
    const h = await loadH5();
    const b = ChannelBuffers.allocate(3, 100_000, h);
    expect(b.inHeap).toBe(true);
    const v = b.views();
    v.forEach((x, c) => x.fill(c + 1));
    expect(v.map((x) => x.byteOffset % 4096)).toEqual([0, 64, 128]);
    for (let c = 0; c + 1 < 3; c++) expect(v[c]!.byteOffset + v[c]!.byteLength).toBeLessThanOrEqual(v[c + 1]!.byteOffset);
    const grow = h.M._malloc(256 << 20);
    expect(v[0]!.length).toBe(0); // the old view is detached
    expect(b.view(2)[99_999]).toBe(3); // a fresh one sees the samples
    expect(b.view(0)[0]).toBe(1);
    h.M._free(grow);
    expect(() => b.view(3)).toThrow(RangeError);
    const last = b.view(1);
    b.release();
    expect(last[50_000]).toBe(0); // whole pages given back read as zeros
  });

  it("uses ordinary arrays without h5wasm or past 1 GiB", async () => {
    const h = await loadH5();
    expect(ChannelBuffers.allocate(2, 1000, undefined).inHeap).toBe(false);
    const big = ChannelBuffers.allocate(2, 140_000_000, h); // 1.12 GB: untouched, so no memory is faulted in
    expect(big.inHeap).toBe(false);
    expect(big.view(1).length).toBe(140_000_000);
  });
});
