// Windowed-sinc low-pass FIR design equal to scipy.signal.firwin(numtaps, cutoff, window=..., scale=True) for
// one cutoff (pass_zero=True, fs=2, so `cutoff` is relative to Nyquist), reproducing numpy's operation order
// (sinc as sin(pi*x)/(pi*x), pairwise summation for the DC normalisation) so the taps are the same doubles.
#ifndef RPLPIPE_DSP_FIRWIN_H_
#define RPLPIPE_DSP_FIRWIN_H_

#include <cstddef>
#include <vector>

namespace rpl::dsp {

// Low-pass taps of length `numtaps` (>= 1), cutoff in (0, 1) (fraction of Nyquist), multiplied by `window`
// (same length) and scaled to unit gain at DC. Throws std::invalid_argument on bad sizes or cutoff.
std::vector<double> FirwinLowpass(std::size_t numtaps, double cutoff, const std::vector<double>& window);

// firwin(numtaps, cutoff, window=('kaiser', beta)).
std::vector<double> FirwinKaiser(std::size_t numtaps, double cutoff, double beta);

// numpy's float64 sum (np.add.reduce on a contiguous array): pairwise summation in blocks of 128 with an
// 8-way unrolled inner loop. Exposed for the tests of the DC normalisation.
double NumpyPairwiseSum(const double* a, std::size_t n);

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_FIRWIN_H_
