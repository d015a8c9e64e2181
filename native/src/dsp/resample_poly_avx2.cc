// AVX2+FMA resampling tile kernel: 4 doubles per vector across channels, one fused multiply-add per product
// (also for the one-lane leftovers: every channel of a call is computed the same way, and the same as on the
// AVX-512 level). Built with a target attribute (the addon itself targets baseline x86-64) and only called
// when simd::Active() is AVX2 or wider, which requires the FMA feature.
#include <cstddef>
#include <cstdint>

#include "dsp/resample_poly_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace rpl::dsp::resample_internal {

namespace {

#define RPL_RESAMPLE_TARGET __attribute__((target("avx2,fma")))

struct Avx2Vec {
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

#include "dsp/resample_poly_scalar_fma_vec.inc"

#include "dsp/resample_poly_kernel_impl.h"

#define RPL_TRANSPOSE8_TARGET RPL_RESAMPLE_TARGET
#include "dsp/sosfilt_transpose8.inc"
#undef RPL_TRANSPOSE8_TARGET

}  // namespace

RPL_RESAMPLE_TARGET void GatherRowsAvx2(const float* const* src, int lanes, int64_t t0, int64_t t1, float* win) {
  for (int64_t t = t0; t < t1; t += 8) {
    for (int k0 = 0; k0 < lanes; k0 += 8) {
      __m256 r[8];
      for (int j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(src[k0 + j] + t);  // 8 rows of lane k0 + j
      Transpose8(r);                                                      // r[j]: row t + j of the 8 lanes
      for (int j = 0; j < 8; ++j) _mm256_storeu_ps(win + (t + j) * lanes + k0, r[j]);
    }
  }
}

template <typename TIn, typename TOut>
RPL_RESAMPLE_TARGET void RunTileAvx2(const TileJob<TIn, TOut>& job) {
  int c = 0;
  // 8 outputs x 1 vector = 8 accumulators + 1 input + 1 tap: fits the 16 ymm registers.
  for (; c + 4 <= job.channels; c += 4) TileChannels<Avx2Vec, 1>(job, c);
  for (; c < job.channels; ++c) TileChannels<ScalarFmaVec, 1>(job, c);
}

#undef RPL_RESAMPLE_TARGET

template void RunTileAvx2(const TileJob<float, float>&);
template void RunTileAvx2(const TileJob<float, double>&);
template void RunTileAvx2(const TileJob<double, float>&);
template void RunTileAvx2(const TileJob<double, double>&);

}  // namespace rpl::dsp::resample_internal

#else  // not x86: never selected (simd::Active() is scalar), but the symbols must exist.

namespace rpl::dsp::resample_internal {
void GatherRowsAvx2(const float* const* src, int lanes, int64_t t0, int64_t t1, float* win) {
  for (int64_t t = t0; t < t1; ++t)
    for (int k = 0; k < lanes; ++k) win[t * lanes + k] = src[k][t];
}
template <typename TIn, typename TOut>
void RunTileAvx2(const TileJob<TIn, TOut>& job) {
  RunTileScalar(job);
}
template void RunTileAvx2(const TileJob<float, float>&);
template void RunTileAvx2(const TileJob<float, double>&);
template void RunTileAvx2(const TileJob<double, float>&);
template void RunTileAvx2(const TileJob<double, double>&);
}  // namespace rpl::dsp::resample_internal

#endif
