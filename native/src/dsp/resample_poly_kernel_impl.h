// Body of the resampling tile kernel, written once over a vector type and compiled once per SIMD level.
//
// Not a normal header: a per-level .cc defines RPL_RESAMPLE_TARGET (a target attribute, or nothing) and the
// vector structs it needs (T, kLanes, Zero, Load(float*/double*), Broadcast, MulAdd, Store(float*/double*)),
// then includes this inside its own anonymous namespace. Internal linkage keeps the per-level copies apart.
//
// Order: each lane computes acc = MulAdd(acc, x, h) over its rows in ascending order starting from +0. The
// portable vectors round the product before the add (scipy's upfirdn sequence: the same doubles scipy
// returns); the AVX2/AVX-512 ones use one fused multiply-add (rounded once), and so do their one-lane
// vectors for left-over channels, so within a level every channel grouping produces the same doubles, and
// the levels differ by rounding only (~1e-16 of the signal scale). Partial sums are parked in a double array
// between the phases of a tile; storing and reloading a double is exact.
#ifndef RPL_RESAMPLE_TARGET
#error "define RPL_RESAMPLE_TARGET before including resample_poly_kernel_impl.h"
#endif

// Adds rows [t0, t1) of the tile to N outputs (those whose windows cover all of these rows) for V vectors
// of channels. acc holds N*V vectors; h[r] points at output r's weight for row t0.
template <class Vec, int V, int N, typename TIn>
RPL_RESAMPLE_TARGET void Accumulate(double* acc, const TIn* x, std::ptrdiff_t xs, int64_t t0, int64_t t1,
                                    const double* const* h, int64_t prefetch_rows = 0) {
  if (t1 <= t0) return;
  constexpr int L = Vec::kLanes;
  typename Vec::T a[N][V];
  const double* w[N];
  for (int r = 0; r < N; ++r) {
    w[r] = h[r];
    for (int v = 0; v < V; ++v) a[r][v] = Vec::Load(acc + (r * V + v) * L);
  }
  const TIn* row = x + t0 * xs;
  // Integer arithmetic: the prefetched row may lie past the end of the window (a prefetch never faults).
  const std::uintptr_t pf_step = static_cast<std::uintptr_t>(xs) * sizeof(TIn);
  std::uintptr_t pf = reinterpret_cast<std::uintptr_t>(row) + static_cast<std::uintptr_t>(prefetch_rows) * pf_step;
  for (int64_t t = 0; t < t1 - t0; ++t, row += xs) {
    if (prefetch_rows > 0) {
      __builtin_prefetch(reinterpret_cast<const void*>(pf));
      pf += pf_step;
    }
    typename Vec::T xv[V];
    for (int v = 0; v < V; ++v) xv[v] = Vec::Load(row + v * L);
    for (int r = 0; r < N; ++r) {
      const typename Vec::T hv = Vec::Broadcast(w[r] + t);
      for (int v = 0; v < V; ++v) a[r][v] = Vec::MulAdd(a[r][v], xv[v], hv);
    }
  }
  for (int r = 0; r < N; ++r)
    for (int v = 0; v < V; ++v) Vec::Store(acc + (r * V + v) * L, a[r][v]);
}

// Accumulate with a run-time output count (1..kTileOutputs), each count compiled with its accumulators in
// registers.
template <class Vec, int V, typename TIn>
RPL_RESAMPLE_TARGET void AccumulateN(int n, double* acc, const TIn* x, std::ptrdiff_t xs, int64_t t0, int64_t t1,
                                     const double* const* h) {
  if (n == 8) {
    // The middle phase, which streams the rows: prefetch the rows past this tile (the next tiles' new rows).
    return Accumulate<Vec, V, 8>(acc, x, xs, t0, t1, h, (t1 - t0) / 2);
  }
  switch (n) {
    case 1: return Accumulate<Vec, V, 1>(acc, x, xs, t0, t1, h);
    case 2: return Accumulate<Vec, V, 2>(acc, x, xs, t0, t1, h);
    case 3: return Accumulate<Vec, V, 3>(acc, x, xs, t0, t1, h);
    case 4: return Accumulate<Vec, V, 4>(acc, x, xs, t0, t1, h);
    case 5: return Accumulate<Vec, V, 5>(acc, x, xs, t0, t1, h);
    case 6: return Accumulate<Vec, V, 6>(acc, x, xs, t0, t1, h);
    case 7: return Accumulate<Vec, V, 7>(acc, x, xs, t0, t1, h);
    default: return Accumulate<Vec, V, 8>(acc, x, xs, t0, t1, h);
  }
}

// Channels [c, c + V*kLanes) of a tile. Output r covers rows [o_r, o_r + D). Rows are visited in three
// phases so no output ever multiplies a row outside its window: head rows [o_{k-1}, o_k) feed outputs
// 0..k-1, the middle [o_{R-1}, D) feeds all, tail rows [D + o_{k-1}, D + o_k) feed outputs k..R-1. Every
// output sees its rows in ascending order.
template <class Vec, int V, typename TIn, typename TOut>
RPL_RESAMPLE_TARGET void TileChannels(const rpl::dsp::resample_internal::TileJob<TIn, TOut>& j, int c) {
  constexpr int kMax = rpl::dsp::resample_internal::kTileOutputs;
  constexpr int L = Vec::kLanes;
  static_assert(kMax == 8, "AccumulateN dispatches up to 8 outputs");
  alignas(64) double acc[kMax * V * L] = {};
  const int R = j.outputs;
  const int64_t* o = j.offset;
  const int64_t D = j.window;
  const TIn* x = j.x + c;
  const double* h[kMax] = {};
  for (int k = 1; k < R; ++k) {
    for (int r = 0; r < k; ++r) h[r] = j.taps[r] + (o[k - 1] - o[r]);
    AccumulateN<Vec, V>(k, acc, x, j.x_stride, o[k - 1], o[k], h);
  }
  for (int r = 0; r < R; ++r) h[r] = j.taps[r] + (o[R - 1] - o[r]);
  AccumulateN<Vec, V>(R, acc, x, j.x_stride, o[R - 1], D, h);
  for (int k = 1; k < R; ++k) {
    for (int r = k; r < R; ++r) h[r] = j.taps[r] + (D + o[k - 1] - o[r]);
    AccumulateN<Vec, V>(R - k, acc + k * V * L, x, j.x_stride, D + o[k - 1], D + o[k], h + k);
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) Vec::Store(j.y + r * j.y_stride + c + v * L, Vec::Load(acc + (r * V + v) * L));
}
