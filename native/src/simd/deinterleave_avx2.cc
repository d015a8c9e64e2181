// AVX2 kernels of the de-interleaver: 8 rows x 16 columns (and 16 rows x 8 columns) int16 transposes, stored
// as int16 or converted and scaled in the same pass (4-wide double arithmetic) straight into the float outputs.
// Compiled for the baseline ISA; only these functions carry target("avx2,fma") and run after Active() said so.
#include "simd/deinterleave.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <type_traits>

#define RPL_AVX2 __attribute__((target("avx2,fma")))
// The block helpers must inline into their loops: as calls, the transposed registers go through memory.
#define RPL_AVX2_INLINE inline __attribute__((always_inline, target("avx2,fma")))

namespace rpl::simd::detail {

namespace {

// Unpack overloads, so one network serves 128- and 256-bit vectors.
#define RPL_UNPACK(name, op)                                                                           \
  RPL_AVX2_INLINE __m128i name(__m128i a, __m128i b) { return _mm_##op(a, b); }                         \
  RPL_AVX2_INLINE __m256i name(__m256i a, __m256i b) { return _mm256_##op(a, b); }
RPL_UNPACK(lo16, unpacklo_epi16)
RPL_UNPACK(hi16, unpackhi_epi16)
RPL_UNPACK(lo32, unpacklo_epi32)
RPL_UNPACK(hi32, unpackhi_epi32)
RPL_UNPACK(lo64, unpacklo_epi64)
RPL_UNPACK(hi64, unpackhi_epi64)
#undef RPL_UNPACK

#define RPL_UNPACK_INLINE RPL_AVX2_INLINE
#include "simd/deinterleave_unpack8x8.inc"
#undef RPL_UNPACK_INLINE

// Transposes rows [t, t+8) x columns [c, c+16): within each 128-bit lane an 8x8 int16 transpose (unpack 16,
// 32, 64), so lane 0 of c[j] holds column j and lane 1 column 8+j, each as 8 consecutive rows.
RPL_AVX2_INLINE void Transpose8x16(const uint8_t* p, uint64_t stride, __m256i c[8]) {
  __m256i r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i * stride));
  Unpack8x8(r, c);
}

// Transposes rows [t, t+16) x columns [c, c+8): r[i] holds row i in lane 0 and row 8+i in lane 1, so c[j] is
// column j as 16 consecutive rows.
RPL_AVX2_INLINE void Transpose16x8(const uint8_t* p, uint64_t stride, __m256i c[8]) {
  __m256i r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i)
    r[i] = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i * stride))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + (8 + i) * stride)), 1);
  Unpack8x8(r, c);
}

// Rows [t, t+8) x columns [c, c+8): c[j] is column j as 8 consecutive rows.
RPL_AVX2_INLINE void Transpose8x8(const uint8_t* p, uint64_t stride, __m128i c[8]) {
  __m128i r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i * stride));
  Unpack8x8(r, c);
}

// 8 int16 of one channel -> 8 floats with ScaleOne's roundings (double(raw) * gain -> float [+ offset]).
template <bool kOffset>
RPL_AVX2_INLINE void ScaleStore8(__m128i x, const Scale& s, float* y) {
  const __m256d g = _mm256_set1_pd(s.gain);
  __m256i w = _mm256_cvtepi16_epi32(x);
  __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(w)), g));
  __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(w, 1)), g));
  if (kOffset) {
    const __m256d o = _mm256_set1_pd(s.offset);
    lo = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(lo), o));
    hi = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(hi), o));
  }
  _mm256_storeu_ps(y, _mm256_set_m128(hi, lo));
}

#define RPL_GROUPS_TARGET RPL_AVX2
#include "simd/deinterleave_groups.inc"
#undef RPL_GROUPS_TARGET

