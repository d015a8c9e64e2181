// Cascade kernels: run rows of samples through all sections of an SOS, one channel per SIMD lane.
//
// A "row" holds one sample of `lanes` adjacent channels (as interleaved NSx data stores them), so every lane
// runs the same recurrence on its own channel and no lane ever talks to another. The state stays in double
// whatever the sample type; float32 samples are widened on load and rounded once on store.
//
// Per lane and section, transposed direct form II as in scipy's _sosfilt.pyx. The portable kernels follow
// scipy's operations exactly, every product rounded:
//   y  = b0*x + z0
//   z0 = (b1*x - a1*y) + z1
//   z1 = b2*x - a2*y
// The SIMD levels (AVX2 requires FMA; AVX-512F has it) fuse them, each fma rounded once:
//   y  = b0*x + z0
//   z0 = fnmadd(a1, y, fma(b1, x, z1))      (z1 + b1*x - a1*y)
//   z1 = fnmadd(a2, y, b2*x)
// which is fewer operations, a shorter recursion and fewer roundings. Sections [b0, 0, -b0] (band-pass zeros
// paired as 1 - z^-2, which sosfiltfilt gives the SIMD levels: PairBandPassZeros) drop the b1 multiply-add:
// z0 = fnmadd(a1, y, z1), z1 = fnmsub(a2, y, b0*x) (Form::kDiffUnitTail in sosfilt_cascade.h). Every kernel of one arithmetic gives
// the same bits (AVX-512 16/8-lane, AVX2 4-lane and the one-lane FMA kernel all perform the FMA sequence;
// the kernels are compiled with fp-contract=off so the compiler fuses nothing else), so channel blocks,
// layouts and levels AVX2/AVX-512 agree bit for bit; the portable kernels differ from them by rounding only
// (~1e-16 relative per operation; measured <= ~1e-15 of max|y| after sosfiltfilt).
#ifndef RPLPIPE_DSP_SOSFILT_KERNEL_H_
#define RPLPIPE_DSP_SOSFILT_KERNEL_H_

#include <cstddef>
#include <cstdint>  // before the kernels' target regions (sosfilt_cascade.h)

namespace rpl::dsp {

enum class SampleType : int { kFloat32 = 0, kFloat64 = 1 };

inline size_t SampleBytes(SampleType t) { return t == SampleType::kFloat32 ? 4 : 8; }

// One kernel call: rows r = 0..n-1, row r read at in + r*in_stride and written at out + r*out_stride
// (strides in elements, negative to walk backwards), `lanes` adjacent values per row.
struct CascadeCall {
  const double* coef;  // [nsec][5]: b0 b1 b2 a1 a2
  int nsec;
  double* state;  // [nsec][2][lanes]: z0, z1 per section; initial conditions in, final conditions out
  const void* in;
  SampleType in_type;
  std::ptrdiff_t in_stride;
  void* out;  // nullptr: run for the final state only (padding that is cut off afterwards)
  SampleType out_type;
  std::ptrdiff_t out_stride;
  size_t n;
};

using CascadeFn = void (*)(const CascadeCall&);

struct CascadeKernel {
  int lanes;
  CascadeFn run;
};

inline constexpr int kMaxLanes = 16;

// Portable C++ (any CPU): 1 lane (a single channel) or 4 lanes.
CascadeKernel ScalarKernel(int lanes);
// 4 lanes of __m256d, FMA. Only call when rpl::simd::Active() >= kAvx2.
CascadeKernel Avx2Kernel();
// 1 lane with scalar FMA instructions: the lone-channel kernel of the SIMD levels (same bits as their wide
// kernels). Only call when rpl::simd::Active() >= kAvx2.
CascadeKernel Fma1Kernel();
// 8 lanes of __m512d. Only call when rpl::simd::Active() == kAvx512.
CascadeKernel Avx512Kernel();
// 16 lanes: two __m512d per row, so every row carries two independent recursions. One 8-lane recursion is
// bound by its latency (through z0: an add and an fnmadd per section and row), not by the arithmetic units;
// the pair keeps them busy. Same operations per lane. Only when Active() == kAvx512.
CascadeKernel Avx512PairKernel();

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_SOSFILT_KERNEL_H_
