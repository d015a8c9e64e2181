// The sliding decimation kernel (SlideJob in resample_poly_kernel.h), AVX-512: 8 channels per __m512d, the 21
// outputs in flight in 21 registers. Slot s holds the outputs j with j % 21 == s. Block b (rows [b*down,
// (b+1)*down)) is the first block of output b and the last of output b - 20, which needs only the block's
// first row; so each block runs row 0 through all 21 slots, stores and clears the finished slot, and runs the
// other rows through the remaining 20. A slot's tap for a row depends on how many blocks its output has run,
// (b - s) % 21: the block code is compiled once per b % 21 (Block's P), so every register index and table
// offset is a constant. The blocks are walked in chunks of 21 (one of each phase), each chunk for every
// channel group in turn with its accumulators saved in between: the chunk's rows (21*down rows) stay in
// L1/L2 for the groups after the first.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "dsp/resample_poly_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// The whole file in the target region (not per-function attributes): the lambdas that unroll the slots need it.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
#endif

namespace rpl::dsp::resample_internal {
namespace {

#define RPL_SLIDE_INLINE inline __attribute__((always_inline))

constexpr int K = kSlideSlots;

// Prefetching. The hardware prefetchers alone left the kernel waiting on memory (16 float32 channels x 60 s,
// 30k -> 1k on Zen 5: 11.9 ms without, 9.7-9.9 ms with, as fast as with its input in cache). So the first
// group, while it walks a chunk, requests the same row of the next chunk (every cache line of the row, all
// channels) into L2, where the other groups find this chunk's rows (a chunk of 128 float32 channels is 322
// KiB). Against each
// group requesting its own part of the rows 32 KiB ahead: 16 float64 channels 2420-2535 instead of 1426-1555 M
// samples/s, 128 float32 channels 1410-1458 instead of 1078-1333 (the tiles: 1674-1806 and 1347-1399).
struct Ahead {
  std::uintptr_t offset;  // bytes from a row to the same row of the next chunk; 0: no requests
  int lines;              // cache lines to request from there: the row's bytes (rows are contiguous, so a line a
                          // misaligned row reaches into is the next row's first)
  RPL_SLIDE_INLINE void Request(const void* row) const {
    // Integer arithmetic: the rows ahead may lie past the end of the signal (a prefetch never faults).
    const std::uintptr_t p = reinterpret_cast<std::uintptr_t>(row) + offset;
    for (int l = 0; l < lines; ++l)
      __builtin_prefetch(reinterpret_cast<const void*>(p + 64 * static_cast<std::uintptr_t>(l)), 0, 2);
  }
};

// Same instructions as the tile kernel's Avx512Vec (resample_poly_avx512.cc): the same bits.
RPL_SLIDE_INLINE __m512d Load8(const float* p) {
  return _mm512_maskz_cvtps_pd(0xFF, _mm256_loadu_ps(p));
}
RPL_SLIDE_INLINE __m512d Load8(const double* p) { return _mm512_loadu_pd(p); }
RPL_SLIDE_INLINE void Store8(double* p, __m512d v) { _mm512_storeu_pd(p, v); }
RPL_SLIDE_INLINE void Store8(float* p, __m512d v) {
  _mm256_storeu_ps(p, _mm512_maskz_cvtpd_ps(0xFF, v));
}

template <class F, int... I>
RPL_SLIDE_INLINE void ForEachSlot(F&& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>{}), ...);
}
template <class F>
RPL_SLIDE_INLINE void ForEachSlot(F&& f) {
  ForEachSlot(std::forward<F>(f), std::make_integer_sequence<int, K>{});
}

