// The one cascade loop, written once over a lane type V and instantiated by each kernel file
// (sosfilt_scalar.cc, sosfilt_avx2.cc, sosfilt_avx512.cc) inside its own `#pragma GCC target` region.
//
// Include this header ONLY inside such a region, after every other header, and instantiate it only with a
// V defined in that file's anonymous namespace: the instantiations then have internal linkage, so the linker
// can never swap an AVX-512 copy in for the portable one.
//
// V provides: kLanes, Reg, Set1(double), Load(const float*/const double*), Store(float*/double*, Reg),
// Add, Sub, Mul. Fixed section counts keep coefficients and state in registers; NSEC == 0 reads them from
// memory for any count. Both variants perform the same operations in the same order (bit-identical).
#ifndef RPLPIPE_DSP_SOSFILT_CASCADE_H_
#define RPLPIPE_DSP_SOSFILT_CASCADE_H_

#include <cstddef>
#include <type_traits>

#include "dsp/sosfilt_kernel.h"

namespace rpl::dsp::cascade {

struct NoOut {};  // Out type of a state-only pass

template <class V, typename In, typename Out, int NSEC>
void Rows(const CascadeCall& c) {
  using R = typename V::Reg;
  constexpr int W = V::kLanes;
  const In* in = static_cast<const In*>(c.in);
  [[maybe_unused]] Out* out = static_cast<Out*>(c.out);
  const std::ptrdiff_t is = c.in_stride;
  [[maybe_unused]] const std::ptrdiff_t os = c.out_stride;
  if constexpr (NSEC > 0) {
    R b0[NSEC], b1[NSEC], b2[NSEC], a1[NSEC], a2[NSEC], z0[NSEC], z1[NSEC];
    for (int s = 0; s < NSEC; ++s) {
      const double* q = c.coef + 5 * s;
      b0[s] = V::Set1(q[0]), b1[s] = V::Set1(q[1]), b2[s] = V::Set1(q[2]);
      a1[s] = V::Set1(q[3]), a2[s] = V::Set1(q[4]);
      z0[s] = V::Load(c.state + (2 * s) * W), z1[s] = V::Load(c.state + (2 * s + 1) * W);
    }
    for (size_t r = 0; r < c.n; ++r) {
      const std::ptrdiff_t ri = static_cast<std::ptrdiff_t>(r);
      R x = V::Load(in + ri * is);
      for (int s = 0; s < NSEC; ++s) {
        R y = V::Add(V::Mul(b0[s], x), z0[s]);
        z0[s] = V::Add(V::Sub(V::Mul(b1[s], x), V::Mul(a1[s], y)), z1[s]);
        z1[s] = V::Sub(V::Mul(b2[s], x), V::Mul(a2[s], y));
        x = y;
      }
      if constexpr (!std::is_same_v<Out, NoOut>) V::Store(out + ri * os, x);
    }
    for (int s = 0; s < NSEC; ++s) {
      V::Store(c.state + (2 * s) * W, z0[s]);
      V::Store(c.state + (2 * s + 1) * W, z1[s]);
    }
  } else {
    for (size_t r = 0; r < c.n; ++r) {
      const std::ptrdiff_t ri = static_cast<std::ptrdiff_t>(r);
      R x = V::Load(in + ri * is);
      for (int s = 0; s < c.nsec; ++s) {
        const double* q = c.coef + 5 * s;
        double* st = c.state + 2 * s * W;
        R z0 = V::Load(st), z1 = V::Load(st + W);
        R y = V::Add(V::Mul(V::Set1(q[0]), x), z0);
        z0 = V::Add(V::Sub(V::Mul(V::Set1(q[1]), x), V::Mul(V::Set1(q[3]), y)), z1);
        z1 = V::Sub(V::Mul(V::Set1(q[2]), x), V::Mul(V::Set1(q[4]), y));
        V::Store(st, z0);
        V::Store(st + W, z1);
        x = y;
      }
      if constexpr (!std::is_same_v<Out, NoOut>) V::Store(out + ri * os, x);
    }
  }
}

template <class V, typename In, typename Out>
CascadeFn BySections(int nsec) {
  switch (nsec) {
    case 1: return &Rows<V, In, Out, 1>;
    case 2: return &Rows<V, In, Out, 2>;
    case 3: return &Rows<V, In, Out, 3>;
    case 4: return &Rows<V, In, Out, 4>;
    case 5: return &Rows<V, In, Out, 5>;
    case 6: return &Rows<V, In, Out, 6>;
    case 8: return &Rows<V, In, Out, 8>;
    default: return &Rows<V, In, Out, 0>;
  }
}

template <class V, typename In>
CascadeFn ByOut(const CascadeCall& c) {
  if (c.out == nullptr) return BySections<V, In, NoOut>(c.nsec);
  if (c.out_type == SampleType::kFloat32) return BySections<V, In, float>(c.nsec);
  return BySections<V, In, double>(c.nsec);
}

// The entry point each kernel file exports (through a function pointer in its CascadeKernel).
template <class V>
void Run(const CascadeCall& c) {
  CascadeFn f = c.in_type == SampleType::kFloat32 ? ByOut<V, float>(c) : ByOut<V, double>(c);
  f(c);
}

}  // namespace rpl::dsp::cascade

#endif  // RPLPIPE_DSP_SOSFILT_CASCADE_H_
