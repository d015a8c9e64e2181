/**
 * PyHipp's own filter form, kept for users who must reproduce old files to the last digit:
 * `scipy.signal.filtfilt(b, a, x, padtype='odd', padlen)` on transfer-function coefficients, in float64.
 * Not the default: a (b, a) Butterworth of 1–150 Hz at 30 kHz has a pole outside the unit circle after
 * rounding and blows up (docs/filters.md). Plain TS: it exists for compatibility, not speed.
 *
 * Difference equation (direct form II transposed, scipy's lfilter):
 *   y[n] = b0 x[n] + z0[n-1];   z_k[n] = b_{k+1} x[n] + z_{k+1}[n-1] - a_{k+1} y[n]
 */

/** Transfer function (b, a) of a cascade of second-order sections (rows [b0 b1 b2 1 a1 a2]), a[0] = 1. */
export function sosToBa(sos: Float64Array): { b: Float64Array; a: Float64Array } {
  let b: Float64Array = Float64Array.of(1);
  let a: Float64Array = Float64Array.of(1);
  const mul = (p: Float64Array, q: ArrayLike<number>): Float64Array => {
    const r = new Float64Array(p.length + q.length - 1);
    for (let i = 0; i < p.length; i++) for (let j = 0; j < q.length; j++) r[i + j]! += p[i]! * q[j]!;
    return r;
  };
  for (let s = 0; s < sos.length / 6; s++) {
    b = mul(b, sos.subarray(6 * s, 6 * s + 3));
    a = mul(a, sos.subarray(6 * s + 3, 6 * s + 6));
  }
  return { b, a };
}

/** scipy.signal.lfilter_zi: the steady state for a unit step, solving (I - A^T) zi = b[1:] - a[1:] b[0]. */
export function lfilterZi(b: Float64Array, a: Float64Array): Float64Array {
  const n = Math.max(a.length, b.length) - 1;
  // M = I - companion(a).T ; companion(a) first row = -a[1:], subdiagonal ones.
  const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < n; i++) {
    m[i]![0]! += a[i + 1] ?? 0; // -(companion.T)[i][0] = +a[i+1]
    if (i + 1 < n) m[i]![i + 1]! -= 1; // companion.T[i][i+1] = 1
  }
  const rhs = Array.from({ length: n }, (_, i) => (b[i + 1] ?? 0) - (a[i + 1] ?? 0) * b[0]!);
  // Gaussian elimination with partial pivoting (n is at most a few dozen).
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    [rhs[c], rhs[p]] = [rhs[p]!, rhs[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k < n; k++) m[r]![k]! -= f * m[c]![k]!;
      rhs[r]! -= f * rhs[c]!;
    }
  }
  const zi = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = rhs[r]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * zi[k]!;
    zi[r] = s / m[r]![r]!;
  }
  return zi;
}

/** lfilter over x (in place on a float64 copy) starting from state `z` (modified). */
function lfilterInPlace(b: Float64Array, a: Float64Array, x: Float64Array, z: Float64Array): void {
  const n = z.length;
  for (let t = 0; t < x.length; t++) {
    const xt = x[t]!;
    const yt = b[0]! * xt + z[0]!;
    for (let k = 0; k < n - 1; k++) z[k] = (b[k + 1] ?? 0) * xt + z[k + 1]! - (a[k + 1] ?? 0) * yt;
    z[n - 1] = (b[n] ?? 0) * xt - (a[n] ?? 0) * yt;
    x[t] = yt;
  }
}

/**
 * scipy.signal.filtfilt(b, a, x, padtype='odd', padlen) with method 'pad', in float64.
 * @throws RangeError when x is not longer than padlen (scipy's rule).
 */
export function filtfiltBa(b: Float64Array, a: Float64Array, x: ArrayLike<number>, padlen: number): Float64Array {
  const len = x.length;
  if (len <= padlen)
    throw new RangeError(`The signal has ${len} samples; filtfilt needs more than padlen = ${padlen}. Use a longer signal or a smaller padlen.`);
  // Odd extension: 2*x[0] - x[padlen..1], x, 2*x[-1] - x[-2..-padlen-1].
  const ext = new Float64Array(len + 2 * padlen);
  for (let i = 0; i < padlen; i++) ext[i] = 2 * x[0]! - x[padlen - i]!;
  for (let i = 0; i < len; i++) ext[padlen + i] = x[i]!;
  for (let i = 0; i < padlen; i++) ext[padlen + len + i] = 2 * x[len - 1]! - x[len - 2 - i]!;
  const zi = lfilterZi(b, a);
  const z = zi.map((v) => v * ext[0]!);
  lfilterInPlace(b, a, ext, z);
  ext.reverse();
  const z2 = zi.map((v) => v * ext[0]!);
  lfilterInPlace(b, a, ext, z2);
  ext.reverse();
  return ext.slice(padlen, padlen + len);
}
