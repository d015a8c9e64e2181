/**
 * releasePages (src/memory.ts, native common/release_pages.cc): the whole pages inside a typed array's bytes
 * are given back and read as zeros; the partial pages at either end keep their bytes; the array stays usable.
 */
import { describe, expect, it } from "vitest";
import { releasePages } from "../src/memory.js";

const kPage = 4096; // x86-64 Linux

describe("releasePages", () => {
  it("zeroes exactly the whole pages inside the view and returns their bytes", () => {
    const buffer = new ArrayBuffer(64 * kPage);
    const all = new Uint8Array(buffer).fill(7);
    // A view that starts and ends inside pages: 100 bytes into page 1 up to 200 bytes into page 40.
    const start = kPage + 100;
    const end = 40 * kPage + 200;
    const view = new Uint8Array(buffer, start, end - start);
    const released = releasePages(view);
    // The buffer's own address is not page-aligned (allocator header), so find the zeroed run and check it is
    // the whole pages inside the view: one run, a multiple of the page size, less than a page from each end.
    const zero: number[] = [];
    all.forEach((v, i) => v === 0 && zero.push(i));
    expect(zero.length).toBe(released);
    expect(released % kPage).toBe(0);
    expect(released).toBeGreaterThanOrEqual(end - start - 2 * kPage + 2);
    const first = zero[0]!;
    const last = zero[zero.length - 1]!;
    expect(last - first + 1).toBe(released); // contiguous
    expect(first).toBeGreaterThanOrEqual(start);
    expect(first - start).toBeLessThan(kPage);
    expect(last).toBeLessThan(end);
    expect(end - 1 - last).toBeLessThan(kPage);
    expect(all.filter((v) => v !== 0 && v !== 7).length).toBe(0);
    // Still usable: writes land and read back.
    view.fill(3);
    expect(all[first]).toBe(3);
    expect(all[start - 1]).toBe(7);
    expect(all[end]).toBe(7);
  });

  it("works on float arrays and views smaller than a page (nothing to release)", () => {
    const x = new Float32Array(1000).fill(1.5);
    expect(releasePages(x.subarray(10, 20))).toBe(0);
    expect(x[15]).toBe(1.5);
    const big = new Float32Array(1 << 20).fill(2.5);
    expect(releasePages(big)).toBeGreaterThanOrEqual(big.byteLength - 2 * kPage);
    expect(big[big.length >> 1]).toBe(0);
  });

  it("rejects what is not a typed array", () => {
    expect(() => releasePages(new DataView(new ArrayBuffer(8)))).toThrow(TypeError);
    expect(() => releasePages([1, 2, 3] as unknown as Float32Array)).toThrow(/typed array/);
  });
});
