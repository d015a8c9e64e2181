// The one cascade loop, written once over a lane type V and instantiated by each kernel file
// (sosfilt_scalar.cc, sosfilt_avx2.cc, sosfilt_avx512.cc) inside its own `#pragma GCC target` region.
//
// Include this header ONLY inside such a region, after every other header, and instantiate it only with a
// V defined in that file's anonymous namespace: the instantiations then have internal linkage, so the linker
// can never swap an AVX-512 copy in for the portable one.
//
// V provides: kLanes, kFma, Reg, Set1(double), Load(const float*/const double*), Store(float*/double*, Reg),
// Add, Sub, Mul, and with kFma also Fma(a, b, c) = a*b + c, Fnmadd(a, b, c) = c - a*b and Fnmsub(a, b, c) =
// -(a*b) - c, each rounded once.
// Fixed section counts keep coefficients and state in registers; NSEC == 0 reads them from memory for any
// count. Every variant (section count, coefficient Form, lane type) of one arithmetic (kFma or not)
// performs, per lane, the same rounded operations in the same order, so all kernels of one SIMD level give
// the same bits (sosfilt_kernel.h).
#ifndef RPLPIPE_DSP_SOSFILT_CASCADE_H_
#define RPLPIPE_DSP_SOSFILT_CASCADE_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "dsp/sosfilt_kernel.h"

