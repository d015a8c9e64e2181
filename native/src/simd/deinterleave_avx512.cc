// AVX-512 kernels of the de-interleaver: 8 rows x 32 columns int16 transposes, stored as int16 or converted
// and scaled in the same pass (16-wide double arithmetic) straight into the float outputs.
#include "simd/deinterleave.h"

#if defined(__x86_64__)
// GCC 12's AVX-512 headers self-initialise their "undefined" operands (`__m512i __Y = __Y;`), which -Wextra
// reports at every inlined use (GCC PR105593, fixed in 12.3/13). The code is fine; silence only these two.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <type_traits>

#define RPL_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
// The block helpers must inline into their loops: as calls, the transposed registers go through memory.
#define RPL_AVX512_INLINE inline __attribute__((always_inline, target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

namespace rpl::simd::detail {

namespace {

// The unpack network of the AVX2 8x16 block (deinterleave_unpack8x8.inc), on four 128-bit lanes: lane L of c[j]
// holds column 8L+j of the 8 rows.
#define RPL_UNPACK(name, op) \
  RPL_AVX512_INLINE __m512i name(__m512i a, __m512i b) { return _mm512_##op(a, b); }
RPL_UNPACK(lo16, unpacklo_epi16)
RPL_UNPACK(hi16, unpackhi_epi16)
RPL_UNPACK(lo32, unpacklo_epi32)
RPL_UNPACK(hi32, unpackhi_epi32)
RPL_UNPACK(lo64, unpacklo_epi64)
RPL_UNPACK(hi64, unpackhi_epi64)
#undef RPL_UNPACK
#define RPL_UNPACK_INLINE RPL_AVX512_INLINE
#include "simd/deinterleave_unpack8x8.inc"
#undef RPL_UNPACK_INLINE

RPL_AVX512_INLINE void Transpose8x32(const uint8_t* p, uint64_t stride, __m512i c[8]) {
  __m512i r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = _mm512_loadu_si512(p + i * stride);
  Unpack8x8(r, c);
}

RPL_AVX512_INLINE void Raw8x32(const uint8_t* p, uint64_t stride, int16_t* const* dst, uint64_t t) {
  __m512i c[8];
  Transpose8x32(p, stride, c);
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[j] + t), _mm512_castsi512_si128(c[j]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[8 + j] + t), _mm512_extracti32x4_epi32(c[j], 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[16 + j] + t), _mm512_extracti32x4_epi32(c[j], 2));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[24 + j] + t), _mm512_extracti32x4_epi32(c[j], 3));
  }
}

// 8 int16 of one channel -> 8 floats, with ScaleOne's two roundings: float(double(raw) * gain), then (with
// an offset) float(double(y) + offset).
template <bool kOffset>
RPL_AVX512_INLINE void ScaleStore8(__m128i x, const Scale& s, float* y) {
  __m256 v = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(_mm256_cvtepi16_epi32(x)), _mm512_set1_pd(s.gain)));
  if (kOffset) v = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_cvtps_pd(v), _mm512_set1_pd(s.offset)));
  _mm256_storeu_ps(y, v);
}

template <bool kOffset>
RPL_AVX512_INLINE void Scaled8x32(const uint8_t* p, uint64_t stride, const Scale* sc, float* const* dst,
                                  uint64_t t) {
  __m512i c[8];
  Transpose8x32(p, stride, c);
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    ScaleStore8<kOffset>(_mm512_castsi512_si128(c[j]), sc[j], dst[j] + t);
    ScaleStore8<kOffset>(_mm512_extracti32x4_epi32(c[j], 1), sc[8 + j], dst[8 + j] + t);
    ScaleStore8<kOffset>(_mm512_extracti32x4_epi32(c[j], 2), sc[16 + j], dst[16 + j] + t);
    ScaleStore8<kOffset>(_mm512_extracti32x4_epi32(c[j], 3), sc[24 + j], dst[24 + j] + t);
  }
}

// 16 rows: two 8-row networks, then one qword permute per pair of lanes joins rows 0-7 and 8-15 of a
// channel into one 256-bit half: m[0][j] = channels j | 8+j, m[1][j] = channels 16+j | 24+j, 16 rows each.
RPL_AVX512_INLINE void Transpose16x32(const uint8_t* p, uint64_t stride, __m512i m[2][8]) {
  __m512i c[8], d[8];
  Transpose8x32(p, stride, c);
  Transpose8x32(p + 8 * stride, stride, d);
  const __m512i i01 = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i i23 = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    m[0][j] = _mm512_permutex2var_epi64(c[j], i01, d[j]);
    m[1][j] = _mm512_permutex2var_epi64(c[j], i23, d[j]);
  }
}

