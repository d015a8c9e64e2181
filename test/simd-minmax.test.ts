import { describe, expect, it } from "vitest";
import { minMaxF32, setSimdLevel, simdInfo } from "../src/index.js";

/** The JS loop the native kernel replaced (objects.ts), as the oracle. */
function jsMinMax(x: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

describe("minMaxF32", () => {
  const levels = (["scalar", "avx2", "avx512"] as const).filter((l) => l === "scalar" || l === simdInfo().detected || (l === "avx2" && simdInfo().detected === "avx512"));

  it(`equals a JS loop on every level (${levels.join(", ")}), every length and alignment, NaN skipped`, () => {
    const x = new Float32Array(5000);
    let s = 7;
    for (let i = 0; i < x.length; i++) x[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 1e4;
    x[17] = NaN;
    x[4001] = NaN;
    try {
      for (const level of levels) {
        setSimdLevel(level);
        for (const [a, b] of [[0, 5000], [1, 4999], [3, 40], [17, 18], [0, 33], [5, 5]] as const) {
          const v = x.subarray(a, b);
          expect(minMaxF32(v), `${level} [${a}, ${b})`).toEqual(jsMinMax(v));
        }
        // The extremes at the very ends, where the vector loop hands over to the scalar tail.
        const e = x.slice(0, 67);
        e[0] = -1e9;
        e[66] = 1e9;
        expect(minMaxF32(e)).toEqual([-1e9, 1e9]);
      }
    } finally {
      setSimdLevel("auto");
    }
  });

  it("gives [Infinity, -Infinity] when nothing is left and refuses other arrays", () => {
    expect(minMaxF32(new Float32Array(0))).toEqual([Infinity, -Infinity]);
    expect(minMaxF32(Float32Array.of(NaN, NaN))).toEqual([Infinity, -Infinity]);
    expect(() => minMaxF32(new Float64Array(3) as never)).toThrow(TypeError);
  });
});