namespace rpl::dsp::cascade {

struct NoOut {};  // Out type of a state-only pass

// Coefficient forms with their own compile-time kernels. A multiply by exactly 1.0 returns its operand
// unchanged (also -0, infinities and NaN), and b2*x is b0*x when b2 == b0, so skipping those multiplies or
// reusing the product changes no bit. Butterworth designs (zpk2sos) are [k, b1, k] followed by [1, b1', 1]
// sections: 29 instead of 36 vector operations per row for PyHipp's 4 sections.
enum class Form : int {
  kGeneral = 0,      // every coefficient multiplied
  kUnitTail = 1,     // sections 1.. have b0 == b2 == 1
  kSymUnitTail = 2,  // and section 0 has b2 == b0
  kDiffUnitTail = 3  // every section [b0, 0, -b0] and sections 1.. [1, 0, -1]: band-pass zeros paired as
                     // (1 - z^-2) (PairBandPassZeros in sos.h); 13 instead of 17 operations per row for 4
                     // sections. Only with FMA (ForLevel): the portable kernels keep scipy's operations.
};

inline Form FormOf(const double* coef, int nsec) {
  bool diff = coef[1] == 0.0 && coef[2] == -coef[0];
  for (int s = 1; s < nsec; ++s) diff = diff && coef[5 * s] == 1.0 && coef[5 * s + 1] == 0.0 && coef[5 * s + 2] == -1.0;
  if (diff) return Form::kDiffUnitTail;
  bool unit_tail = true;
  for (int s = 1; s < nsec; ++s) unit_tail = unit_tail && coef[5 * s] == 1.0 && coef[5 * s + 2] == 1.0;
  if (!unit_tail) return Form::kGeneral;
  return coef[0] == coef[2] ? Form::kSymUnitTail : Form::kUnitTail;
}

// The form a lane type runs: kDiffUnitTail needs fnmsub, and the portable kernels (no FMA) perform scipy's
// operations for every SOS, so they take it as kGeneral (the same filter, every multiply performed).
template <class V>
constexpr Form ForLevel(Form f) {
  return !V::kFma && f == Form::kDiffUnitTail ? Form::kGeneral : f;
}

// One section. Without FMA, scipy's order: y = b0*x + z0; z0 = (b1*x - a1*y) + z1; z1 = b2*x - a2*y.
// With FMA: y = b0*x + z0; z0 = fnmadd(a1, y, fma(b1, x, z1)); z1 = fnmadd(a2, y, b2*x) (fewer roundings,
// and two dependent operations per row on the z0 -> y -> z0 recursion instead of four).
// kUnit: b0 == b2 == 1 (no multiply); kSym: b2 == b0 (one multiply for both).
// (Tried: for Butterworth tails, b1 == +-2, fma(+-2, x, z1) == z1 +- (x + x) exactly, moving three multiply-
// adds per row to the adders. No measurable gain on Zen 5, so not kept.)
template <class V, bool kUnit, bool kSym>
inline typename V::Reg Section(typename V::Reg x, typename V::Reg b0, typename V::Reg b1, typename V::Reg b2,
                               typename V::Reg a1, typename V::Reg a2, typename V::Reg& z0,
                               typename V::Reg& z1) {
  using R = typename V::Reg;
  R b0x;
  if constexpr (kUnit) b0x = x;
  else b0x = V::Mul(b0, x);
  const R y = V::Add(b0x, z0);
  if constexpr (V::kFma) {
    z0 = V::Fnmadd(a1, y, V::Fma(b1, x, z1));
  } else {
    z0 = V::Add(V::Sub(V::Mul(b1, x), V::Mul(a1, y)), z1);
  }
  R b2x;
  if constexpr (kUnit) b2x = x;
  else if constexpr (kSym) b2x = b0x;
  else b2x = V::Mul(b2, x);
  if constexpr (V::kFma) z1 = V::Fnmadd(a2, y, b2x);
  else z1 = V::Sub(b2x, V::Mul(a2, y));
  return y;
}

// A section with b = [b0, 0, -b0] (kUnit: b0 == 1), FMA only. The same bits as Section on those
// coefficients: fma(0, x, z1) == z1 and fnmadd(a2, y, -(b0*x)) == fnmsub(a2, y, b0*x) (negation is exact),
// apart from the sign of a zero state and the NaN an infinite sample makes either way. Three operations per
// section and row instead of four; the recursion (y -> z0 -> y) is the same add and fnmadd.
template <class V, bool kUnit>
inline typename V::Reg DiffSection(typename V::Reg x, typename V::Reg b0, typename V::Reg a1, typename V::Reg a2,
                                   typename V::Reg& z0, typename V::Reg& z1) {
  using R = typename V::Reg;
  R b0x;
  if constexpr (kUnit) b0x = x;
  else b0x = V::Mul(b0, x);
  const R y = V::Add(b0x, z0);
  z0 = V::Fnmadd(a1, y, z1);
  z1 = V::Fnmsub(a2, y, b0x);
  return y;
}

// Section s of a cascade of form F (one of ForLevel's results): what every kernel loop calls per row, so the
// row kernels here and the channel-array kernels (sosfilt_tile_avx512.cc) run the same operations.
template <class V, Form F>
inline typename V::Reg SectionOf(int s, typename V::Reg x, typename V::Reg b0, typename V::Reg b1,
                                 typename V::Reg b2, typename V::Reg a1, typename V::Reg a2, typename V::Reg& z0,
                                 typename V::Reg& z1) {
  if constexpr (F == Form::kDiffUnitTail) {
    if (s == 0) return DiffSection<V, false>(x, b0, a1, a2, z0, z1);
    return DiffSection<V, true>(x, b0, a1, a2, z0, z1);
  } else {
    if (s == 0) return Section<V, false, F == Form::kSymUnitTail>(x, b0, b1, b2, a1, a2, z0, z1);
    return Section<V, F != Form::kGeneral, false>(x, b0, b1, b2, a1, a2, z0, z1);
  }
}

// Input rows are requested this many rows ahead. A kernel call walks its lanes' part of each row, a strided
// walk through a large signal that the hardware prefetchers alone leave waiting on memory most of the time
// (sosfilt of 16 interleaved float32 channels ran 1.6x faster with it). 128 rows rather than 32 (Zen 5, 60 s
// at 30 kHz, hp30k sosfiltfilt): 16 float32 channels to channel arrays 1994-2073 against 1838-1876 M samples/s,
// 16 interleaved to interleaved 2364-2454 against 2099-2174; 8 channel arrays in place and 64 interleaved
// channels the same within the noise; 256 and 512 rows no better.
inline constexpr std::ptrdiff_t kPrefetchRows = 128;

template <typename T>
inline void Prefetch(const T* base, std::ptrdiff_t offset) {
#if defined(__GNUC__)
  // Address arithmetic in integers: the row may lie past either end of the signal (a prefetch never faults).
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(base) +
                                                   static_cast<std::uintptr_t>(offset) * sizeof(T)));
#else
  (void)base, (void)offset;
#endif
}

