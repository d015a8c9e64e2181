// The rplpipe side of bench/filters.ts: both PyHipp chains on an interleaved block of channels, as the
// pipeline runs them (vectorised across channels). Plain JS so the main thread (vite-node) and the worker
// threads (node) share it; `lib` is the rplpipe library (src/ or dist/).

/**
 * Output arrays for one chain: what a caller that keeps its buffers (the pipeline) allocates once.
 * @param {any} lib @param {"lfp"|"hp"} chain @param {number} n rows at 30 kHz @param {number} nch
 */
export function makeOutputs(lib, chain, n, nch) {
  // Channel arrays from lib.channelArrays (one buffer, spread over the cache sets), as the library's docs
  // recommend; 16 arrays allocated one by one share one L1 set and take a slower path (docs/filters.md).
  if (chain === "hp") return { outs: lib.channelArrays(nch, n) };
  const m = lib.resampledLength(n, 1, 30);
  return { y: new Float64Array(m * nch), outs: lib.channelArrays(nch, m) };
}

/**
 * Runs one chain on `x` (interleaved float32 µV, `nch` channels at 30 kHz) and returns seconds.
 * Without `bufs` the outputs are allocated inside the timed region (a caller that allocates per call: on
 * this VM first-touching fresh memory is a large part of the time); with `bufs` (makeOutputs) they are
 * reused, already touched, as the pipeline's are.
 * @param {any} lib @param {"lfp"|"hp"} chain @param {Float32Array} x @param {number} nch
 * @param {{ y?: Float64Array, outs: Float32Array[] }} [bufs]
 */
export function runChain(lib, chain, x, nch, bufs) {
  const n = x.length / nch;
  const t0 = performance.now();
  const b = bufs ?? makeOutputs(lib, chain, n, nch);
  if (chain === "hp") {
    const sos = lib.butter(4, [500, 7500], { btype: "bandpass", fs: 30000 });
    lib.sosfiltfiltInterleaved(sos, x, nch, {}, b.outs);
  } else {
    lib.resamplePolyInterleaved(x, nch, 1, 30, { out: b.y });
    const sos = lib.butter(4, [1, 150], { btype: "bandpass", fs: 1000 });
    lib.sosfiltfiltInterleaved(sos, b.y, nch, {}, b.outs);
  }
  return (performance.now() - t0) / 1000;
}
