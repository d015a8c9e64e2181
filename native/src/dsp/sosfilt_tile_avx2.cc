// AVX2 tile transposes (sosfilt_tile.h): 8x8 floats, 4x4 doubles, 4x4 floats per step, then a scalar tail.
// Plain copies (no arithmetic), compiled with a target attribute and only called after simd::Active() said
// AVX2 or wider.
#include "dsp/sosfilt_tile.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define RPL_TILE_AVX2 __attribute__((target("avx2")))

namespace rpl::dsp::tile {

namespace {

// In-register transposes: rows r[0..K) in, columns out in r.
#define RPL_TRANSPOSE8_TARGET RPL_TILE_AVX2
#include "dsp/sosfilt_transpose8.inc"
#undef RPL_TRANSPOSE8_TARGET

RPL_TILE_AVX2 inline void Transpose4(__m256d r[4]) {
  const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
  const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
  r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

RPL_TILE_AVX2 inline void Transpose4(__m128 r[4]) { _MM_TRANSPOSE4_PS(r[0], r[1], r[2], r[3]); }

// Square K x K blocks of elements: `Blk` loads K vectors of K elements at `src + k*src_step` and stores
// them transposed at `dst + k*dst_step`, for the lane group g (columns g*K.. of the tile).
template <typename T, int K>
struct Block;

template <>
struct Block<float, 8> {
  RPL_TILE_AVX2 static void Rows2Ch(const float* tile, int lanes, int g, float* const* ch, size_t i) {
    __m256 r[8];
    for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(tile + (i + k) * lanes + 8 * g);
    Transpose8(r);
    for (int k = 0; k < 8; ++k) _mm256_storeu_ps(ch[8 * g + k] + i, r[k]);
  }
  RPL_TILE_AVX2 static void Ch2Rows(const float* const* ch, int lanes, int g, size_t i, float* tile) {
    __m256 r[8];
    for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(ch[8 * g + k] + i);
    Transpose8(r);
    for (int k = 0; k < 8; ++k) _mm256_storeu_ps(tile + (i + k) * lanes + 8 * g, r[k]);
  }
};

template <>
struct Block<float, 4> {
  RPL_TILE_AVX2 static void Rows2Ch(const float* tile, int lanes, int g, float* const* ch, size_t i) {
    __m128 r[4];
    for (int k = 0; k < 4; ++k) r[k] = _mm_loadu_ps(tile + (i + k) * lanes + 4 * g);
    Transpose4(r);
    for (int k = 0; k < 4; ++k) _mm_storeu_ps(ch[4 * g + k] + i, r[k]);
  }
  RPL_TILE_AVX2 static void Ch2Rows(const float* const* ch, int lanes, int g, size_t i, float* tile) {
    __m128 r[4];
    for (int k = 0; k < 4; ++k) r[k] = _mm_loadu_ps(ch[4 * g + k] + i);
    Transpose4(r);
    for (int k = 0; k < 4; ++k) _mm_storeu_ps(tile + (i + k) * lanes + 4 * g, r[k]);
  }
};

template <>
struct Block<double, 4> {
  RPL_TILE_AVX2 static void Rows2Ch(const double* tile, int lanes, int g, double* const* ch, size_t i) {
    __m256d r[4];
    for (int k = 0; k < 4; ++k) r[k] = _mm256_loadu_pd(tile + (i + k) * lanes + 4 * g);
    Transpose4(r);
    for (int k = 0; k < 4; ++k) _mm256_storeu_pd(ch[4 * g + k] + i, r[k]);
  }
  RPL_TILE_AVX2 static void Ch2Rows(const double* const* ch, int lanes, int g, size_t i, double* tile) {
    __m256d r[4];
    for (int k = 0; k < 4; ++k) r[k] = _mm256_loadu_pd(ch[4 * g + k] + i);
    Transpose4(r);
    for (int k = 0; k < 4; ++k) _mm256_storeu_pd(tile + (i + k) * lanes + 4 * g, r[k]);
  }
};

template <typename T, int K>
RPL_TILE_AVX2 void ToChannels(const T* tile, int lanes, T* const* ch, size_t m) {
  size_t i = 0;
  for (; i + K <= m; i += K)
    for (int g = 0; g < lanes / K; ++g) Block<T, K>::Rows2Ch(tile, lanes, g, ch, i);
  for (; i < m; ++i)
    for (int c = 0; c < lanes; ++c) ch[c][i] = tile[i * lanes + c];
}

// Long runs of floats to 8/16 arrays that share their alignment: streaming (non-temporal) 32-byte stores once
// every array is 32-byte aligned, so the lines are written without being read first.
RPL_TILE_AVX2 bool ToChannelsStream(const float* tile, int lanes, float* const* ch, size_t m) {
  if (lanes != 8 && lanes != 16) return false;
  const std::uintptr_t mis = reinterpret_cast<std::uintptr_t>(ch[0]) % 64;
  if (mis % sizeof(float) != 0) return false;
  for (int c = 1; c < lanes; ++c)
    if (reinterpret_cast<std::uintptr_t>(ch[c]) % 64 != mis) return false;
  const size_t head = std::min<size_t>(m, ((64 - mis) % 64) / sizeof(float));
  for (size_t i = 0; i < head; ++i)
    for (int c = 0; c < lanes; ++c) ch[c][i] = tile[i * lanes + c];
  size_t i = head;
  // 16 rows at a time: each array gets one whole 64-byte line per step (two back-to-back 32-byte streaming
  // stores), so the write-combining buffers never hold a partial line.
  for (; i + 16 <= m; i += 16)
    for (int g = 0; g < lanes / 8; ++g) {
      __m256 r[8], s[8];
      for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(tile + (i + k) * lanes + 8 * g);
      for (int k = 0; k < 8; ++k) s[k] = _mm256_loadu_ps(tile + (i + 8 + k) * lanes + 8 * g);
      Transpose8(r);
      Transpose8(s);
      for (int k = 0; k < 8; ++k) {
        _mm256_stream_ps(ch[8 * g + k] + i, r[k]);
        _mm256_stream_ps(ch[8 * g + k] + i + 8, s[k]);
      }
    }
  for (; i < m; ++i)
    for (int c = 0; c < lanes; ++c) ch[c][i] = tile[i * lanes + c];
  _mm_sfence();
  return true;
}

template <typename T, int K>
RPL_TILE_AVX2 void FromChannels(const T* const* ch, int lanes, size_t m, T* tile) {
  size_t i = 0;
  for (; i + K <= m; i += K)
    for (int g = 0; g < lanes / K; ++g) Block<T, K>::Ch2Rows(ch, lanes, g, i, tile);
  for (; i < m; ++i)
    for (int c = 0; c < lanes; ++c) tile[i * lanes + c] = ch[c][i];
}

}  // namespace

bool ToChannelsAvx2(const float* tile, int lanes, float* const* ch, size_t m, bool stream) {
  if (stream && m >= 256 && ToChannelsStream(tile, lanes, ch, m)) return true;
  if (lanes == 8 || lanes == 16) ToChannels<float, 8>(tile, lanes, ch, m);
  else if (lanes == 4) ToChannels<float, 4>(tile, lanes, ch, m);
  else return false;
  return true;
}

bool ToChannelsAvx2(const double* tile, int lanes, double* const* ch, size_t m) {
  if (lanes != 16 && lanes != 8 && lanes != 4) return false;
  ToChannels<double, 4>(tile, lanes, ch, m);
  return true;
}

bool FromChannelsAvx2(const float* const* ch, int lanes, size_t m, float* tile) {
  if (lanes == 8 || lanes == 16) FromChannels<float, 8>(ch, lanes, m, tile);
  else if (lanes == 4) FromChannels<float, 4>(ch, lanes, m, tile);
  else return false;
  return true;
}

bool FromChannelsAvx2(const double* const* ch, int lanes, size_t m, double* tile) {
  if (lanes != 16 && lanes != 8 && lanes != 4) return false;
  FromChannels<double, 4>(ch, lanes, m, tile);
  return true;
}

}  // namespace rpl::dsp::tile

#else  // not x86: never called (simd::Active() is scalar there)

namespace rpl::dsp::tile {
bool ToChannelsAvx2(const float*, int, float* const*, size_t, bool) { return false; }
bool ToChannelsAvx2(const double*, int, double* const*, size_t) { return false; }
bool FromChannelsAvx2(const float* const*, int, size_t, float*) { return false; }
bool FromChannelsAvx2(const double* const*, int, size_t, double*) { return false; }
}  // namespace rpl::dsp::tile

#endif
