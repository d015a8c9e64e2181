// Portable cascade kernels (any x86-64 or other CPU): scipy's loop, every product rounded (no FMA). The SIMD
// levels use fused multiply-adds instead and agree with these to ~1e-15 of the signal scale.
#include <cstddef>
#include <type_traits>

#include "dsp/sosfilt_kernel.h"

// No multiply-add fusion, even if the build adds -march=native (see sosfilt_kernel.h).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

#include "dsp/sosfilt_cascade.h"

namespace rpl::dsp {
namespace {

// W channels in plain doubles; the lane loops are independent, so any auto-vectorisation is exact too.
template <int W>
struct ScalarV {
  static constexpr int kLanes = W;
  static constexpr bool kFma = false;
  struct Reg {
    double v[W];
  };
  static Reg Set1(double a) {
    Reg r;
    for (int l = 0; l < W; ++l) r.v[l] = a;
    return r;
  }
  template <typename T>
  static Reg Load(const T* p) {
    Reg r;
    for (int l = 0; l < W; ++l) r.v[l] = static_cast<double>(p[l]);
    return r;
  }
  template <typename T>
  static void Store(T* p, const Reg& x) {
    for (int l = 0; l < W; ++l) p[l] = static_cast<T>(x.v[l]);
  }
  static Reg Add(const Reg& a, const Reg& b) {
    Reg r;
    for (int l = 0; l < W; ++l) r.v[l] = a.v[l] + b.v[l];
    return r;
  }
  static Reg Sub(const Reg& a, const Reg& b) {
    Reg r;
    for (int l = 0; l < W; ++l) r.v[l] = a.v[l] - b.v[l];
    return r;
  }
  static Reg Mul(const Reg& a, const Reg& b) {
    Reg r;
    for (int l = 0; l < W; ++l) r.v[l] = a.v[l] * b.v[l];
    return r;
  }
};

void RunScalar1(const CascadeCall& c) { cascade::Run<ScalarV<1>>(c); }
void RunScalar4(const CascadeCall& c) { cascade::Run<ScalarV<4>>(c); }

}  // namespace

CascadeKernel ScalarKernel(int lanes) {
  return lanes == 1 ? CascadeKernel{1, &RunScalar1} : CascadeKernel{4, &RunScalar4};
}

}  // namespace rpl::dsp

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
