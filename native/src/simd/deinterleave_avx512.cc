// AVX-512 kernels of the de-interleaver: 8 rows x 32 columns int16 transposes and 16-wide double scaling.
// Runs of 16..31 consecutive columns fall back to the AVX2 block, shorter ones to the scalar gather.
#include "simd/deinterleave.h"

#if defined(__x86_64__)
// GCC 12's AVX-512 headers self-initialise their "undefined" operands (`__m512i __Y = __Y;`), which -Wextra
// reports at every inlined use (GCC PR105593, fixed in 12.3/13). The code is fine; silence only these two.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#define RPL_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

namespace rpl::simd::detail {

namespace {

// Same unpack network as the AVX2 8x16 block, on four 128-bit lanes: lane L yields columns c+8L..c+8L+7.
RPL_AVX512 inline void Block8x32(const uint8_t* p, uint64_t stride, int16_t* const* dst, uint64_t t) {
  __m512i r[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm512_loadu_si512(p + i * stride);
  __m512i a0 = _mm512_unpacklo_epi16(r[0], r[1]), a1 = _mm512_unpackhi_epi16(r[0], r[1]);
  __m512i a2 = _mm512_unpacklo_epi16(r[2], r[3]), a3 = _mm512_unpackhi_epi16(r[2], r[3]);
  __m512i a4 = _mm512_unpacklo_epi16(r[4], r[5]), a5 = _mm512_unpackhi_epi16(r[4], r[5]);
  __m512i a6 = _mm512_unpacklo_epi16(r[6], r[7]), a7 = _mm512_unpackhi_epi16(r[6], r[7]);
  __m512i b0 = _mm512_unpacklo_epi32(a0, a2), b1 = _mm512_unpackhi_epi32(a0, a2);
  __m512i b2 = _mm512_unpacklo_epi32(a1, a3), b3 = _mm512_unpackhi_epi32(a1, a3);
  __m512i b4 = _mm512_unpacklo_epi32(a4, a6), b5 = _mm512_unpackhi_epi32(a4, a6);
  __m512i b6 = _mm512_unpacklo_epi32(a5, a7), b7 = _mm512_unpackhi_epi32(a5, a7);
  __m512i c[8] = {_mm512_unpacklo_epi64(b0, b4), _mm512_unpackhi_epi64(b0, b4), _mm512_unpacklo_epi64(b1, b5),
                  _mm512_unpackhi_epi64(b1, b5), _mm512_unpacklo_epi64(b2, b6), _mm512_unpackhi_epi64(b2, b6),
                  _mm512_unpacklo_epi64(b3, b7), _mm512_unpackhi_epi64(b3, b7)};
  for (int j = 0; j < 8; ++j) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[j] + t), _mm512_castsi512_si128(c[j]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[8 + j] + t), _mm512_extracti32x4_epi32(c[j], 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[16 + j] + t), _mm512_extracti32x4_epi32(c[j], 2));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[24 + j] + t), _mm512_extracti32x4_epi32(c[j], 3));
  }
}

}  // namespace

RPL_AVX512 void TransposeAvx512(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst) {
  const uint64_t rows8 = src.rows & ~uint64_t{7};
  const RowBlock tail{src.base + rows8 * src.stride, src.stride, src.rows - rows8};
  size_t k = 0;
  while (k < ncols) {
    size_t run = ConsecutiveRun(cols, ncols, k, 32);
    if (run == 32) {
      const uint8_t* p = src.base + 2 * static_cast<uint64_t>(cols[k]);
      for (uint64_t t = 0; t < rows8; t += 8) Block8x32(p + t * src.stride, src.stride, dst + k, t);
      for (size_t j = 0; j < 32; ++j) GatherColumn(tail, cols[k + j], dst[k + j] + rows8);
      k += 32;
    } else if (run >= 16) {
      // Hand 16 columns to the AVX2 transpose (a subset of this CPU's ISA) and continue after them.
      int16_t* const* d = dst + k;
      TransposeAvx2(src, cols + k, 16, d);
      k += 16;
    } else {
      GatherColumn(src, cols[k], dst[k]);
      ++k;
    }
  }
}

RPL_AVX512 void ScaleAvx512(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y) {
  const __m512d g = _mm512_set1_pd(s.gain), o = _mm512_set1_pd(s.offset);
  uint64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i w = _mm512_cvtepi16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
    // Same two roundings as ScaleOne: float(double(raw) * gain), then float(double(y) + offset).
    __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(w)), g));
    __m256 hi = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(w, 1)), g));
    if (add_offset) {
      lo = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_cvtps_pd(lo), o));
      hi = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_cvtps_pd(hi), o));
    }
    _mm256_storeu_ps(y + i, lo);
    _mm256_storeu_ps(y + i + 8, hi);
  }
  for (; i < n; ++i) y[i] = ScaleOne(x[i], s, add_offset);
}

}  // namespace rpl::simd::detail

#endif  // __x86_64__
