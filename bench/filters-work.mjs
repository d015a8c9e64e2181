// The rplpipe side of bench/filters.ts: both PyHipp chains on an interleaved block of channels, as the
// pipeline runs them (vectorised across channels). Plain JS so the main thread (vite-node) and the worker
// threads (node) share it; `lib` is the rplpipe library (src/ or dist/).

/**
 * Runs one chain on `x` (interleaved float32 µV, `nch` channels at 30 kHz) and returns seconds.
 * @param {any} lib @param {"lfp"|"hp"} chain @param {Float32Array} x @param {number} nch
 */
export function runChain(lib, chain, x, nch) {
  const n = x.length / nch;
  const t0 = performance.now();
  if (chain === "hp") {
    const sos = lib.butter(4, [500, 7500], { btype: "bandpass", fs: 30000 });
    const outs = Array.from({ length: nch }, () => new Float32Array(n));
    lib.sosfiltfiltInterleaved(sos, x, nch, {}, outs);
  } else {
    const m = lib.resampledLength(n, 1, 30);
    const y = new Float64Array(m * nch);
    lib.resamplePolyInterleaved(x, nch, 1, 30, { out: y });
    const sos = lib.butter(4, [1, 150], { btype: "bandpass", fs: 1000 });
    const outs = Array.from({ length: nch }, () => new Float32Array(m));
    lib.sosfiltfiltInterleaved(sos, y, nch, {}, outs);
  }
  return (performance.now() - t0) / 1000;
}