RPL_AVX512_INLINE void Raw16x32(const uint8_t* p, uint64_t stride, int16_t* const* dst, uint64_t t) {
  __m512i m[2][8];
  Transpose16x32(p, stride, m);
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst[j] + t), _mm512_castsi512_si256(m[0][j]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst[8 + j] + t), _mm512_extracti64x4_epi64(m[0][j], 1));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst[16 + j] + t), _mm512_castsi512_si256(m[1][j]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst[24 + j] + t), _mm512_extracti64x4_epi64(m[1][j], 1));
  }
}

// 16 int16 of one channel -> 16 floats (one 64-byte store), same roundings as ScaleStore8.
template <bool kOffset>
RPL_AVX512_INLINE void ScaleStore16(__m256i x, const Scale& s, float* y) {
  const __m512i w = _mm512_cvtepi16_epi32(x);
  const __m512d g = _mm512_set1_pd(s.gain);
  __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(w)), g));
  __m256 hi = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(w, 1)), g));
  if (kOffset) {
    const __m512d o = _mm512_set1_pd(s.offset);
    lo = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_cvtps_pd(lo), o));
    hi = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_cvtps_pd(hi), o));
  }
  _mm512_storeu_ps(y, _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1));
}

template <bool kOffset>
RPL_AVX512_INLINE void Scaled16x32(const uint8_t* p, uint64_t stride, const Scale* sc, float* const* dst,
                                   uint64_t t) {
  __m512i m[2][8];
  Transpose16x32(p, stride, m);
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    ScaleStore16<kOffset>(_mm512_castsi512_si256(m[0][j]), sc[j], dst[j] + t);
    ScaleStore16<kOffset>(_mm512_extracti64x4_epi64(m[0][j], 1), sc[8 + j], dst[8 + j] + t);
    ScaleStore16<kOffset>(_mm512_castsi512_si256(m[1][j]), sc[16 + j], dst[16 + j] + t);
    ScaleStore16<kOffset>(_mm512_extracti64x4_epi64(m[1][j], 1), sc[24 + j], dst[24 + j] + t);
  }
}

#define RPL_GROUPS_TARGET RPL_AVX512
#include "simd/deinterleave_groups.inc"
#undef RPL_GROUPS_TARGET

// Block kernels for RunGroups: runs of 32 columns, 16-row blocks then one 8-row block.
struct Cols32 {
  static constexpr size_t kWidth = 32;
  static constexpr bool kRows16 = true;
  template <bool kOffset>
  RPL_AVX512_INLINE static void Block16(const uint8_t* p, uint64_t stride, const Scale*, int16_t* const* dst, uint64_t t) {
    Raw16x32(p, stride, dst, t);
  }
  template <bool kOffset>
  RPL_AVX512_INLINE static void Block16(const uint8_t* p, uint64_t stride, const Scale* sc, float* const* dst, uint64_t t) {
    Scaled16x32<kOffset>(p, stride, sc, dst, t);
  }
  template <bool kOffset>
  RPL_AVX512_INLINE static void Block8(const uint8_t* p, uint64_t stride, const Scale*, int16_t* const* dst, uint64_t t) {
    Raw8x32(p, stride, dst, t);
  }
  template <bool kOffset>
  RPL_AVX512_INLINE static void Block8(const uint8_t* p, uint64_t stride, const Scale* sc, float* const* dst, uint64_t t) {
    Scaled8x32<kOffset>(p, stride, sc, dst, t);
  }
};

}  // namespace

RPL_AVX512 void RawGroupsAvx512(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                                int16_t* const* out, const Prefetch& pf) {
  RunGroups<Cols32, false>(src, cols, groups, ngroups, nullptr, out, pf);
}

RPL_AVX512 void ScaledGroupsAvx512(const RowBlock& src, const uint32_t* cols, const uint32_t* groups,
                                   size_t ngroups, const Scale* scales, bool add_offset, float* const* out,
                                   const Prefetch& pf) {
  if (add_offset) RunGroups<Cols32, true>(src, cols, groups, ngroups, scales, out, pf);
  else RunGroups<Cols32, false>(src, cols, groups, ngroups, scales, out, pf);
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
