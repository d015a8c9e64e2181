// AVX-512 cascade kernels fused with the row <-> channel transposes (sosfilt_tile.h, RunChannelsAvx512):
// float32 channel arrays are read 8 samples x 8 channels at a time, transposed in registers into 8 rows, run
// through the cascade, and written back the same way, instead of going through a gathered tile and a scatter
// pass. An 8-lane recursion is bound by its latency (sosfilt_kernel.h), so the transposes fill issue slots
// that are idle otherwise: 8 float32 channel arrays filtered in place ran ~1.2x faster (Zen 5, hp30k). The cascade itself is cascade::Section from sosfilt_cascade.h over lane types identical to
// sosfilt_avx512.cc's (same operations in the same order, fp-contract=off), and the float <-> double
// conversions are the same instructions, so the results are those of the tiled path bit for bit.
#include "dsp/sosfilt_tile.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "dsp/sosfilt_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw"))), apply_to = function)
#pragma clang fp contract(off)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw")
#pragma GCC optimize("fp-contract=off")
#endif

#include "dsp/sosfilt_cascade.h"

namespace rpl::dsp::tile {
namespace {

using cascade::Form;

// The lane type of sosfilt_avx512.cc's 8-lane kernel (Avx512V): same instructions. 16-lane blocks run as two
// 8-lane halves (RunChannelsAvx512).
#include "dsp/sosfilt_avx512_lane.inc"
using V8 = Avx512V;
using V16 = Avx512PairV;

#define RPL_TRANSPOSE8_TARGET
#include "dsp/sosfilt_transpose8.inc"
#undef RPL_TRANSPOSE8_TARGET

// Samples ahead (per channel array) that the channel sources prefetch: 16 cache lines. (64 and 1024 measured
// the same on Zen 5; the hardware prefetchers follow 8-16 ascending streams mostly on their own.)
constexpr std::ptrdiff_t kChannelAhead = 256;
#define RPL_INLINE inline __attribute__((always_inline))

// A prefetch with intent to write (prefetchw) of base[offset]. Address arithmetic in integers: the element may
// lie before the array (a prefetch never faults).
RPL_INLINE void PrefetchForWrite(const float* base, std::ptrdiff_t offset) {
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(base) +
                                                   static_cast<std::uintptr_t>(offset) * sizeof(float)),
                     1);
}

// Row sources/destinations. Row t of the call (time order, 0 <= t < n).
template <class V>
struct ChIn {
  const float* const* ch;
  // Rows t..t+7 into x[0..8), time order.
  RPL_INLINE void Load8(size_t t, typename V::Reg x[8], bool reverse) const {
    __m256 r[8];
    for (int k = 0; k < 8; ++k) {
      const float* p = ch[k] + t;
      r[k] = _mm256_loadu_ps(p);
      cascade::Prefetch(p, reverse ? -kChannelAhead : kChannelAhead);
    }
    Transpose8(r);
    for (int k = 0; k < 8; ++k) x[k] = _mm512_cvtps_pd(r[k]);  // = V::Load of the row
  }
  RPL_INLINE typename V::Reg Load1(size_t t) const {
    alignas(64) float row[V::kLanes];
    for (int l = 0; l < V::kLanes; ++l) row[l] = ch[l][t];
    return V::Load(row);
  }
};

template <class V, typename T>
struct RowIn {
  const T* p;
  std::ptrdiff_t stride;  // elements between rows (>= lanes)
  RPL_INLINE void Load8(size_t t, typename V::Reg x[8], bool reverse) const {
    const std::ptrdiff_t base = static_cast<std::ptrdiff_t>(t) * stride;
    cascade::Prefetch(p, base + (reverse ? -cascade::kPrefetchRows : cascade::kPrefetchRows + 7) * stride);
    for (int k = 0; k < 8; ++k) x[k] = V::Load(p + base + k * stride);
  }
  RPL_INLINE typename V::Reg Load1(size_t t) const { return V::Load(p + static_cast<std::ptrdiff_t>(t) * stride); }
};

struct NoOut {};

template <class V>
struct ChOut {
  float* const* ch;
  RPL_INLINE void Store8(size_t t, typename V::Reg y[8]) const {
    __m256 r[8];
    for (int k = 0; k < 8; ++k) r[k] = _mm512_cvtpd_ps(y[k]);  // = V::Store of the row
    Transpose8(r);
    for (int k = 0; k < 8; ++k) _mm256_storeu_ps(ch[k] + t, r[k]);
  }
  RPL_INLINE void Store1(size_t t, typename V::Reg y) const {
    alignas(64) float row[V::kLanes];
    V::Store(row, y);
    for (int l = 0; l < V::kLanes; ++l) ch[l][t] = row[l];
  }
};