// One block of phase P (block index % 21 == P): `rows` rows (down, or 1 for the last block) from `row`; the
// output finished after row 0 goes to `fin` (nullptr: an output before the job's first, not stored).
// table[t*K + i]: the weight of a block's row t for an output in its i-th block.
template <int P, typename TIn, typename TOut>
RPL_SLIDE_INLINE void Block(__m512d (&a)[K], const TIn* row, std::ptrdiff_t xs, int64_t rows, const double* table,
                             TOut* fin, const Ahead& ahead) {
  constexpr int kDone = (P + 1) % K;  // the slot whose output ends at row 0 (its 21st block)
  {
    const __m512d x = Load8(row);
    ForEachSlot([&](auto s) __attribute__((always_inline)) {
      constexpr int i = (P - s + K) % K;
      a[s] = _mm512_fmadd_pd(x, _mm512_set1_pd(table[i]), a[s]);
    });
  }
  if (fin != nullptr) Store8(fin, a[kDone]);
  a[kDone] = _mm512_setzero_pd();
  for (int64_t t = 1; t < rows; ++t) {
    row += xs;
    ahead.Request(row);
    const __m512d x = Load8(row);
    const double* w = table + t * K;
    ForEachSlot([&](auto s) __attribute__((always_inline)) {
      if constexpr (s != kDone) {
        constexpr int i = (P - s + K) % K;
        a[s] = _mm512_fmadd_pd(x, _mm512_set1_pd(w[i]), a[s]);
      }
    });
  }
}

// Blocks [b0, min(b0 + K, n_blocks)) of channels [c, c + 8), b0 % K == 0, accumulators in and out of `acc`.
template <typename TIn, typename TOut>
void Chunk(const SlideJob<TIn, TOut>& j, int c, int64_t b0, const double* table, double* acc) {
  __m512d a[K];
  // The first group requests the next chunk's rows, all channels, while it walks this chunk.
  const Ahead ahead{c == 0 ? static_cast<std::uintptr_t>(K * j.down * j.x_stride) * sizeof(TIn) : 0,
                    c == 0 ? static_cast<int>((j.x_stride * sizeof(TIn) + 63) / 64) : 0};
  ForEachSlot([&](auto s) __attribute__((always_inline)) { a[s] = _mm512_loadu_pd(acc + 8 * s); });
  const int64_t n_blocks = j.outputs + K - 1, last = n_blocks - 1;
  ForEachSlot([&](auto p) __attribute__((always_inline)) {
    const int64_t b = b0 + p;
    if (b > last) return;
    const int64_t done = b - (K - 1);  // the output that ends in this block
    TOut* fin = done >= 0 ? j.y + done * j.y_stride + c : nullptr;
    Block<p>(a, j.x + b * j.down * j.x_stride + c, j.x_stride, b == last ? 1 : j.down, table, fin, ahead);
  });
  ForEachSlot([&](auto s) __attribute__((always_inline)) { _mm512_storeu_pd(acc + 8 * s, a[s]); });
}

}  // namespace

template <typename TIn, typename TOut>
void RunSlideAvx512(const SlideJob<TIn, TOut>& j) {
  const int64_t d = j.down, n_taps = 20 * d + 1;
  // The weights by block row and slot age; zero past the window (never used: the 21st block runs row 0 only).
  std::vector<double> table(static_cast<size_t>(d * K), 0.0);
  for (int64_t t = 0; t < d; ++t)
    for (int i = 0; i < K; ++i)
      if (i * d + t < n_taps) table[static_cast<size_t>(t * K + i)] = j.taps[i * d + t];
  std::vector<double> acc(static_cast<size_t>(j.groups) * K * 8, 0.0);
  const int64_t n_blocks = j.outputs + K - 1;
  for (int64_t b0 = 0; b0 < n_blocks; b0 += K)
    for (int g = 0; g < j.groups; ++g) Chunk(j, 8 * g, b0, table.data(), acc.data() + g * K * 8);
}

template void RunSlideAvx512(const SlideJob<float, float>&);
template void RunSlideAvx512(const SlideJob<float, double>&);
template void RunSlideAvx512(const SlideJob<double, float>&);
template void RunSlideAvx512(const SlideJob<double, double>&);

#undef RPL_SLIDE_INLINE

}  // namespace rpl::dsp::resample_internal

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else  // not x86: never selected (simd::Active() is scalar), but the symbols must exist.

namespace rpl::dsp::resample_internal {
template <typename TIn, typename TOut>
void RunSlideAvx512(const SlideJob<TIn, TOut>&) {}
template void RunSlideAvx512(const SlideJob<float, float>&);
template void RunSlideAvx512(const SlideJob<float, double>&);
template void RunSlideAvx512(const SlideJob<double, float>&);
template void RunSlideAvx512(const SlideJob<double, double>&);
}  // namespace rpl::dsp::resample_internal

#endif
