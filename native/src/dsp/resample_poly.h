// Polyphase rational resampling equal to scipy.signal.resample_poly(x, up, down) (padtype='constant', cval=0).
//
// scipy upsamples by `up` (zero stuffing), convolves with h = firwin(2*half_len+1, 1/max_rate, kaiser)*up,
// keeps every `down`-th sample and trims the filter delay. Output m is therefore the centred dot product
//   y[m] = sum_i x[i] * h[q - i*up],   q = m*down + half_len,   0 <= q - i*up < L,   x = 0 outside the signal,
// and scipy's upfirdn adds the terms in ascending i, starting from 0. Only the kept outputs are computed, with
// the same ascending order and double accumulation. The portable kernel rounds each product before the add,
// so its float64 results are the same doubles scipy returns; the AVX2/AVX-512 kernels use one fused
// multiply-add per term (~1e-16 relative from scipy). Zero taps and zero padding only ever add +-0, which
// cannot change a sum.
//
// Data layout: interleaved (sample-major) rows, x[row*nch + c], as NSx stores them; SIMD lanes run across
// channels; every vector width of a level performs the same operations per channel, so channel groupings give
// identical bits, and AVX2 and AVX-512 (both FMA) give identical bits to each other.
// A single channel is split into 16 equal segments that are interleaved in a scratch block, so it is
// vectorised the same way.
//
// Windows and streaming: a call may see only a window of the signal (rows [row0, row0+nrows)) and compute any
// output range whose inputs lie in it (rows outside [0, n_total) are zero). Because each output's sum does
// not depend on how outputs are grouped, chunked processing gives the same bits as one call.
#ifndef RPLPIPE_DSP_RESAMPLE_POLY_H_
#define RPLPIPE_DSP_RESAMPLE_POLY_H_

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace rpl::dsp {

// n_total value meaning "the signal continues past the window" (streaming: nothing beyond it is known).
inline constexpr int64_t kUnknownLength = std::numeric_limits<int64_t>::max();

// scipy's filter for resample_poly(x, up, down, window=('kaiser', beta)): firwin(20*max_rate+1, 1/max_rate)
// times up, after reducing up/down by their gcd. Empty when up == down (scipy returns a copy, no filter).
std::vector<double> ResamplePolyTaps(int64_t up, int64_t down, double beta);

// Output length ceil(n*up/down) (up/down need not be reduced).
int64_t ResampledLength(int64_t n, int64_t up, int64_t down);

// Immutable after construction: safe to share between threads.
class PolyphaseResampler {
 public:
  // `taps` is the final filter (already multiplied by up), odd or even length >= 1; up/down are reduced by
  // their gcd here. Empty taps with up == down after reduction means identity (copy). Throws
  // std::invalid_argument on inconsistent arguments.
  PolyphaseResampler(int64_t up, int64_t down, std::vector<double> taps);

  int64_t up() const { return up_; }
  int64_t down() const { return down_; }
  bool identity() const { return identity_; }
  int64_t OutputLength(int64_t n_in) const { return ResampledLength(n_in, up_, down_); }

  // Input rows [first, last) that outputs [m_begin, m_end) depend on (not clipped to the signal).
  std::pair<int64_t, int64_t> InputRows(int64_t m_begin, int64_t m_end) const;

  // Outputs [m_begin, m_end) of all `nch` channels into y[(m - m_begin)*nch + c]. `x` holds rows
  // [row0, row0 + nrows) of a signal of n_total rows (kUnknownLength when streaming). Every row in
  // [0, n_total) the outputs need must be in the window (std::out_of_range otherwise). TIn/TOut: float or
  // double; accumulation is always double.
  template <typename TIn, typename TOut>
  void Run(const TIn* x, int nch, int64_t row0, int64_t nrows, int64_t n_total, int64_t m_begin, int64_t m_end,
           TOut* y) const;

  // Outputs [m_begin, m_end) of `nch` channels held as separate arrays of n_total rows each (row i of channel c
  // is xs[c][i]), written interleaved as by Run. Each block of outputs first has the rows it needs copied into
  // an interleaved window (~256 KiB, so it stays in L2) and then runs as Run on that window: every output is
  // bit for bit the interleaved one-shot result, which is also the one-channel result. This is how separate
  // channel arrays get the across-channel SIMD kernel without an interleaved copy of the whole signal.
  template <typename TIn, typename TOut>
  void RunChannels(const TIn* const* xs, int nch, int64_t n_total, int64_t m_begin, int64_t m_end, TOut* y) const;

 private:
  // Lanes made of segments (RunSegmented, RunChannels): `segments` runs of `seg` outputs each (a multiple of
  // up, so every segment has the same phase pattern, `shift` input rows after the previous one), computed
  // `pass` outputs at a time so that a pass needs about `window_rows` input rows.
  struct SegmentPlan {
    int64_t seg;
    int64_t shift;
    int64_t pass;
  };
  SegmentPlan Segments(int64_t n, int segments, int64_t window_rows) const;
  // First input row and row count of the window that outputs [m_first, m_end) read (unclipped).
  std::pair<int64_t, int64_t> PassRows(int64_t m_first, int64_t m_end) const;

  template <typename TIn, typename TOut>
  void RunInterleaved(const TIn* x, int nch, int64_t row0, int64_t nrows, int64_t n_total, int64_t m_begin,
                      int64_t m_end, TOut* y) const;
  // RunInterleaved by tiles only, for channels [c0, c1) (y points at output m_begin, channel 0).
  template <typename TIn, typename TOut>
  void RunTiles(const TIn* x, int nch, int c0, int c1, int64_t row0, int64_t nrows, int64_t n_total,
                int64_t m_begin, int64_t m_end, TOut* y) const;
  // The outputs of [m_begin, m_end) that RunInterleaved gives the sliding decimation kernel (empty: none).
  std::pair<int64_t, int64_t> SlideRange(int nch, int64_t row0, int64_t nrows, int64_t m_begin, int64_t m_end) const;
  template <typename TIn, typename TOut>
  void RunSegmented(const TIn* x, int64_t row0, int64_t nrows, int64_t n_total, int64_t m_begin, int64_t m_end,
                    TOut* y) const;
  template <typename TIn, typename TOut>
  void RunIdentity(const TIn* x, int nch, int64_t row0, int64_t nrows, int64_t n_total, int64_t m_begin,
                   int64_t m_end, TOut* y) const;

  // Weights of phase p for the D rows of an output's window, in ascending row order (see resample_poly.cc).
  const double* PhaseTaps(int64_t phase) const { return tables_.data() + phase * per_phase_; }

  int64_t up_ = 1;
  int64_t down_ = 1;
  bool identity_ = false;
  int64_t num_taps_ = 0;   // L
  int64_t half_len_ = 0;   // (L - 1) / 2: filter delay in upsampled samples
  int64_t per_phase_ = 0;  // D = ceil(L / up): window rows per output
  std::vector<double> tables_;
};

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_RESAMPLE_POLY_H_
