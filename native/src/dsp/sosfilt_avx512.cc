// AVX-512 cascade kernel: 8 channels per __m512d (16 as a pair). Fused multiply-adds only where the cascade
// asks for them (V::Fma/Fnmadd); fp-contract=off keeps the compiler from fusing any other multiply and add,
// so this kernel performs exactly the operations of the AVX2 and one-lane FMA kernels (sosfilt_avx2.cc) and
// gives their bits. Selected at run time (rpl::simd::Active() == kAvx512).
#include <cstddef>
#include <type_traits>

#include "dsp/sosfilt_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
// GCC 12 reports its own _mm512_undefined_pd() (used by the conversions) as maybe-uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#pragma clang fp contract(off)
#else
#pragma GCC push_options
#pragma GCC target("avx512f")
#pragma GCC optimize("fp-contract=off")
#endif

#include "dsp/sosfilt_cascade.h"

namespace rpl::dsp {
namespace {

#include "dsp/sosfilt_avx512_lane.inc"

void RunAvx512(const CascadeCall& c) { cascade::Run<Avx512V>(c); }
void RunAvx512Pair(const CascadeCall& c) { cascade::Run<Avx512PairV>(c); }

}  // namespace
}  // namespace rpl::dsp

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace rpl::dsp {
CascadeKernel Avx512Kernel() { return {8, &RunAvx512}; }
CascadeKernel Avx512PairKernel() { return {16, &RunAvx512Pair}; }
}  // namespace rpl::dsp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#else
namespace rpl::dsp {
CascadeKernel Avx512Kernel() { return ScalarKernel(4); }
CascadeKernel Avx512PairKernel() { return ScalarKernel(4); }
}  // namespace rpl::dsp
#endif
