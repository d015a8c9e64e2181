// AVX2 cascade kernel: 4 channels per __m256d. Compiled for AVX2 only (not FMA: no fused multiply-add), so
// it equals the scalar kernel bit for bit. Selected at run time (rpl::simd::Active() >= kAvx2).
#include <cstddef>
#include <type_traits>

#include "dsp/sosfilt_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#pragma clang fp contract(off)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#pragma GCC optimize("fp-contract=off")
#endif

#include "dsp/sosfilt_cascade.h"

namespace rpl::dsp {
namespace {

struct Avx2V {
  static constexpr int kLanes = 4;
  using Reg = __m256d;
  static Reg Set1(double a) { return _mm256_set1_pd(a); }
  static Reg Load(const double* p) { return _mm256_loadu_pd(p); }
  static Reg Load(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
  static void Store(double* p, Reg x) { _mm256_storeu_pd(p, x); }
  static void Store(float* p, Reg x) { _mm_storeu_ps(p, _mm256_cvtpd_ps(x)); }
  static Reg Add(Reg a, Reg b) { return _mm256_add_pd(a, b); }
  static Reg Sub(Reg a, Reg b) { return _mm256_sub_pd(a, b); }
  static Reg Mul(Reg a, Reg b) { return _mm256_mul_pd(a, b); }
};

void RunAvx2(const CascadeCall& c) { cascade::Run<Avx2V>(c); }

}  // namespace
}  // namespace rpl::dsp

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace rpl::dsp {
CascadeKernel Avx2Kernel() { return {4, &RunAvx2}; }
}  // namespace rpl::dsp

#else  // not x86: never selected (rpl::simd::Detected() is kScalar there)
namespace rpl::dsp {
CascadeKernel Avx2Kernel() { return ScalarKernel(4); }
}  // namespace rpl::dsp
#endif
