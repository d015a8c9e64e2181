#include "simd/minmax.h"

#include <limits>

#include "simd/cpu_features.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace rpl::simd {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// `v < lo` is false for a NaN v, so NaN never replaces lo; the order of the comparisons does not matter for
// min/max of non-NaN values, so the SIMD versions below (which also ignore NaN lanes) agree exactly.
MinMax Scalar(const float* x, size_t n, MinMax m) {
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (v < m.min) m.min = v;
    if (v > m.max) m.max = v;
  }
  return m;
}

#if defined(__x86_64__)
// MINPS/MAXPS return the second operand when either is NaN: min(x, lo) keeps lo for a NaN x.
// The zero-masked forms with a full mask are the same instructions; GCC 12 warns about the deliberately
// undefined pass-through operand of the unmasked intrinsics.
constexpr __mmask16 kAll = 0xFFFF;
__attribute__((target("avx512f"))) inline __m512 Min(__m512 a, __m512 b) { return _mm512_maskz_min_ps(kAll, a, b); }
__attribute__((target("avx512f"))) inline __m512 Max(__m512 a, __m512 b) { return _mm512_maskz_max_ps(kAll, a, b); }

__attribute__((target("avx512f"))) MinMax Avx512(const float* x, size_t n) {
  __m512 lo0 = _mm512_set1_ps(kInf), lo1 = lo0, hi0 = _mm512_set1_ps(-kInf), hi1 = hi0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    lo0 = Min(a, lo0), hi0 = Max(a, hi0);
    lo1 = Min(b, lo1), hi1 = Max(b, hi1);
  }
  lo0 = Min(lo0, lo1), hi0 = Max(hi0, hi1);
  alignas(64) float l[16], h[16];
  _mm512_store_ps(l, lo0), _mm512_store_ps(h, hi0);
  const MinMax lanes{Scalar(l, 16, MinMax{kInf, -kInf}).min, Scalar(h, 16, MinMax{kInf, -kInf}).max};
  return Scalar(x + i, n - i, lanes);
}

__attribute__((target("avx2"))) MinMax Avx2(const float* x, size_t n) {
  __m256 lo0 = _mm256_set1_ps(kInf), lo1 = lo0, hi0 = _mm256_set1_ps(-kInf), hi1 = hi0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    lo0 = _mm256_min_ps(a, lo0), hi0 = _mm256_max_ps(a, hi0);
    lo1 = _mm256_min_ps(b, lo1), hi1 = _mm256_max_ps(b, hi1);
  }
  lo0 = _mm256_min_ps(lo0, lo1), hi0 = _mm256_max_ps(hi0, hi1);
  alignas(32) float l[8], h[8];
  _mm256_store_ps(l, lo0), _mm256_store_ps(h, hi0);
  const MinMax lanes{Scalar(l, 8, MinMax{kInf, -kInf}).min, Scalar(h, 8, MinMax{kInf, -kInf}).max};
  return Scalar(x + i, n - i, lanes);
}
#endif

}  // namespace

MinMax MinMaxF32(const float* x, size_t n) {
#if defined(__x86_64__)
  switch (Active()) {
    case Level::kAvx512: return Avx512(x, n);
    case Level::kAvx2: return Avx2(x, n);
    default: break;
  }
#endif
  return Scalar(x, n, MinMax{kInf, -kInf});
}

}  // namespace rpl::simd
