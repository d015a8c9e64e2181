// Butterworth design, digit for digit the way scipy.signal.butter(N, Wn, btype, fs=fs, output='sos') does it:
// analog prototype poles (buttap), frequency transform (lp2lp/lp2hp/lp2bp/lp2bs_zpk) at pre-warped corners
// 4*tan(pi*Wn/2), bilinear transform (bilinear_zpk, fs = 2), then zpk2sos with pairing='nearest'.
// Designing from poles and zeros (never from polynomial coefficients) keeps high orders and low corners exact.
#ifndef RPLPIPE_DSP_BUTTER_H_
#define RPLPIPE_DSP_BUTTER_H_

#include "dsp/sos.h"

namespace rpl::dsp {

enum class BandType { kLowpass = 0, kHighpass = 1, kBandpass = 2, kBandstop = 3 };

inline constexpr int kMaxButterOrder = 64;

// Corner frequencies in the same unit as fs (e.g. Hz); f_high is only read for band-pass/band-stop.
// Throws std::invalid_argument for order outside 1..kMaxButterOrder, fs not finite and positive, a corner
// outside (0, fs/2), or f_low >= f_high.
Zpk ButterZpk(int order, BandType type, double f_low, double f_high, double fs);
Sos Butter(int order, BandType type, double f_low, double f_high, double fs);

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_BUTTER_H_
