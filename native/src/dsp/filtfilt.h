// Zero-phase filtering with scipy.signal.sosfiltfilt semantics, for many channels at once.
//
//   ext = pad(x)                        (padtype, padlen samples at each end; see PadType)
//   f   = sosfilt(sos, ext, zi * ext[0])          forward, from steady state at the first padded sample
//   g   = sosfilt(sos, reverse(f), zi * f[-1])    backward, from steady state at the last forward output
//   y   = reverse(g)[padlen : -padlen]
// with zi = sosfilt_zi(sos). All arithmetic is double; the pads are computed in the sample type first
// (numpy's odd_ext on float32 data rounds 2*x[0] - x[k] to float32), and float32 output is rounded once.
//
// The forward output must be complete before the backward pass can start at its end. Instead of storing all
// of it (8 bytes per sample and channel), the forward pass keeps only its state every ChunkRows() rows; the
// backward pass then walks the chunks from the end, recomputes each chunk's forward output from its
// checkpoint into a cache-resident buffer and filters it backwards. Recomputing is deterministic (same state,
// same rows, same operations), so the result is bit-identical to storing; it costs one extra forward pass
// but saves the scratch memory and its memory traffic, which dominates on large interleaved inputs.
// Memory per call: checkpoints of n / ChunkRows() x n_sections x 2 x lanes doubles per block of channels.
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
