// AVX-512 resampling tile kernel: 8 doubles per vector across channels, with 4-wide (AVX) and scalar code
// for the channels left over. Built with a target attribute and only called when simd::Active() is AVX-512.
// Every product is added with one fused multiply-add (also for the 4-wide and one-lane leftovers, so every
// channel of a call is computed the same way); see resample_poly_kernel_impl.h.
#include <cstddef>
#include <cstdint>

#include "dsp/resample_poly_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace rpl::dsp::resample_internal {

namespace {

#define RPL_RESAMPLE_TARGET __attribute__((target("avx512f,fma")))

#include "dsp/resample_poly_scalar_fma_vec.inc"

struct Avx512Vec {
  using T = __m512d;
  static constexpr int kLanes = 8;
  // Zero-masked conversions with a full mask: same instruction, and GCC 12 does not warn about the
  // deliberately undefined pass-through operand of the unmasked intrinsics.
  static constexpr __mmask8 kAll = 0xFF;
  RPL_RESAMPLE_TARGET static inline T Zero() { return _mm512_setzero_pd(); }
  RPL_RESAMPLE_TARGET static inline T Load(const double* p) { return _mm512_loadu_pd(p); }
  RPL_RESAMPLE_TARGET static inline T Load(const float* p) { return _mm512_maskz_cvtps_pd(kAll, _mm256_loadu_ps(p)); }
  RPL_RESAMPLE_TARGET static inline T Broadcast(const double* p) { return _mm512_set1_pd(*p); }
  RPL_RESAMPLE_TARGET static inline T MulAdd(T acc, T x, T h) { return _mm512_fmadd_pd(x, h, acc); }
  RPL_RESAMPLE_TARGET static inline void Store(double* p, T v) { _mm512_storeu_pd(p, v); }
  RPL_RESAMPLE_TARGET static inline void Store(float* p, T v) { _mm256_storeu_ps(p, _mm512_maskz_cvtpd_ps(kAll, v)); }
};

struct Avx256Vec {
  using T = __m256d;
  static constexpr int kLanes = 4;
  RPL_RESAMPLE_TARGET static inline T Zero() { return _mm256_setzero_pd(); }
  RPL_RESAMPLE_TARGET static inline T Load(const double* p) { return _mm256_loadu_pd(p); }
  RPL_RESAMPLE_TARGET static inline T Load(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
  RPL_RESAMPLE_TARGET static inline T Broadcast(const double* p) { return _mm256_broadcast_sd(p); }
  RPL_RESAMPLE_TARGET static inline T MulAdd(T acc, T x, T h) { return _mm256_fmadd_pd(x, h, acc); }
  RPL_RESAMPLE_TARGET static inline void Store(double* p, T v) { _mm256_storeu_pd(p, v); }
  RPL_RESAMPLE_TARGET static inline void Store(float* p, T v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
};

#include "dsp/resample_poly_kernel_impl.h"

}  // namespace

template <typename TIn, typename TOut>
RPL_RESAMPLE_TARGET void RunTileAvx512(const TileJob<TIn, TOut>& job) {
  int c = 0;
  // 8 outputs x 2 vectors = 16 accumulators + 2 inputs + 1 tap of the 32 zmm registers.
  for (; c + 16 <= job.channels; c += 16) TileChannels<Avx512Vec, 2>(job, c);
  for (; c + 8 <= job.channels; c += 8) TileChannels<Avx512Vec, 1>(job, c);
  for (; c + 4 <= job.channels; c += 4) TileChannels<Avx256Vec, 1>(job, c);
  for (; c < job.channels; ++c) TileChannels<ScalarFmaVec, 1>(job, c);
}

#undef RPL_RESAMPLE_TARGET

template void RunTileAvx512(const TileJob<float, float>&);
template void RunTileAvx512(const TileJob<float, double>&);
template void RunTileAvx512(const TileJob<double, float>&);
template void RunTileAvx512(const TileJob<double, double>&);

}  // namespace rpl::dsp::resample_internal

#else  // not x86: never selected (simd::Active() is scalar), but the symbols must exist.

namespace rpl::dsp::resample_internal {
template <typename TIn, typename TOut>
void RunTileAvx512(const TileJob<TIn, TOut>& job) {
  RunTileScalar(job);
}
template void RunTileAvx512(const TileJob<float, float>&);
template void RunTileAvx512(const TileJob<float, double>&);
template void RunTileAvx512(const TileJob<double, float>&);
template void RunTileAvx512(const TileJob<double, double>&);
}  // namespace rpl::dsp::resample_internal

#endif
