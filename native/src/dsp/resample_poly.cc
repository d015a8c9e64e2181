#include "dsp/resample_poly.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "dsp/firwin.h"
#include "dsp/resample_poly_kernel.h"
#include "common/memory_hints.h"
#include "simd/cpu_features.h"

namespace rpl::dsp {

namespace {

using resample_internal::kTileOutputs;
using resample_internal::TileJob;

// Floor division for a possibly negative numerator and a positive divisor.
int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// Lanes of the single-channel path: the channel is cut into this many segments that run side by side.
constexpr int kSegments = 16;

// Fewest outputs given to the sliding decimation kernel: it starts 20 blocks early (the outputs already in
// flight there are computed and dropped), ~2 % of the work at this length.
constexpr int64_t kMinSlideOutputs = 512;

template <typename TIn, typename TOut>
using TileFn = void (*)(const TileJob<TIn, TOut>&);

template <typename TIn, typename TOut>
TileFn<TIn, TOut> SelectTile() {
  switch (simd::Active()) {
    case simd::Level::kAvx512: return &resample_internal::RunTileAvx512<TIn, TOut>;
    case simd::Level::kAvx2: return &resample_internal::RunTileAvx2<TIn, TOut>;
    default: return &resample_internal::RunTileScalar<TIn, TOut>;
  }
}

[[noreturn]] void MissingRow(int64_t row, int64_t row0, int64_t nrows) {
  throw std::out_of_range("resample: input row " + std::to_string(row) + " is needed but the window holds rows [" +
                          std::to_string(row0) + ", " + std::to_string(row0 + nrows) + ")");
}

// Fills rows [a, b) of an interleaved `lanes`-lane window, rows every lane holds (lane k's row a is src[k][0]).
// Whole 8-row groups go through the SIMD transpose (float input, AVX2 or wider, lanes a multiple of 8); the
// caller fills the rest. Returns the end of the rows filled here (a when none, e.g. for double input).
template <typename TIn>
int64_t GatherInside(const TIn* const* src, int lanes, int64_t a, int64_t b, TIn* win) {
  if constexpr (std::is_same_v<TIn, float>) {
    const int64_t end = a + std::max<int64_t>(b - a, 0) / 8 * 8;
    if (lanes % 8 == 0 && end > a && simd::Active() != simd::Level::kScalar) {
      resample_internal::GatherRowsAvx2(src, lanes, 0, end - a, win + a * lanes);
      return end;
    }
  }
  return a;
}

}  // namespace

int64_t ResampledLength(int64_t n, int64_t up, int64_t down) {
  if (n < 0 || up < 1 || down < 1) throw std::invalid_argument("resample: negative length or factor < 1");
  const int64_t g = std::gcd(up, down);
  up /= g;
  down /= g;
  return CeilDiv(n * up, down);
}

std::vector<double> ResamplePolyTaps(int64_t up, int64_t down, double beta) {
  if (up < 1 || down < 1) throw std::invalid_argument("resample: up and down must be >= 1");
  const int64_t g = std::gcd(up, down);
  up /= g;
  down /= g;
  if (up == down) return {};
  // scipy: max_rate = max(up, down); f_c = 1. / max_rate; half_len = 10 * max_rate;
  // h = firwin(2 * half_len + 1, f_c, window=('kaiser', beta)); h *= up.
  const int64_t max_rate = std::max(up, down);
  std::vector<double> h = FirwinKaiser(static_cast<std::size_t>(20 * max_rate + 1), 1. / static_cast<double>(max_rate), beta);
  const double scale = static_cast<double>(up);
  for (double& v : h) v *= scale;
  return h;
}

PolyphaseResampler::PolyphaseResampler(int64_t up, int64_t down, std::vector<double> taps) {
  if (up < 1 || down < 1) throw std::invalid_argument("resample: up and down must be >= 1");
  const int64_t g = std::gcd(up, down);
  up_ = up / g;
  down_ = down / g;
  if (taps.empty()) {
    if (up_ != down_) throw std::invalid_argument("resample: no filter taps for a ratio other than 1");
    identity_ = true;
    return;
  }
  num_taps_ = static_cast<int64_t>(taps.size());
  half_len_ = (num_taps_ - 1) / 2;
  per_phase_ = CeilDiv(num_taps_, up_);
  // Phase p serves outputs with q % up == p; its window row k (ascending input index, k = 0..D-1) takes
  // h[p + up*(D-1-k)] (scipy's transposed, flipped layout), zero where that index is past the filter.
  tables_.assign(static_cast<std::size_t>(up_ * per_phase_), 0.0);
  for (int64_t p = 0; p < up_; ++p) {
    double* t = tables_.data() + p * per_phase_;
    for (int64_t k = 0; k < per_phase_; ++k) {
      const int64_t j = p + up_ * (per_phase_ - 1 - k);
      if (j < num_taps_) t[k] = taps[static_cast<std::size_t>(j)];
    }
  }
}

std::pair<int64_t, int64_t> PolyphaseResampler::InputRows(int64_t m_begin, int64_t m_end) const {
  if (m_end <= m_begin) return {0, 0};
  if (identity_) return {m_begin, m_end};
  const int64_t q_first = m_begin * down_ + half_len_;
  const int64_t q_last = (m_end - 1) * down_ + half_len_;
  return {CeilDiv(q_first - num_taps_ + 1, up_), FloorDiv(q_last, up_) + 1};
}

template <typename TIn, typename TOut>
void PolyphaseResampler::Run(const TIn* x, int nch, int64_t row0, int64_t nrows, int64_t n_total, int64_t m_begin,
                             int64_t m_end, TOut* y) const {
  if (nch < 1 || row0 < 0 || nrows < 0 || n_total < 0 || m_begin < 0 || m_end < m_begin)
    throw std::invalid_argument("resample: negative size, offset or range");
  if (n_total != kUnknownLength && row0 + nrows > n_total)
    throw std::out_of_range("resample: the window holds rows past the end of the signal");
  if (n_total != kUnknownLength && m_end > OutputLength(n_total))
    throw std::out_of_range("resample: output range past the end of the signal");
  if (m_end == m_begin) return;
  common::AdviseHugePages(y, static_cast<std::size_t>(m_end - m_begin) * static_cast<std::size_t>(nch) * sizeof(TOut));
  if (identity_) return RunIdentity(x, nch, row0, nrows, n_total, m_begin, m_end, y);
  if (nch == 1 && m_end - m_begin >= static_cast<int64_t>(kSegments) * 8 * std::max<int64_t>(up_, kTileOutputs))
    return RunSegmented(x, row0, nrows, n_total, m_begin, m_end, y);
  RunInterleaved(x, nch, row0, nrows, n_total, m_begin, m_end, y);
}

template <typename TIn, typename TOut>
void PolyphaseResampler::RunIdentity(const TIn* x, int nch, int64_t row0, int64_t nrows, int64_t n_total,
                                     int64_t m_begin, int64_t m_end, TOut* y) const {
  for (int64_t m = m_begin; m < m_end; ++m) {
    TOut* dst = y + (m - m_begin) * nch;
    if (m >= n_total) {
      std::fill(dst, dst + nch, TOut(0));
    } else {
      if (m < row0 || m >= row0 + nrows) MissingRow(m, row0, nrows);
      const TIn* src = x + (m - row0) * nch;
      for (int c = 0; c < nch; ++c) dst[c] = static_cast<TOut>(src[c]);
    }
  }
}

template <typename TIn, typename TOut>
void PolyphaseResampler::RunInterleaved(const TIn* x, int nch, int64_t row0, int64_t nrows, int64_t n_total,
                                        int64_t m_begin, int64_t m_end, TOut* y) const {
  const auto [ma, mb] = SlideRange(nch, row0, nrows, m_begin, m_end);
  if (ma >= mb) return RunTiles(x, nch, 0, nch, row0, nrows, n_total, m_begin, m_end, y);
  // Outputs [ma, mb) of the channels in groups of 8 by the sliding kernel, the rest by tiles: every output
  // is computed the same way by both (resample_poly_kernel.h), so the split changes no bit.
  const int slid = nch / 8 * 8;
  RunTiles(x, nch, 0, nch, row0, nrows, n_total, m_begin, ma, y);
  resample_internal::SlideJob<TIn, TOut> job;
  job.x = x + (ma * down_ + half_len_ - per_phase_ + 1 - row0) * nch;
  job.x_stride = nch;
  job.down = down_;
  job.groups = slid / 8;
  job.outputs = mb - ma;
  job.taps = PhaseTaps(0);
  job.y = y + (ma - m_begin) * nch;
  job.y_stride = nch;
  resample_internal::RunSlideAvx512(job);
  if (slid < nch) RunTiles(x, nch, slid, nch, row0, nrows, n_total, ma, mb, y + (ma - m_begin) * nch);
  RunTiles(x, nch, 0, nch, row0, nrows, n_total, mb, m_end, y + (mb - m_begin) * nch);
}

std::pair<int64_t, int64_t> PolyphaseResampler::SlideRange(int nch, int64_t row0, int64_t nrows, int64_t m_begin,
                                                           int64_t m_end) const {
  // The sliding kernel's shape: decimation with scipy's filter length, 8 channels or more, AVX-512.
  if (up_ != 1 || num_taps_ != 20 * down_ + 1 || nch < 8 || simd::Active() != simd::Level::kAvx512) return {0, 0};
  // Outputs whose window [m*down + half_len - D + 1, m*down + half_len] lies inside the rows.
  const int64_t ma = std::max(m_begin, CeilDiv(row0 - half_len_ + per_phase_ - 1, down_));
  const int64_t mb = std::min(m_end, FloorDiv(row0 + nrows - 1 - half_len_, down_) + 1);
  // Its first 20 blocks also run the 20 outputs before ma (not stored): worth it for long runs only.
  if (mb - ma < kMinSlideOutputs) return {0, 0};
  return {ma, mb};
}

template <typename TIn, typename TOut>
void PolyphaseResampler::RunTiles(const TIn* x, int nch, int c0, int c1, int64_t row0, int64_t nrows,
                                  int64_t n_total, int64_t m_begin, int64_t m_end, TOut* y) const {
  const TileFn<TIn, TOut> tile = SelectTile<TIn, TOut>();
  std::vector<TIn> edge;  // rows of tiles that reach past the window (signal edges): zero-padded copy
  const int64_t row_end = row0 + nrows;
  int last_outputs = 0;
  for (int64_t m0 = m_begin; m0 < m_end; m0 += last_outputs) {
    int outputs = static_cast<int>(std::min<int64_t>(kTileOutputs, m_end - m0));
    TileJob<TIn, TOut> job;
    const int64_t hi0 = (m0 * down_ + half_len_) / up_;
    for (int r = 0; r < outputs; ++r) {
      const int64_t q = (m0 + r) * down_ + half_len_;
      job.offset[r] = q / up_ - hi0;
      job.taps[r] = PhaseTaps(q % up_);
      // The kernel needs every window to overlap output 0's (always true for scipy's filters, whose
      // D ~ 20*max(up,down)/up exceeds (kTile-1)*down/up); a shorter custom filter just gets smaller tiles.
      if (job.offset[r] >= per_phase_) {
        outputs = r;
        break;
      }
    }
    const int64_t u0 = hi0 - per_phase_ + 1;
    const int64_t u1 = u0 + job.offset[outputs - 1] + per_phase_ - 1;
    const int64_t rows = u1 - u0 + 1;
    job.window = per_phase_;
    job.channels = c1 - c0;
    job.x_stride = nch;
    job.outputs = outputs;
    job.y = y + (m0 - m_begin) * nch + c0;
    job.y_stride = nch;
    if (u0 >= row0 && u1 < row_end) {
      job.x = x + (u0 - row0) * nch + c0;  // zero-copy on the caller's rows
    } else {
      // Rows below the first one any output of the tile uses carry zero taps; their value is irrelevant.
      const int64_t needed_from = CeilDiv((m0 * down_ + half_len_) - num_taps_ + 1, up_);
      edge.assign(static_cast<std::size_t>(rows * nch), TIn(0));
      for (int64_t i = u0; i <= u1; ++i) {
        if (i >= row0 && i < row_end) {
          std::memcpy(edge.data() + (i - u0) * nch, x + (i - row0) * nch, sizeof(TIn) * static_cast<std::size_t>(nch));
        } else if (i >= 0 && i < n_total && i >= needed_from) {
          MissingRow(i, row0, nrows);
        }
      }
      job.x = edge.data() + c0;
    }
    tile(job);
    last_outputs = outputs;
  }
}

PolyphaseResampler::SegmentPlan PolyphaseResampler::Segments(int64_t n, int segments, int64_t window_rows) const {
  const int64_t seg = CeilDiv(CeilDiv(n, segments), up_) * up_;
  const int64_t pass = std::min(seg, std::max<int64_t>(kTileOutputs, (window_rows - per_phase_) * up_ / down_));
  return {seg, seg / up_ * down_, pass};
}

std::pair<int64_t, int64_t> PolyphaseResampler::PassRows(int64_t m_first, int64_t m_end) const {
  const int64_t lo = (m_first * down_ + half_len_) / up_ - per_phase_ + 1;
  const int64_t hi = ((m_end - 1) * down_ + half_len_) / up_;
  return {lo, hi - lo + 1};
}

template <typename TIn, typename TOut>
void PolyphaseResampler::RunSegmented(const TIn* x, int64_t row0, int64_t nrows, int64_t n_total, int64_t m_begin,
                                      int64_t m_end, TOut* y) const {
  // Segment k holds outputs [m_begin + k*seg, m_begin + (k+1)*seg). With seg a multiple of up, every segment
  // has the same phase pattern, shifted by seg*down/up input rows, so the segments can run as the channels of
  // one interleaved block and each output is computed exactly as in the one-channel case.
  const int64_t n = m_end - m_begin;
  // Outputs per segment per pass: a scratch block of about max(8*D, 2048) rows, so rows copied twice (the
  // window overlap of consecutive passes) stay a small fraction.
  const auto [seg, shift, pass] = Segments(n, kSegments, std::max<int64_t>(8 * per_phase_, 2048));
  const int64_t row_end = row0 + nrows;

  std::vector<TIn> in;
  std::vector<TOut> out(static_cast<std::size_t>(pass * kSegments));
  for (int64_t a = 0; a < seg; a += pass) {
    const int64_t b = std::min(a + pass, seg);
    // Rows of segment 0 for its outputs [m_begin + a, m_begin + b): the same span the tiles will read.
    const auto [lo, rows] = PassRows(m_begin + a, m_begin + b);
    in.resize(static_cast<std::size_t>(rows * kSegments));
    // Lane k reads signal rows [base_k, base_k + rows), base_k = lo + k*shift; rows [t_a, t_b) of it lie in
    // the window, the rest is zero (outside the signal, or not needed by any kept output of this lane).
    int64_t t_a[kSegments];
    int64_t t_b[kSegments];
    int64_t all_a = 0;
    int64_t all_b = rows;
    for (int k = 0; k < kSegments; ++k) {
      const int64_t base = lo + k * shift;
      t_a[k] = std::clamp<int64_t>(row0 - base, 0, rows);
      t_b[k] = std::clamp<int64_t>(row_end - base, t_a[k], rows);
      all_a = std::max(all_a, t_a[k]);
      all_b = std::min(all_b, t_b[k]);
      const int64_t first_out = m_begin + k * seg + a;
      const int64_t last_out = std::min(m_begin + k * seg + b, m_end);  // exclusive; later outputs are dropped
      if (last_out > first_out) {
        const auto need = InputRows(first_out, last_out);
        const int64_t lo_need = std::max<int64_t>(need.first, 0);
        const int64_t hi_need = std::min(need.second, n_total);
        if (lo_need < hi_need && (lo_need < row0 || hi_need > row_end))
          MissingRow(lo_need < row0 ? lo_need : std::max(row_end, lo_need), row0, nrows);
      }
    }
    // The transpose that makes lanes of segments: rows every lane has through GatherInside, the rest row by
    // row (sequential writes; 16 sequential read streams).
    const int64_t src0 = lo - row0;  // index in x of lane 0's first row (may be negative: then unused)
    const TIn* lane_src[kSegments] = {};
    if (all_b > all_a)
      for (int k = 0; k < kSegments; ++k) lane_src[k] = x + (src0 + all_a + k * shift);
    const int64_t fast_end = GatherInside<TIn>(lane_src, kSegments, all_a, all_b, in.data());
    auto row = [&](int64_t t) {
      TIn* dst = in.data() + t * kSegments;
      if (t >= all_a && t < all_b) {
        for (int k = 0; k < kSegments; ++k) dst[k] = x[src0 + t + k * shift];
      } else {
        for (int k = 0; k < kSegments; ++k) dst[k] = (t >= t_a[k] && t < t_b[k]) ? x[src0 + t + k * shift] : TIn(0);
      }
    };
    for (int64_t t = 0; t < all_a; ++t) row(t);
    for (int64_t t = fast_end; t < rows; ++t) row(t);
    RunInterleaved(in.data(), kSegments, lo, rows, kUnknownLength, m_begin + a, m_begin + b, out.data());
    for (int64_t m = a; m < b; ++m)
      for (int k = 0; k < kSegments; ++k) {
        const int64_t g = k * seg + m;
        if (g < n) y[g] = out[static_cast<std::size_t>((m - a) * kSegments + k)];
      }
  }
}

template <typename TIn, typename TOut>
void PolyphaseResampler::RunChannels(const TIn* const* xs, int nch, int64_t n_total, int64_t m_begin, int64_t m_end,
                                     TOut* y) const {
  if (nch < 1 || n_total < 0 || n_total == kUnknownLength || m_begin < 0 || m_end < m_begin)
    throw std::invalid_argument("resample: negative size, offset or range");
  if (m_end > OutputLength(n_total)) throw std::out_of_range("resample: output range past the end of the signal");
  const int64_t n = m_end - m_begin;
  if (n == 0) return;
  if (identity_) {
    for (int64_t m = m_begin; m < m_end; ++m)
      for (int c = 0; c < nch; ++c) y[(m - m_begin) * nch + c] = m < n_total ? static_cast<TOut>(xs[c][m]) : TOut(0);
    return;
  }
  // Lanes: S segments of each channel (as RunSegmented does for one channel), so that 8 channels still fill
  // the 16-lane kernel: lane s*nch + c holds outputs [s*seg, (s+1)*seg) of channel c. seg is a multiple of up,
  // so every lane has the same phase pattern, shifted by seg*down/up rows.
  const int S = std::max(1, kSegments / nch);
  const int L = nch * S;
  // A window of about 256 KiB of input (stays in L2), at least 8 tile widths of outputs.
  const auto [seg, shift, pass] =
      Segments(n, S, std::max<int64_t>(8 * per_phase_, static_cast<int64_t>((std::size_t{256} << 10) / (sizeof(TIn) * L))));
  std::vector<TIn> in;
  std::vector<TOut> out(static_cast<std::size_t>(pass * L));
  std::vector<const TIn*> lane_src(static_cast<std::size_t>(L));
  for (int64_t a = 0; a < seg; a += pass) {
    const int64_t b = std::min(a + pass, seg);
    // Rows of lane (c, 0) for its outputs [m_begin + a, m_begin + b): the span the tiles read.
    const auto [lo, rows] = PassRows(m_begin + a, m_begin + b);
    in.resize(static_cast<std::size_t>(rows * L));
    TIn* win = in.data();
    // Rows [all_a, all_b) lie inside the signal for every lane: those go through the SIMD transpose.
    int64_t all_a = 0;
    int64_t all_b = rows;
    for (int s = 0; s < S; ++s) {
      const int64_t base = lo + s * shift;
      all_a = std::max(all_a, std::clamp<int64_t>(-base, 0, rows));
      all_b = std::min(all_b, std::clamp<int64_t>(n_total - base, 0, rows));
    }
    all_b = std::max(all_a, all_b);
    if (all_b > all_a)
      for (int s = 0; s < S; ++s)  // row all_a of each lane (inside the signal)
        for (int c = 0; c < nch; ++c) lane_src[static_cast<std::size_t>(s * nch + c)] = xs[c] + (lo + s * shift + all_a);
    const int64_t fast_end = GatherInside<TIn>(lane_src.data(), L, all_a, all_b, win);
    // The rest lane by lane in blocks of 64 rows: sequential reads, stride-L writes into an L1-sized block.
    // Rows outside the signal are zero.
    auto fill = [&](int64_t from, int64_t to) {
      constexpr int64_t kBlock = 64;
      for (int64_t t0 = from; t0 < to; t0 += kBlock) {
        const int64_t t1 = std::min(to, t0 + kBlock);
        for (int s = 0; s < S; ++s) {
          const int64_t base = lo + s * shift;
          const int64_t ta = std::clamp<int64_t>(-base, t0, t1);  // [ta, tb): inside [0, n_total)
          const int64_t tb = std::clamp<int64_t>(n_total - base, ta, t1);
          for (int c = 0; c < nch; ++c) {
            TIn* __restrict dst = win + s * nch + c;
            const TIn* __restrict src = xs[c];  // indexed base + t: base may be negative (rows before the signal)
            for (int64_t t = t0; t < ta; ++t) dst[t * L] = TIn(0);
            for (int64_t t = ta; t < tb; ++t) dst[t * L] = src[base + t];
            for (int64_t t = tb; t < t1; ++t) dst[t * L] = TIn(0);
          }
        }
      }
    };
    fill(0, all_a);
    fill(fast_end, rows);
    RunInterleaved(win, L, lo, rows, kUnknownLength, m_begin + a, m_begin + b, out.data());
    for (int64_t m = a; m < b; ++m)
      for (int s = 0; s < S; ++s) {
        const int64_t g = s * seg + m;  // output index within [0, n)
        if (g < n) std::memcpy(y + g * nch, out.data() + (m - a) * L + s * nch, sizeof(TOut) * static_cast<std::size_t>(nch));
      }
  }
}

template void PolyphaseResampler::RunChannels(const float* const*, int, int64_t, int64_t, int64_t, float*) const;
template void PolyphaseResampler::RunChannels(const float* const*, int, int64_t, int64_t, int64_t, double*) const;
template void PolyphaseResampler::RunChannels(const double* const*, int, int64_t, int64_t, int64_t, float*) const;
template void PolyphaseResampler::RunChannels(const double* const*, int, int64_t, int64_t, int64_t, double*) const;

template void PolyphaseResampler::Run(const float*, int, int64_t, int64_t, int64_t, int64_t, int64_t, float*) const;
template void PolyphaseResampler::Run(const float*, int, int64_t, int64_t, int64_t, int64_t, int64_t, double*) const;
template void PolyphaseResampler::Run(const double*, int, int64_t, int64_t, int64_t, int64_t, int64_t, float*) const;
template void PolyphaseResampler::Run(const double*, int, int64_t, int64_t, int64_t, int64_t, int64_t, double*) const;

}  // namespace rpl::dsp
