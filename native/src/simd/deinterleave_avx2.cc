// AVX2 kernels of the de-interleaver: 8 rows x 16 columns int16 transposes and 8-wide double scaling.
// Compiled for the baseline ISA; only these functions carry target("avx2,fma") and run after Active() said so.
#include "simd/deinterleave.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define RPL_AVX2 __attribute__((target("avx2,fma")))

namespace rpl::simd::detail {

namespace {

// Transposes rows [t, t+8) x columns [c, c+16): within each 128-bit lane an 8x8 int16 transpose (unpack 16,
// 32, 64), so lane 0 yields columns c..c+7 and lane 1 columns c+8..c+15, each as 8 consecutive rows.
RPL_AVX2 inline void Block8x16(const uint8_t* p, uint64_t stride, int16_t* const* dst, uint64_t t) {
  __m256i r[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i * stride));
  __m256i a0 = _mm256_unpacklo_epi16(r[0], r[1]), a1 = _mm256_unpackhi_epi16(r[0], r[1]);
  __m256i a2 = _mm256_unpacklo_epi16(r[2], r[3]), a3 = _mm256_unpackhi_epi16(r[2], r[3]);
  __m256i a4 = _mm256_unpacklo_epi16(r[4], r[5]), a5 = _mm256_unpackhi_epi16(r[4], r[5]);
  __m256i a6 = _mm256_unpacklo_epi16(r[6], r[7]), a7 = _mm256_unpackhi_epi16(r[6], r[7]);
  __m256i b0 = _mm256_unpacklo_epi32(a0, a2), b1 = _mm256_unpackhi_epi32(a0, a2);
  __m256i b2 = _mm256_unpacklo_epi32(a1, a3), b3 = _mm256_unpackhi_epi32(a1, a3);
  __m256i b4 = _mm256_unpacklo_epi32(a4, a6), b5 = _mm256_unpackhi_epi32(a4, a6);
  __m256i b6 = _mm256_unpacklo_epi32(a5, a7), b7 = _mm256_unpackhi_epi32(a5, a7);
  __m256i c[8] = {_mm256_unpacklo_epi64(b0, b4), _mm256_unpackhi_epi64(b0, b4), _mm256_unpacklo_epi64(b1, b5),
                  _mm256_unpackhi_epi64(b1, b5), _mm256_unpacklo_epi64(b2, b6), _mm256_unpackhi_epi64(b2, b6),
                  _mm256_unpacklo_epi64(b3, b7), _mm256_unpackhi_epi64(b3, b7)};
  for (int j = 0; j < 8; ++j) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[j] + t), _mm256_castsi256_si128(c[j]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[8 + j] + t), _mm256_extracti128_si256(c[j], 1));
  }
}

}  // namespace

RPL_AVX2 void TransposeAvx2(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst) {
  const uint64_t rows8 = src.rows & ~uint64_t{7};
  size_t k = 0;
  while (k < ncols) {
    size_t run = ConsecutiveRun(cols, ncols, k, 16);
    if (run == 16) {
      const uint8_t* p = src.base + 2 * static_cast<uint64_t>(cols[k]);
      for (uint64_t t = 0; t < rows8; t += 8) Block8x16(p + t * src.stride, src.stride, dst + k, t);
      for (size_t j = 0; j < 16; ++j) {  // row tail (< 8 rows)
        RowBlock tail{src.base + rows8 * src.stride, src.stride, src.rows - rows8};
        GatherColumn(tail, cols[k + j], dst[k + j] + rows8);
      }
      k += 16;
    } else {
      GatherColumn(src, cols[k], dst[k]);
      ++k;
    }
  }
}

RPL_AVX2 void ScaleAvx2(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y) {
  const __m256d g = _mm256_set1_pd(s.gain), o = _mm256_set1_pd(s.offset);
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i w = _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    // double(raw) * gain, rounded to float: the numpy float32 *= float64 step.
    __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(w)), g));
    __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(w, 1)), g));
    if (add_offset) {  // float(double(y) + offset): the float32 += float64 step
      lo = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(lo), o));
      hi = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(hi), o));
    }
    _mm256_storeu_ps(y + i, _mm256_set_m128(hi, lo));
  }
  for (; i < n; ++i) y[i] = ScaleOne(x[i], s, add_offset);
}

}  // namespace rpl::simd::detail

#endif  // __x86_64__