// Block kernels for RunGroups. Runs of 16 columns: 8-row blocks, lane 0 of c[j] column j, lane 1 column 8+j.
struct Cols16 {
  static constexpr size_t kWidth = 16;
  static constexpr bool kRows16 = false;
  template <bool kOffset>
  RPL_AVX2_INLINE static void Block8(const uint8_t* p, uint64_t stride, const Scale*, int16_t* const* dst, uint64_t t) {
    __m256i c[8];
    Transpose8x16(p, stride, c);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[j] + t), _mm256_castsi256_si128(c[j]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[8 + j] + t), _mm256_extracti128_si256(c[j], 1));
    }
  }
  template <bool kOffset>
  RPL_AVX2_INLINE static void Block8(const uint8_t* p, uint64_t stride, const Scale* sc, float* const* dst, uint64_t t) {
    __m256i c[8];
    Transpose8x16(p, stride, c);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      ScaleStore8<kOffset>(_mm256_castsi256_si128(c[j]), sc[j], dst[j] + t);
      ScaleStore8<kOffset>(_mm256_extracti128_si256(c[j], 1), sc[8 + j], dst[8 + j] + t);
    }
  }
};

// Runs of 8 columns: 16-row blocks (c[j] = column j, 16 rows: one 32-byte store, or two 8-float ScaleStore8),
// then one 8-row block.
struct Cols8 {
  static constexpr size_t kWidth = 8;
  static constexpr bool kRows16 = true;
  template <bool kOffset>
  RPL_AVX2_INLINE static void Block16(const uint8_t* p, uint64_t stride, const Scale*, int16_t* const* dst, uint64_t t) {
    __m256i c[8];
    Transpose16x8(p, stride, c);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst[j] + t), c[j]);
  }
  template <bool kOffset>
  RPL_AVX2_INLINE static void Block16(const uint8_t* p, uint64_t stride, const Scale* sc, float* const* dst, uint64_t t) {
    __m256i c[8];
    Transpose16x8(p, stride, c);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      ScaleStore8<kOffset>(_mm256_castsi256_si128(c[j]), sc[j], dst[j] + t);
      ScaleStore8<kOffset>(_mm256_extracti128_si256(c[j], 1), sc[j], dst[j] + t + 8);
    }
  }
  template <bool kOffset>
  RPL_AVX2_INLINE static void Block8(const uint8_t* p, uint64_t stride, const Scale*, int16_t* const* dst, uint64_t t) {
    __m128i c[8];
    Transpose8x8(p, stride, c);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[j] + t), c[j]);
  }
  template <bool kOffset>
  RPL_AVX2_INLINE static void Block8(const uint8_t* p, uint64_t stride, const Scale* sc, float* const* dst, uint64_t t) {
    __m128i c[8];
    Transpose8x8(p, stride, c);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) ScaleStore8<kOffset>(c[j], sc[j], dst[j] + t);
  }
};

}  // namespace

RPL_AVX2 void RawGroupsAvx2(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                            int16_t* const* out, const Prefetch& pf) {
  RunGroups<Cols16, false>(src, cols, groups, ngroups, nullptr, out, pf);
}

RPL_AVX2 void ScaledGroupsAvx2(const RowBlock& src, const uint32_t* cols, const uint32_t* groups,
                               size_t ngroups, const Scale* scales, bool add_offset, float* const* out,
                               const Prefetch& pf) {
  if (add_offset) RunGroups<Cols16, true>(src, cols, groups, ngroups, scales, out, pf);
  else RunGroups<Cols16, false>(src, cols, groups, ngroups, scales, out, pf);
}

RPL_AVX2 void RawGroups8Avx2(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                             int16_t* const* out, const Prefetch& pf) {
  RunGroups<Cols8, false>(src, cols, groups, ngroups, nullptr, out, pf);
}

RPL_AVX2 void ScaledGroups8Avx2(const RowBlock& src, const uint32_t* cols, const uint32_t* groups,
                                size_t ngroups, const Scale* scales, bool add_offset, float* const* out,
                                const Prefetch& pf) {
  if (add_offset) RunGroups<Cols8, true>(src, cols, groups, ngroups, scales, out, pf);
  else RunGroups<Cols8, false>(src, cols, groups, ngroups, scales, out, pf);
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
