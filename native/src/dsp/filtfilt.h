// Zero-phase filtering with scipy.signal.sosfiltfilt semantics, for many channels at once.
//
//   ext = pad(x)                        (padtype, padlen samples at each end; see PadType)
//   f   = sosfilt(sos, ext, zi * ext[0])          forward, from steady state at the first padded sample
//   g   = sosfilt(sos, reverse(f), zi * f[-1])    backward, from steady state at the last forward output
//   y   = reverse(g)[padlen : -padlen]
// with zi = sosfilt_zi(sos). All arithmetic is double; the pads are computed in the sample type first
// (numpy's odd_ext on float32 data rounds 2*x[0] - x[k] to float32), and float32 output is rounded once.
//
// The forward output must be complete before the backward pass can start at its end. Storing all of it costs
// 8 bytes per sample and channel; instead (filtfilt.cc):
//  - up to 16384 samples per channel, the whole forward output is stored (exact);
//  - longer signals on the SIMD levels, for filters whose response decays within W <= 8192 rows (W from the
//    SOS: sum_{j > W} |h_j| <= 2^-64, h the impulse response, e.g. 1219 rows for PyHipp's 500-7500 Hz band-pass
//    at 30 kHz): the forward pass runs once into a sliding window of 16384 + W rows; every 16384 rows the
//    backward pass restarts from zero state W rows further on (error <= 2^-64 x max|forward output|), and the
//    last window starts from scipy's exact state. About 2 + W/16384 passes;
//  - otherwise (slow poles, e.g. 1 Hz corners; and the portable level, which equals scipy bit for bit): the
//    forward pass keeps only its state every interval; the backward pass walks the intervals from the end,
//    recomputes each one's forward output from its checkpoint into a cache-resident buffer (bit-identical)
//    and filters it backwards. Three passes.
// Window and block choices depend on the SOS, n and the SIMD level only, so every channel layout and block of
// a call gives the same bits. Memory per call: at most ~8 MiB of window (more channels go in groups), or
// checkpoints of n / interval x n_sections x 2 x lanes doubles plus a 512 KiB interval buffer.
#ifndef RPLPIPE_DSP_FILTFILT_H_
#define RPLPIPE_DSP_FILTFILT_H_

#include <cstddef>

#include "dsp/sos.h"
#include "dsp/sosfilt.h"

namespace rpl::dsp {

// scipy's padtype: odd: 2*x[0] - x[k] (point reflection), even: x[k] (mirror), constant: x[0], none: no pad.
enum class PadType : int { kNone = 0, kOdd = 1, kEven = 2, kConstant = 3 };

// y = sosfiltfilt(sos, x, padtype, padlen) per channel; x and y may be the same memory. padlen is ignored for
// kNone. Throws std::invalid_argument if x and y disagree in shape or n_samples <= padlen (scipy's rule).
void SosFiltFilt(const Sos& sos, const SignalRef& x, const SignalRef& y, PadType pad, size_t padlen);

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_FILTFILT_H_
