/**
 * Runs of 8 consecutive channels (the pipeline workers' groups) take their own vector kernels (16 rows per
 * block, at the AVX2 and AVX-512 levels): at every start column, alone or mixed with 32/16-wide runs and
 * scattered channels, for sample counts that are no multiple of 8, across row tiles and for PTP packet strides,
 * every level gives the written samples bit for bit, and scaled output equal to neo's float32 roundings.
 */
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openNsx } from "../src/io/nsx.js";
import { writeNsx } from "../src/io/nsx-writer.js";
import { setSimdLevel, simdInfo } from "../src/simd.js";
import type { SimdLevelName } from "../src/native/binding.js";
import { makeTempDir, neoScale, samples, sameBytes, syntheticSpec } from "./nsx-support.js";

const tmp = makeTempDir("simd8");
afterAll(() => tmp.cleanup());
afterEach(() => void setSimdLevel("auto"));

const order: SimdLevelName[] = ["scalar", "avx2", "avx512"];
const levels = order.slice(0, order.indexOf(simdInfo().detected) + 1);
const range = (a: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + i);

function selections(nch: number): number[][] {
  const out: number[][] = [];
  for (let o = 0; o + 8 <= nch; o++) out.push(range(o, 8)); // one group at every start column (3-10, ...)
  for (let o = 0; o + 16 <= nch; o += 8) out.push([...range(o, 8), ...range(nch - 8, 8)]); // two groups
  out.push(
    range(0, 24), // 16 + 8 (AVX2), 16 + 8 (AVX-512)
    range(1, 25), // 16 + 8 + 1
    range(3, 40), // 32 + 8 (AVX-512), 16 + 16 + 8 (AVX2)
    [...range(3, 8), nch - 1, ...range(1, 9), 0], // groups, a single, a duplicate channel
    range(2, Math.min(nch - 2, 15)), // 8 + scalar remainder
  );
  return out.filter((s) => s.every((c) => c < nch));
}

describe("8-channel groups", () => {
  it(`levels ${levels.join(", ")} give the written samples bit for bit (detected: ${simdInfo().detected})`, () => {
    if (levels.length < 2) process.stderr.write("\n!!! only the scalar kernel can run on this CPU\n");
    let reads = 0;
    for (const nch of [8, 13, 32, 45]) {
      for (const ptp of [false, true]) {
        const n = ptp ? 2011 : 3001; // several 64 KiB row tiles (of 848 rows at PTP stride 13 + 64)
        const ids = range(1, nch);
        const path = join(tmp.dir, `g${nch}-${ptp}.ns5`);
        writeNsx(path, syntheticSpec("3.0", { ids, counts: [n], ptp }));
        const written = ids.map((_, c) => samples(n, c));
        const f = openNsx(path);
        const hc = f.header.channels;
        for (const channels of selections(nch)) {
          const addOffset = channels.some((c) => hc[c]!.offset !== 0);
          for (const [start, count] of [[0, n], [3, 7], [5, 8], [1, 1003], [7, 33], [0, 2000]] as const) {
            for (const level of levels) {
              expect(setSimdLevel(level)).toBe(level);
              const raw = f.readRaw({ channels, start, count });
              const scaled = f.readScaled({ channels, start, count });
              channels.forEach((c, k) => {
                const want = written[c]!.subarray(start, start + count);
                const what = `${level} nch=${nch} ptp=${ptp} ch=${c} of [${channels.join(",")}] ${start}+${count}`;
                expect(sameBytes(raw[k], want), `raw ${what}`).toBe(true);
                const wantF = Float32Array.from(want, (r) => neoScale(r, hc[c]!.gain, hc[c]!.offset, addOffset));
                expect(sameBytes(scaled[k], wantF), `scaled ${what}`).toBe(true);
              });
              reads++;
            }
          }
        }
        f.close();
      }
    }
    expect(reads).toBeGreaterThan(1000);
  });
});
