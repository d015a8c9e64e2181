// Kaiser window and the modified Bessel function I0 it is built from, reproducing scipy bit for bit.
//
// scipy.signal.windows.kaiser(M, beta, sym=True) is
//   w[n] = i0(beta * sqrt(1 - ((n - alpha) / alpha)**2)) / i0(beta),  alpha = (M - 1) / 2,
// with scipy.special.i0 = Cephes i0 (Chebyshev series). Using the same series, the same operation order and
// no fused multiply-adds gives the same doubles as scipy, so resampling filters designed here equal scipy's taps
// exactly (tested against scipy in test/dsp-resample.test.ts).
#ifndef RPLPIPE_DSP_KAISER_H_
#define RPLPIPE_DSP_KAISER_H_

#include <cstddef>
#include <vector>

namespace rpl::dsp {

// Modified Bessel function of the first kind, order 0 (Cephes i0; relative error ~6e-16 on [0, 30]).
double BesselI0(double x);

// Symmetric Kaiser window of `m` points (scipy kaiser(m, beta, sym=True)); m <= 1 gives m ones.
std::vector<double> KaiserWindow(std::size_t m, double beta);

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_KAISER_H_