template <class V, typename T>
struct RowOut {
  T* p;
  std::ptrdiff_t stride;
  RPL_INLINE void Store8(size_t t, typename V::Reg y[8]) const {
    const std::ptrdiff_t base = static_cast<std::ptrdiff_t>(t) * stride;
    for (int k = 0; k < 8; ++k) V::Store(p + base + k * stride, y[k]);
  }
  RPL_INLINE void Store1(size_t t, typename V::Reg y) const { V::Store(p + static_cast<std::ptrdiff_t>(t) * stride, y); }
};

// `sw`: lanes of the state's rows ([nsec][2][sw], this call's lanes first).
template <class V, class In, class Out, int NSEC, Form F>
void Fused(const double* coef, double* state, int sw, const In& in, const Out& out, size_t n, bool reverse) {
  using R = typename V::Reg;
  constexpr bool kOut = !std::is_same_v<Out, NoOut>;
  R b0[NSEC], b1[NSEC], b2[NSEC], a1[NSEC], a2[NSEC], z0[NSEC], z1[NSEC];
  for (int s = 0; s < NSEC; ++s) {
    const double* q = coef + 5 * s;
    b0[s] = V::Set1(q[0]), b1[s] = V::Set1(q[1]), b2[s] = V::Set1(q[2]);
    a1[s] = V::Set1(q[3]), a2[s] = V::Set1(q[4]);
    z0[s] = V::Load(state + (2 * s) * sw), z1[s] = V::Load(state + (2 * s + 1) * sw);
  }
  // As cascade::Rows: each section as cascade::SectionOf runs it for the coefficient form F.
  auto step = [&](R x) __attribute__((always_inline)) {
    for (int s = 0; s < NSEC; ++s) x = cascade::SectionOf<V, F>(s, x, b0[s], b1[s], b2[s], a1[s], a2[s], z0[s], z1[s]);
    return x;
  };
  const size_t body = n / 8 * 8;
  if (!reverse) {
    for (size_t t = 0; t < body; t += 8) {
      R x[8];
      in.Load8(t, x, false);
      for (int k = 0; k < 8; ++k) x[k] = step(x[k]);
      if constexpr (kOut) out.Store8(t, x);
    }
    for (size_t t = body; t < n; ++t) {
      const R y = step(in.Load1(t));
      if constexpr (kOut) out.Store1(t, y);
    }
  } else {
    // Rows [body, n) first (the partial group sits at the end in time), then groups of 8 downwards.
    for (size_t t = n; t > body;) {
      --t;
      const R y = step(in.Load1(t));
      if constexpr (kOut) out.Store1(t, y);
    }
    for (size_t t = body; t > 0;) {
      t -= 8;
      R x[8];
      in.Load8(t, x, true);
      for (int k = 8; k-- > 0;) x[k] = step(x[k]);
      if constexpr (kOut) out.Store8(t, x);
    }
  }
  for (int s = 0; s < NSEC; ++s) {
    V::Store(state + (2 * s) * sw, z0[s]);
    V::Store(state + (2 * s + 1) * sw, z1[s]);
  }
}

// Rows t..t+3 of 8 float32 channels (r[k] = row t+k) to ch[c][t..t+4): one 16-byte store per channel.
RPL_INLINE void Store4x8(const __m256 r[4], float* const* ch, size_t t) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 u[4] = {_mm256_shuffle_ps(t0, t2, 0x44), _mm256_shuffle_ps(t0, t2, 0xEE),
                       _mm256_shuffle_ps(t1, t3, 0x44), _mm256_shuffle_ps(t1, t3, 0xEE)};
  for (int k = 0; k < 4; ++k) {
    _mm_storeu_ps(ch[k] + t, _mm256_castps256_ps128(u[k]));
    _mm_storeu_ps(ch[k + 4] + t, _mm256_extractf128_ps(u[k], 1));
  }
}

