/** Small seeded random generators, so synthetic recordings are identical for a given seed on every machine. */

/** mulberry32: 32-bit state, uniform in [0, 1). */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates by Box–Muller on a seeded uniform source. */
export function normal(seed: number): () => number {
  const u = uniform(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let r = 0;
    let v = 0;
    while (r === 0 || r >= 1) {
      v = 2 * u() - 1;
      const w = 2 * u() - 1;
      r = v * v + w * w;
      spare = w;
    }
    const f = Math.sqrt((-2 * Math.log(r)) / r);
    spare = (spare as number) * f;
    return v * f;
  };
}
