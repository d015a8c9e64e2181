// AVX2+FMA cascade kernels: 4 channels per __m256d, and the one-lane kernel the SIMD levels use for a lone
// channel. Fused multiply-adds only where the cascade asks for them (V::Fma/Fnmadd; fp-contract=off stops
// any other fusion), so both give the bits of the AVX-512 kernels; the portable kernel (sosfilt_scalar.cc)
// rounds every product and differs from them in the last bits. Selected at run time (rpl::simd::Active() >=
// kAvx2, which requires the FMA feature).
#include <cstddef>
#include <type_traits>

#include "dsp/sosfilt_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#pragma clang fp contract(off)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
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
  static constexpr bool kFma = true;
  static Reg Fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_pd(a, b, c); }
  static Reg Fnmadd(Reg a, Reg b, Reg c) { return _mm256_fnmadd_pd(a, b, c); }
  static Reg Fnmsub(Reg a, Reg b, Reg c) { return _mm256_fnmsub_pd(a, b, c); }
};

// One channel in the low lane of an __m128d, with scalar FMA instructions (vfmadd...sd): a lone channel's
// recursion is bound by latency, not width.
struct Fma1V {
  static constexpr int kLanes = 1;
  using Reg = __m128d;  // the low lane only
  static Reg Set1(double a) { return _mm_set_sd(a); }
  static Reg Load(const double* p) { return _mm_load_sd(p); }
  static Reg Load(const float* p) { return _mm_cvtss_sd(_mm_setzero_pd(), _mm_load_ss(p)); }
  static void Store(double* p, Reg x) { _mm_store_sd(p, x); }
  static void Store(float* p, Reg x) { _mm_store_ss(p, _mm_cvtsd_ss(_mm_setzero_ps(), x)); }
  static Reg Add(Reg a, Reg b) { return _mm_add_sd(a, b); }
  static Reg Sub(Reg a, Reg b) { return _mm_sub_sd(a, b); }
  static Reg Mul(Reg a, Reg b) { return _mm_mul_sd(a, b); }
  static constexpr bool kFma = true;
  static Reg Fma(Reg a, Reg b, Reg c) { return _mm_fmadd_sd(a, b, c); }
  static Reg Fnmadd(Reg a, Reg b, Reg c) { return _mm_fnmadd_sd(a, b, c); }
  static Reg Fnmsub(Reg a, Reg b, Reg c) { return _mm_fnmsub_sd(a, b, c); }
};

void RunAvx2(const CascadeCall& c) { cascade::Run<Avx2V>(c); }
void RunFma1(const CascadeCall& c) { cascade::Run<Fma1V>(c); }

}  // namespace
}  // namespace rpl::dsp

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace rpl::dsp {
CascadeKernel Avx2Kernel() { return {4, &RunAvx2}; }
CascadeKernel Fma1Kernel() { return {1, &RunFma1}; }
}  // namespace rpl::dsp

#else  // not x86: never selected (rpl::simd::Detected() is kScalar there)
namespace rpl::dsp {
CascadeKernel Avx2Kernel() { return ScalarKernel(4); }
CascadeKernel Fma1Kernel() { return ScalarKernel(1); }
}  // namespace rpl::dsp
#endif
