// Second-order sections (SOS): the coefficients of a cascade of biquads, kept apart from any filter state.
//
// One section (scipy row [b0 b1 b2 a0 a1 a2] with a0 == 1), transposed direct form II as scipy's _sosfilt:
//
//   y[n]  = b0*x[n] + z0[n-1]
//   z0[n] = b1*x[n] - a1*y[n] + z1[n-1]
//   z1[n] = b2*x[n] - a2*y[n]
//
// i.e. y[n] = b0*x[n] + b1*x[n-1] + b2*x[n-2] - a1*y[n-1] - a2*y[n-2]. A cascade feeds each section's y into
// the next section's x. This header also holds zpk2sos (how scipy pairs poles and zeros into sections, which
// fixes the section order we must reproduce) and sosfilt_zi (steady-state initial conditions).
#ifndef RPLPIPE_DSP_SOS_H_
#define RPLPIPE_DSP_SOS_H_

#include <cmath>
#include <complex>
#include <cstddef>
#include <optional>
#include <vector>

namespace rpl::dsp {

struct Biquad {
  double b0, b1, b2;  // numerator
  double a1, a2;      // denominator without a0 (== 1)
};
using Sos = std::vector<Biquad>;

// Zeros, poles and gain of a digital filter (as scipy's output='zpk').
struct Zpk {
  std::vector<std::complex<double>> z, p;
  double k = 1.0;
};

// Rows [b0 b1 b2 a0 a1 a2] → Sos. Throws std::invalid_argument unless n_sections >= 1, every a0 == 1 and
// every coefficient is finite (scipy's _validate_sos demands a0 == 1 exactly).
Sos SosFromRows(const double* rows, size_t n_sections);
void SosToRows(const Sos& sos, double* rows);

// scipy.signal.zpk2sos(z, p, k) with its default pairing='nearest', analog=False: same pairing, same order.
Sos ZpkToSos(Zpk zpk);

// scipy.signal.sosfilt_zi: per section [z0, z1] (row-major, n_sections x 2) so that a step of height 1 passes
// through the cascade without a transient. Throws std::invalid_argument for a section with a pole at z = 1.
std::vector<double> SosSteadyStateZi(const Sos& sos);

// The `ntaps` scipy.signal.sosfiltfilt derives from an SOS: 2*n + 1 minus the number of trailing first-order
// sections (min of the counts of b2 == 0 and a2 == 0). This is len(b) == len(a) of the equivalent (b, a).
size_t SosNumTaps(const Sos& sos);

// The largest pole radius of the cascade: max over sections of |z| for the roots of z^2 + a1*z + a2 (a
// first-order section's a2 == 0 gives the roots 0 and -a1). The filter is stable iff this is below 1; its
// response to a state (or an impulse) decays like radius^k times a polynomial in k.
double SosMaxPoleRadius(const Sos& sos);

// The same filter with its zeros paired as (1 - z^-2): every section [1, 0, -1, a1, a2] (poles and their order
// kept) with the product of the numerators' b0 in section 0's b0 and -b2. Only for an SOS whose every numerator is
// b0*[1, 2, 1], b0*[1, -2, 1] or b0*[1, 0, -1] with as many zeros at z = 1 as at z = -1 (band-passes whose
// zeros all lie at z = +-1, as Butterworth and Chebyshev I designs from zpk2sos); otherwise nullopt. A section
// (1 - z^-2) / A(z) costs the SIMD kernels three operations per row instead of four (Form::kDiffUnitTail).
// Each section then stops DC itself, where zpk2sos's pairing passes the input's offset through the low-pass
// sections first.
std::optional<Sos> PairBandPassZeros(const Sos& sos);

// Complex arithmetic exactly as numpy 2.x evaluates it on x86-64 with FMA (the machine our golden vectors
// come from), so poles land on the same bits and zpk2sos breaks ties between poles the same way.
namespace npc {
using C = std::complex<double>;
inline C Mul(C a, C b) {
  return {std::fma(a.real(), b.real(), -(a.imag() * b.imag())), std::fma(a.real(), b.imag(), a.imag() * b.real())};
}
// Smith's algorithm, numpy's loops.c (not libgcc's __divdc3).
inline C Div(C a, C b) {
  double ar = a.real(), ai = a.imag(), br = b.real(), bi = b.imag();
  if (std::fabs(br) >= std::fabs(bi)) {
    double rat = bi / br, scl = 1.0 / (br + bi * rat);
    return {(ar + ai * rat) * scl, (ai - ar * rat) * scl};
  }
  double rat = br / bi, scl = 1.0 / (bi + br * rat);
  return {(ar * rat + ai) * scl, (ai * rat - ar) * scl};
}
// np.abs on complex128 (its SIMD loop): big * sqrt(1 + (small/big)^2) with one fma.
inline double Abs(C a) {
  double x = std::fabs(a.real()), y = std::fabs(a.imag());
  double big = x > y ? x : y, small = x > y ? y : x;
  if (big == 0.0 || std::isinf(big)) return big;
  double r = small / big;
  return big * std::sqrt(std::fma(r, r, 1.0));
}
}  // namespace npc

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_SOS_H_
