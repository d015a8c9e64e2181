/**
 * The de-interleaving kernels: scalar, AVX2 and AVX-512 paths (forced with setSimdLevel) give bit-identical
 * raw and scaled output for channel counts 1..256, contiguous and scattered channel selections, odd sample
 * counts and PTP packet strides; and a > 4 GiB (sparse) file reads correctly past 2^32 bytes.
 */
import { closeSync, openSync, ftruncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openNsx } from "../src/io/nsx.js";
import { writeNsx } from "../src/io/nsx-writer.js";
import { setSimdLevel, simdInfo } from "../src/simd.js";
import type { SimdLevelName } from "../src/native/binding.js";
import { makeTempDir, sameBytes, syntheticSpec } from "./nsx-support.js";

const tmp = makeTempDir("simd");
afterAll(() => tmp.cleanup());
afterEach(() => void setSimdLevel("auto"));

const order: SimdLevelName[] = ["scalar", "avx2", "avx512"];
const levels = order.slice(0, order.indexOf(simdInfo().detected) + 1);

function selections(nch: number): number[][] {
  const all = Array.from({ length: nch }, (_, i) => i);
  const out = [all, all.slice(1), all.slice().reverse(), [nch - 1], all.filter((i) => i % 3 !== 1)];
  if (nch > 40) out.push(all.slice(7, 7 + 33), [...all.slice(0, 16), ...all.slice(0, 16), nch - 1, ...all.slice(20, 52)]);
  return out;
}

describe("de-interleave kernels agree bit for bit", () => {
  it(`levels ${levels.join(", ")} (detected: ${simdInfo().detected})`, () => {
    if (levels.length < 2) process.stderr.write("\n!!! only the scalar kernel can run on this CPU\n");
    let files = 0;
    for (const nch of [1, 2, 3, 8, 15, 16, 17, 31, 32, 33, 64, 65, 96, 129, 256]) {
      for (const ptp of [false, true]) {
        const ids = Array.from({ length: nch }, (_, i) => i + 1);
        const path = join(tmp.dir, `k${nch}-${ptp}.ns5`);
        writeNsx(path, syntheticSpec("3.0", { ids, counts: [ptp ? 389 : 1003], ptp }));
        files++;
        const f = openNsx(path);
        for (const channels of selections(nch)) {
          for (const [start, count] of [[0, undefined], [5, 7], [13, 250]] as const) {
            const opts = { channels, start, ...(count === undefined ? {} : { count }) };
            const results = levels.map((level) => {
              setSimdLevel(level);
              return { raw: f.readRaw(opts), scaled: f.readScaled(opts) };
            });
            for (const [i, r] of results.entries()) {
              r.raw.forEach((a, k) => expect(sameBytes(a, results[0]!.raw[k]), `${levels[i]} raw ${nch} ch`).toBe(true));
              r.scaled.forEach((a, k) => expect(sameBytes(a, results[0]!.scaled[k]), `${levels[i]} scaled ${nch} ch`).toBe(true));
            }
          }
        }
        f.close();
      }
    }
    expect(files).toBe(30);
  });
});

describe("64-bit offsets", () => {
  it("reads samples beyond byte 2^32 of a (sparse) 4.8 GB file", () => {
    const path = join(tmp.dir, "big.ns5");
    // A 2.3 file with 2 channels and one block of 1.2e9 samples: data ends at ~4.8 GB.
    writeNsx(path, syntheticSpec("2.3", { ids: [1, 2], counts: [0] }));
    const n = 1_200_000_000;
    const dataOffset = 314 + 2 * 66 + 9;
    const fd = openSync(path, "r+");
    const count = Buffer.alloc(4);
    count.writeUInt32LE(n);
    writeSync(fd, count, 0, 4, dataOffset - 4);
    ftruncateSync(fd, dataOffset + 4 * n);
    const tail = Buffer.alloc(8);
    [11, -22, 33, -44].forEach((v, i) => tail.writeInt16LE(v, 2 * i));
    writeSync(fd, tail, 0, 8, dataOffset + 4 * (n - 2)); // the last two samples
    closeSync(fd);
    const f = openNsx(path);
    expect(f.header.fileSize).toBe(dataOffset + 4 * n);
    expect(f.header.segments[0]!.sampleCount).toBe(n);
    const [a, b] = f.readRaw({ start: n - 3, count: 3 });
    expect(Array.from(a!)).toEqual([0, 11, 33]);
    expect(Array.from(b!)).toEqual([0, -22, -44]);
    const [s] = f.readScaled({ channels: [1], start: n - 1 });
    expect(s![0]).toBe(Math.fround(-44 * f.header.channels[1]!.gain + 0));
    f.close();
  });
});