template <class V, typename In, typename Out, int NSEC, Form F>
void Rows(const CascadeCall& c) {
  using R = typename V::Reg;
  constexpr int W = V::kLanes;
  const In* in = static_cast<const In*>(c.in);
  [[maybe_unused]] Out* out = static_cast<Out*>(c.out);
  const std::ptrdiff_t is = c.in_stride;
  [[maybe_unused]] const std::ptrdiff_t os = c.out_stride;
  const size_t n = c.n;
  // Offsets rather than moving pointers: a backwards walk never forms an address before its first row.
  std::ptrdiff_t io = 0;
  [[maybe_unused]] std::ptrdiff_t oo = 0;
  if constexpr (NSEC > 0) {
    R b0[NSEC], b1[NSEC], b2[NSEC], a1[NSEC], a2[NSEC], z0[NSEC], z1[NSEC];
    for (int s = 0; s < NSEC; ++s) {
      const double* q = c.coef + 5 * s;
      b0[s] = V::Set1(q[0]), b1[s] = V::Set1(q[1]), b2[s] = V::Set1(q[2]);
      a1[s] = V::Set1(q[3]), a2[s] = V::Set1(q[4]);
      z0[s] = V::Load(c.state + (2 * s) * W), z1[s] = V::Load(c.state + (2 * s + 1) * W);
    }
    for (size_t r = 0; r < n; ++r) {
      Prefetch(in, io + kPrefetchRows * is);
      R x = V::Load(in + io);
      io += is;
      // (One loop with the s == 0 case inside: GCC keeps the portable kernel's lane arrays in registers this
      // way, not when section 0 is peeled off.)
      for (int s = 0; s < NSEC; ++s) x = SectionOf<V, F>(s, x, b0[s], b1[s], b2[s], a1[s], a2[s], z0[s], z1[s]);
      if constexpr (!std::is_same_v<Out, NoOut>) {
        V::Store(out + oo, x);
        oo += os;
      }
    }
    for (int s = 0; s < NSEC; ++s) {
      V::Store(c.state + (2 * s) * W, z0[s]);
      V::Store(c.state + (2 * s + 1) * W, z1[s]);
    }
  } else {
    for (size_t r = 0; r < n; ++r) {
      Prefetch(in, io + kPrefetchRows * is);
      R x = V::Load(in + io);
      io += is;
      for (int s = 0; s < c.nsec; ++s) {
        const double* q = c.coef + 5 * s;
        double* st = c.state + 2 * s * W;
        R z0 = V::Load(st), z1 = V::Load(st + W);
        x = Section<V, false, false>(x, V::Set1(q[0]), V::Set1(q[1]), V::Set1(q[2]), V::Set1(q[3]),
                                     V::Set1(q[4]), z0, z1);
        V::Store(st, z0);
        V::Store(st + W, z1);
      }
      if constexpr (!std::is_same_v<Out, NoOut>) {
        V::Store(out + oo, x);
        oo += os;
      }
    }
  }
}

template <class V, typename In, typename Out, int NSEC>
CascadeFn ByForm(Form f) {
  f = ForLevel<V>(f);
  if constexpr (V::kFma) {
    if (f == Form::kDiffUnitTail) return &Rows<V, In, Out, NSEC, Form::kDiffUnitTail>;
  }
  if constexpr (NSEC <= 1) {
    return f == Form::kGeneral || f == Form::kUnitTail ? &Rows<V, In, Out, NSEC, Form::kGeneral>
                                                        : &Rows<V, In, Out, NSEC, Form::kSymUnitTail>;
  } else {
    switch (f) {
      case Form::kSymUnitTail: return &Rows<V, In, Out, NSEC, Form::kSymUnitTail>;
      case Form::kUnitTail: return &Rows<V, In, Out, NSEC, Form::kUnitTail>;
      default: return &Rows<V, In, Out, NSEC, Form::kGeneral>;
    }
  }
}

template <class V, typename In, typename Out>
CascadeFn BySections(int nsec, Form f) {
  switch (nsec) {
    case 1: return ByForm<V, In, Out, 1>(f);
    case 2: return ByForm<V, In, Out, 2>(f);
    case 3: return ByForm<V, In, Out, 3>(f);
    case 4: return ByForm<V, In, Out, 4>(f);
    case 5: return ByForm<V, In, Out, 5>(f);
    case 6: return ByForm<V, In, Out, 6>(f);
    case 8: return ByForm<V, In, Out, 8>(f);
    default: return &Rows<V, In, Out, 0, Form::kGeneral>;
  }
}

template <class V, typename In>
CascadeFn ByOut(const CascadeCall& c) {
  const Form f = FormOf(c.coef, c.nsec);
  if (c.out == nullptr) return BySections<V, In, NoOut>(c.nsec, f);
  if (c.out_type == SampleType::kFloat32) return BySections<V, In, float>(c.nsec, f);
  return BySections<V, In, double>(c.nsec, f);
}

// The entry point each kernel file exports (through a function pointer in its CascadeKernel).
template <class V>
void Run(const CascadeCall& c) {
  CascadeFn f = c.in_type == SampleType::kFloat32 ? ByOut<V, float>(c) : ByOut<V, double>(c);
  f(c);
}

}  // namespace rpl::dsp::cascade

#endif  // RPLPIPE_DSP_SOSFILT_CASCADE_H_