// A 16-lane block from rows (adjacent doubles or floats) to 16 float32 channel arrays: the pair kernel's
// arithmetic (two independent recursions per row keep the FMA units busy, where one 8-lane recursion waits on
// its latency), every 4 rows transposed into one 16-byte store per channel. Replaces the pair kernel into a row
// tile plus a transposing copy of the tile, a second pass over the output (16 float32 channels, hp30k
// sosfiltfilt on Zen 5, back to back: 17.4-18.0 ms instead of 18.0-18.4). Only for arrays spread over the L1 sets
// (SpreadOverCacheSets in sosfilt.cc): 16 arrays at the same address modulo 4 KiB fight over one set, and
// then this ran 1.4x slower than the tile and copy. Same operations per lane as Avx512PairKernel: same bits.
template <class In, int NSEC, Form F>
void PairToChannels(const double* coef, double* state, const In& in, float* const* ch, size_t n, bool reverse) {
  using V = V16;
  using R = typename V::Reg;
  R b0[NSEC], a1[NSEC], z0[NSEC], z1[NSEC];
  for (int s = 0; s < NSEC; ++s) {
    b0[s] = V::Set1(coef[5 * s]), a1[s] = V::Set1(coef[5 * s + 3]);
    z0[s] = V::Load(state + (2 * s) * 16), z1[s] = V::Load(state + (2 * s + 1) * 16);
  }
  alignas(64) float rows[4][16];  // the last rows, float32, until their group of 4 is stored
  // Row t through the cascade into rows[k]. The coefficients off the recursion (b1, b2, a2) are broadcast from
  // memory on every row rather than held: the state, b0, a1 and the transposes then fit the 32 vector
  // registers (with all of them held, the compiler spilled state and the recursion waited on the reloads).
  auto row = [&](size_t t, int k) __attribute__((always_inline)) {
    R x = in.Load1(t);
    const double* q = coef;
    asm volatile("" : "+r"(q));  // keeps the broadcasts in the loop
    for (int s = 0; s < NSEC; ++s) {
      // (The forms that use no b1 or b2 leave those broadcasts unused, and the compiler drops them.)
      const R b1 = V::Set1(q[5 * s + 1]), b2 = V::Set1(q[5 * s + 2]), a2 = V::Set1(q[5 * s + 4]);
      x = cascade::SectionOf<V, F>(s, x, b0[s], b1, b2, a1[s], a2, z0[s], z1[s]);
    }
    _mm256_store_ps(rows[k], _mm512_cvtpd_ps(x.lo));  // = V::Store of the row
    _mm256_store_ps(rows[k] + 8, _mm512_cvtpd_ps(x.hi));
  };
  auto store4 = [&](size_t t) __attribute__((always_inline)) {
    __m256 r[4];
    for (int h = 0; h < 2; ++h) {
      for (int k = 0; k < 4; ++k) r[k] = _mm256_load_ps(rows[k] + 8 * h);
      Store4x8(r, ch + 8 * h, t);
    }
  };
  auto one = [&](size_t t) {
    row(t, 0);
    for (int l = 0; l < 16; ++l) ch[l][t] = rows[0][l];
  };
  const size_t body = n / 4 * 4;
  if (!reverse) {
    for (size_t t = 0; t < body; t += 4) {
      for (int k = 0; k < 4; ++k) row(t + k, k);
      store4(t);
    }
    for (size_t t = body; t < n; ++t) one(t);
  } else {
    // Rows [body, n) first (the partial group sits at the end in time), then groups of 4 downwards.
    for (size_t t = n; t > body;) one(--t);
    for (size_t t = body; t > 0;) {
      t -= 4;
      // Walking down, every 16 rows: the line kChannelAhead samples below in each array, for writing. The
      // hardware prefetchers leave 16 descending store streams waiting on memory (the backward pass of a
      // 60 s signal: 1882 against 1753 M samples/s, medians of 5, hp30k on Zen 5).
      if ((t & 15) == 0)
        for (int l = 0; l < 16; ++l) PrefetchForWrite(ch[l], static_cast<std::ptrdiff_t>(t) - kChannelAhead);
      for (int k = 4; k-- > 0;) row(t + k, k);
      store4(t);
    }
  }
  for (int s = 0; s < NSEC; ++s) {
    V::Store(state + (2 * s) * 16, z0[s]);
    V::Store(state + (2 * s + 1) * 16, z1[s]);
  }
}

// Calls K::Run<NSEC, F>(a...) with the fixed-count kernel for `nsec` sections (FusedSections) and the
// coefficient form of `coef`, as cascade::ByForm chooses it (one section has no tail: kUnitTail runs as
// kGeneral). One dispatch for the 8-lane fused kernels and the 16-lane PairToChannels.
template <class K, int NSEC, class... A>
void ByForm(Form f, A&&... a) {
  if (f == Form::kDiffUnitTail) return K::template Run<NSEC, Form::kDiffUnitTail>(a...);
  if (f == Form::kSymUnitTail) return K::template Run<NSEC, Form::kSymUnitTail>(a...);
  if (NSEC > 1 && f == Form::kUnitTail) return K::template Run<NSEC, Form::kUnitTail>(a...);
  K::template Run<NSEC, Form::kGeneral>(a...);
}

