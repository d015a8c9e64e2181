// Cascade kernels: run rows of samples through all sections of an SOS, one channel per SIMD lane.
//
// A "row" holds one sample of `lanes` adjacent channels (as interleaved NSx data stores them), so every lane
// runs the same recurrence on its own channel and no lane ever talks to another. The state stays in double
// whatever the sample type; float32 samples are widened on load and rounded once on store.
//
// Per lane and section, in exactly the order of scipy's _sosfilt.pyx (transposed direct form II):
//   y  = b0*x + z0
//   z0 = (b1*x - a1*y) + z1
//   z1 = b2*x - a2*y
// No path may fuse a multiply and an add (FMA) — the kernels are compiled with fp-contract=off and use
// separate mul/add intrinsics — so the scalar, AVX2 and AVX-512 paths give bit-identical results, equal to
// scipy's float64 sosfilt up to its own rounding.
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
// 4 lanes of __m256d. Only call when rpl::simd::Active() >= kAvx2.
CascadeKernel Avx2Kernel();
// 8 lanes of __m512d. Only call when rpl::simd::Active() == kAvx512.
CascadeKernel Avx512Kernel();
// 16 lanes: two __m512d per row, so every row carries two independent recursions. One 8-lane recursion is
// bound by its latency (about 16 cycles per row through z0: add, multiply, subtract, add), not by the
// arithmetic units; the pair keeps them busy. Same operations per lane. Only when Active() == kAvx512.
CascadeKernel Avx512PairKernel();

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_SOSFILT_KERNEL_H_