template <class K, class... A>
void BySections(const double* coef, int nsec, A&&... a) {
  const Form f = cascade::FormOf(coef, nsec);
  switch (nsec) {
    case 1: return ByForm<K, 1>(f, a...);
    case 2: return ByForm<K, 2>(f, a...);
    case 3: return ByForm<K, 3>(f, a...);
    case 4: return ByForm<K, 4>(f, a...);
    case 5: return ByForm<K, 5>(f, a...);
    case 6: return ByForm<K, 6>(f, a...);
    default: return ByForm<K, 8>(f, a...);  // FusedSections
  }
}

template <class In, class Out>
struct FusedKernel {
  template <int NSEC, Form F>
  static void Run(const double* coef, double* state, int sw, const In& in, const Out& out, size_t n, bool reverse) {
    Fused<V8, In, Out, NSEC, F>(coef, state, sw, in, out, n, reverse);
  }
};

template <class In>
struct PairKernel {
  template <int NSEC, Form F>
  static void Run(const double* coef, double* state, const In& in, float* const* ch, size_t n, bool reverse) {
    PairToChannels<In, NSEC, F>(coef, state, in, ch, n, reverse);
  }
};

// Lanes [g*8, g*8 + 8) of the call.
template <class In, class Out>
void Lanes8(const FusedCall& c, int g, const In& in, const Out& out) {
  BySections<FusedKernel<In, Out>>(c.coef, c.nsec, c.coef, c.state + 8 * g, c.lanes, in, out, c.n, c.reverse);
}

// All 16 lanes of the call, rows to channels.
template <class In>
void Pair16(const FusedCall& c, const In& in) {
  BySections<PairKernel<In>>(c.coef, c.nsec, c.coef, c.state, in, c.out_ch, c.n, c.reverse);
}

template <class In>
void ByOut(const FusedCall& c, int g, const In& in) {
  if (c.out_ch != nullptr) return Lanes8(c, g, in, ChOut<V8>{c.out_ch + 8 * g});
  if (c.out == nullptr) return Lanes8(c, g, in, NoOut{});
  if (c.out_type == SampleType::kFloat32)
    return Lanes8(c, g, in, RowOut<V8, float>{static_cast<float*>(c.out) + 8 * g, c.out_stride});
  Lanes8(c, g, in, RowOut<V8, double>{static_cast<double*>(c.out) + 8 * g, c.out_stride});
}

void Run(const FusedCall& c, int g) {
  if (c.in_ch != nullptr) return ByOut(c, g, ChIn<V8>{c.in_ch + 8 * g});
  const ChOut<V8> out{c.out_ch + 8 * g};
  if (c.in_type == SampleType::kFloat32)
    return Lanes8(c, g, RowIn<V8, float>{static_cast<const float*>(c.in) + 8 * g, c.in_stride}, out);
  Lanes8(c, g, RowIn<V8, double>{static_cast<const double*>(c.in) + 8 * g, c.in_stride}, out);
}

}  // namespace

bool RunChannelsAvx512(const FusedCall& c) {
  if ((c.lanes != 8 && c.lanes != 16) || !FusedSections(c.nsec)) return false;
  if (c.in_ch == nullptr && c.out_ch == nullptr) return false;  // rows to rows: the plain kernels
  if (c.n == 0) return true;
  // Rows to 16 channel arrays: the pair kernel with 4-row stores (PairToChannels). Otherwise 8 lanes at a
  // time, also for 16 (every lane performs the same operations either way): one 8-lane recursion is bound by
  // its latency, which leaves issue slots for the 8x8 transposes of channel inputs.
  if (c.lanes == 16 && c.in_ch == nullptr) {
    if (c.in_type == SampleType::kFloat32)
      Pair16(c, RowIn<V16, float>{static_cast<const float*>(c.in), c.in_stride});
    else
      Pair16(c, RowIn<V16, double>{static_cast<const double*>(c.in), c.in_stride});
    return true;
  }
  for (int g = 0; g < c.lanes / 8; ++g) Run(c, g);
  return true;
}

}  // namespace rpl::dsp::tile

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#else  // not x86: never called

namespace rpl::dsp::tile {
bool RunChannelsAvx512(const FusedCall&) { return false; }
}  // namespace rpl::dsp::tile

#endif
