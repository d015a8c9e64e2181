#include "dsp/filtfilt.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "simd/cpu_features.h"

namespace rpl::dsp {

using detail::Plane;

namespace {

// ext[0 .. padlen) into `left` and ext[n + padlen .. n + 2*padlen) into `right`, both [padlen][lanes].
template <typename T>
void BuildPads(const Plane& x, size_t n, PadType pad, size_t padlen, int lanes, double* left, double* right) {
  for (int l = 0; l < x.w; ++l) {
    const T* p = reinterpret_cast<const T*>(x.lane[l]);
    const std::ptrdiff_t s = x.stride;
    auto at = [&](size_t t) { return p[static_cast<std::ptrdiff_t>(t) * s]; };
    const T first = at(0), last = at(n - 1);
    for (size_t i = 0; i < padlen; ++i) {
      const T lk = at(padlen - i), rk = at(n - 2 - i);  // mirror images of ext[i] and ext[n + padlen + i]
      T lv = first, rv = last;
      if (pad == PadType::kOdd) lv = T(2) * first - lk, rv = T(2) * last - rk;  // rounded in T, as numpy
      else if (pad == PadType::kEven) lv = lk, rv = rk;
      left[i * lanes + l] = static_cast<double>(lv);
      right[i * lanes + l] = static_cast<double>(rv);
    }
  }
}

void SteadyState(const std::vector<double>& zi, const double* start, int lanes, double* state) {
  for (size_t j = 0; j < zi.size(); ++j)
    for (int l = 0; l < lanes; ++l) state[j * lanes + l] = zi[j] * start[l];
}

// Everything one block of channels carries between the phases.
struct Lane {
  detail::Block b;
  Plane xs, ys;
  std::vector<double> left, right;  // padded ends, [padlen][lanes]
  std::vector<double> state;        // forward, then backward state
  std::vector<double> fstate;       // checkpoints, phase 2: forward state while recomputing an interval
  std::vector<double> checkpoints;  // checkpoints: forward state at the start of every interval
  Plane fwd;                        // forward output rows (the interval's, or the window's), [rows][lanes]
  Plane out;                        // y not adjacent: output rows in y's sample type, [rows][lanes]
};

// The backward pass writes y's rows itself (adjacent rows, or channel arrays the fused kernels write 8 rows x
// 8 channels at a time) rather than into a buffer copied out in time order.
bool Direct(const Lane& ln, const std::vector<double>& coef) {
  return ln.ys.adjacent || detail::FusedOutput(ln.b.kernel, ln.ys, static_cast<int>(coef.size() / 5));
}

// The buffers both methods run the backward pass through, `rows` rows per lane: the forward output (doubles)
// and, for blocks whose output channels are not written directly (Direct), an output tile in y's sample
// type. The backward pass writes an interval's rows into the tile, which is then copied out in time order,
// so each channel array is written in long ascending runs (a backward walk scattering short runs to many
// arrays defeats the hardware prefetchers); the fused kernels write 8 contiguous floats per array and step
// instead, no copy. Sets every lane's `fwd` (and `out`); the returned buffers must outlive their use.
struct PassBuffers {
  std::unique_ptr<double[]> fwd;
  std::unique_ptr<char[]> out;
};
PassBuffers AssignPassBuffers(std::vector<Lane>& lanes, const std::vector<double>& coef, const SignalRef& y,
                              size_t rows, size_t total_lanes) {
  PassBuffers b{std::unique_ptr<double[]>(new double[rows * total_lanes]), nullptr};  // written before read
  bool any_scatter = false;
  for (const Lane& ln : lanes) any_scatter = any_scatter || !Direct(ln, coef);
  if (any_scatter) b.out.reset(new char[rows * total_lanes * SampleBytes(y.type)]);
  for (size_t i = 0, off = 0; i < lanes.size(); ++i) {
    const int w = lanes[i].b.kernel.lanes;
    lanes[i].fwd = detail::RowsOf(b.fwd.get() + off, w);
    if (!Direct(lanes[i], coef)) lanes[i].out = detail::RowsOfTile(b.out.get() + off * SampleBytes(y.type), y.type, w);
    off += rows * static_cast<size_t>(w);
  }
  return b;
}

// The backward pass over x rows [t0, t1), tile by tile from the last, starting from each lane's (ln.*state);
// the lanes' forward output holds x row `base` at its row 0. Output to y: directly (Direct), or into the
// lane's output tile and then copied out in time order.
void BackwardOut(std::vector<Lane>& lanes, const std::vector<double>& coef, std::vector<double> Lane::*state,
                 size_t base, size_t t0, size_t t1, size_t tile, bool stream) {
  using namespace detail;
  for (size_t t = t1; t > t0;) {
    const size_t m = std::min(tile, t - t0);
    t -= m;
    for (Lane& ln : lanes) {
      if (Direct(ln, coef)) RunRows(ln.b.kernel, coef, (ln.*state).data(), ln.fwd, t - base, &ln.ys, t, m, true);
      else RunRows(ln.b.kernel, coef, (ln.*state).data(), ln.fwd, t - base, &ln.out, t - t0, m, true);
    }
  }
  for (Lane& ln : lanes)
    if (!Direct(ln, coef)) ScatterRows(ln.out.lane[0], ln.b.kernel.lanes, ln.ys, t0, t1 - t0, stream);
}

// Rows between checkpoints: the recomputed forward output of one interval, all blocks together, is about
// 512 KiB of doubles (it stays in L2 until the backward pass reads it). A multiple of the row tile.
size_t IntervalRows(size_t total_lanes, size_t tile) {
  const size_t rows = (size_t{512} << 10) / (total_lanes * sizeof(double));
  return std::max<size_t>(1, rows / tile) * tile;
}

// ---- warm-up windows ------------------------------------------------------------------------------------
// The backward pass started from zero state at row s instead of its true state makes an error at every
// earlier row t of at most max|f| * sum_{j > s - t} |h_j| (f: the forward output it filters, h: the cascade's
// impulse response), because the true state is the response to the rows past s. kWarmupTail bounds that sum
// at the rows kept, i.e. relative to max|f| the error is below 2^-64 (5.4e-20), far below double rounding.
constexpr double kWarmupTail = 0x1p-64;
// Rows of output per window. Measured on Zen 5 (16 float32 channels, hp30k, W = 1219): 4096 rows ran at ~1400
// M samples/s, 8192 at ~1600, 16384 at ~1830, 32768 at ~1900; the window (2.2 MiB for 16 lanes) then lives
// in L3, which costs less than the warm-up rows a smaller one repeats. Independent of the channel count, so
// every layout and channel block computes the same rows the same way (bit-identical results).
constexpr size_t kWindowRows = 16384;
// Longest warm-up used: W <= B / 2 costs at most 1.5 backward rows per output row, against 2 (recompute and
// backward) for the checkpoints.
constexpr size_t kMaxWarmupRows = kWindowRows / 2;
// Window buffers of one pass over the signal stay below this; more channels are split into groups of
// channel blocks that each walk the signal on their own.
constexpr size_t kMaxWindowBytes = size_t{8} << 20;

// W = the warm-up rows: the smallest W with sum_{j > W} |h_j| <= kWarmupTail, or 0 if W > kMaxWarmupRows.
// h is computed by running an impulse through the cascade (same recurrence, plain double) for J rows; the
// tail past J is bounded from the cascade's state s after J rows: section i's zero-input output from
// (z0, z1) is z0*g_k + z1*g_{k-1} with g the response of its poles, |g_k| <= (k+1) r^k, whose sum is at most
// (|z0| + |z1|) / (1 - r)^2; every later section m multiplies that sum by at most sum|b_m| / (1 - r)^2.
// r = the largest pole radius (slightly raised against its rounding). So
//   sum_{j >= J} |h_j| <= sum_i (|z0_i| + |z1_i|) * prod_{m > i} sum|b_m| / (1 - r)^(2 (S - i + 1)).
// Rounding in the impulse run changes |h_j| by a relative ~1e-13 at most: irrelevant to a bound of 2^-64.
// Depends on the SOS only, so every layout, channel block and SIMD level uses the same windows.
size_t WarmupRows(const Sos& sos) {
  const double r = SosMaxPoleRadius(sos) * (1 + 1e-9) + 1e-12;
  if (!(r < 1.0)) return 0;
  // Quick reject: sum_{j > W} |h_j| >= ~r^W for the slowest pole; if r^kMax is not small, W > kMax.
  if (std::pow(r, static_cast<double>(kMaxWarmupRows)) > 1e-12) return 0;
  const size_t ns = sos.size();
  const double g = 1.0 / ((1.0 - r) * (1.0 - r));
  std::vector<double> z(2 * ns, 0.0), h;
  const size_t max_j = 4 * kMaxWarmupRows;
  for (size_t j = 0; j < max_j; ++j) {
    double v = j == 0 ? 1.0 : 0.0;
    for (size_t i = 0; i < ns; ++i) {
      const Biquad& q = sos[i];
      const double y = q.b0 * v + z[2 * i];
      z[2 * i] = q.b1 * v - q.a1 * y + z[2 * i + 1];
      z[2 * i + 1] = q.b2 * v - q.a2 * y;
      v = y;
    }
    h.push_back(std::fabs(v));
    if ((j + 1) % 64 != 0) continue;
    double tail = 0.0, gain = 1.0;  // gain: prod over later sections of sum|b| / (1 - r)^2
    for (size_t i = ns; i-- > 0;) {
      tail += (std::fabs(z[2 * i]) + std::fabs(z[2 * i + 1])) * g * gain;
      gain *= (std::fabs(sos[i].b0) + std::fabs(sos[i].b1) + std::fabs(sos[i].b2)) * g;
    }
    if (!(tail <= kWarmupTail / 2)) continue;
    // tail bounds sum_{j' > j}; walk back while the sum past W stays within the bound.
    size_t w = j;
    for (double s = tail; w > 0 && s + h[w] <= kWarmupTail; --w) s += h[w];
    return w <= kMaxWarmupRows ? std::max<size_t>(w, 1) : 0;
  }
  return 0;
}

// sosfiltfilt through one buffer of forward output: the forward pass runs once, into a sliding window of
// B + W rows of doubles per lane (B = kWindowRows); whenever it has reached row t1 + W, the backward pass runs
// from row t1 + W - 1 down to t0 from zero state, keeping rows [t0, t1) (the first W rows warm the state up,
// see WarmupRows); then the window slides by B rows. The last window (at most B + W rows, reaching the end of
// x) starts from the exact state: backward through the right pad, from steady state at the last forward
// output, as scipy. warm == 0: no warm-up windows, the whole forward output is stored (only for n <= B).
// x may be y: rows [t0, t1) of y are written after the forward pass has read x up to t1 + W, and a lane
// block reads and writes only its own channels.
void WarmupPasses(std::vector<Lane>& lanes, const std::vector<double>& coef, const std::vector<double>& zi,
                  const SignalRef& y, size_t n, size_t padlen, size_t tile, size_t total_lanes, size_t warm) {
  using namespace detail;
  const size_t block = kWindowRows;
  const size_t cap = std::min(n, block + warm);  // window rows
  const size_t n_windows = warm != 0 && n >= warm + block ? (n - warm) / block : 0;  // windows with a warm-up
  const PassBuffers buffers = AssignPassBuffers(lanes, coef, y, cap, total_lanes);
  const bool stream = n * y.channels.size() * SampleBytes(y.type) >= kStreamOutputBytes;
  size_t base = 0, done = 0;  // window row 0 is x row `base`; forward output exists for x rows [base, done)
  auto forward_to = [&](size_t end) {
    for (; done < end; done += std::min(tile, end - done))
      for (Lane& ln : lanes)
        RunRows(ln.b.kernel, coef, ln.state.data(), ln.xs, done, &ln.fwd, done - base, std::min(tile, end - done),
                false);
  };
  // Backward from every lane's current backward state (fstate) over window rows, x rows [t0, t1) written to y.
  auto backward_out = [&](size_t t0, size_t t1) { BackwardOut(lanes, coef, &Lane::fstate, base, t0, t1, tile, stream); };
  for (size_t k = 0; k < n_windows; ++k) {
    const size_t t0 = k * block, t1 = t0 + block;
    forward_to(t1 + warm);
    for (Lane& ln : lanes) {
      ln.fstate.assign(ln.state.size(), 0.0);
      RunRows(ln.b.kernel, coef, ln.fstate.data(), ln.fwd, t1 - base, nullptr, 0, warm, true);
    }
    backward_out(t0, t1);
    // Slide: the warm-up rows [t1, t1 + W) become the start of the next window.
    for (Lane& ln : lanes) {
      const size_t w = static_cast<size_t>(ln.b.kernel.lanes);
      double* rows = reinterpret_cast<double*>(ln.fwd.lane[0]);
      std::memmove(rows, rows + block * w, warm * w * sizeof(double));
    }
    base = t1;
  }
  forward_to(n);
  for (Lane& ln : lanes) {
    const int w = ln.b.kernel.lanes;
    if (padlen == 0) {  // backward from steady state at the last forward output
      SteadyState(zi, reinterpret_cast<const double*>(ln.fwd.lane[0]) + (n - 1 - base) * w, w, ln.state.data());
    } else {  // forward through the right pad, backward through it from steady state at its end (state only)
      const Plane rp = RowsOf(ln.right.data(), w);
      RunRows(ln.b.kernel, coef, ln.state.data(), rp, 0, &rp, 0, padlen, false);
      SteadyState(zi, ln.right.data() + (padlen - 1) * w, w, ln.state.data());
      RunRows(ln.b.kernel, coef, ln.state.data(), rp, 0, nullptr, 0, padlen, true);
    }
    ln.fstate.swap(ln.state);
  }
  backward_out(base, n);
}

// sosfiltfilt from forward checkpoints, for filters whose warm-up would be too long (poles near z = 1).
void CheckpointPasses(std::vector<Lane>& lanes, const std::vector<double>& coef, const std::vector<double>& zi,
                      const SignalRef& y, size_t n, size_t padlen, size_t tile, size_t total_lanes) {
  using namespace detail;
  const size_t interval = IntervalRows(total_lanes, tile), n_intervals = (n + interval - 1) / interval;
  for (Lane& ln : lanes) ln.checkpoints.resize(n_intervals * ln.state.size());

  // Phase 1, forward through x, one row tile of every block at a time: remember the state at each interval
  // start, keep no output.
  for (size_t k = 0; k < n_intervals; ++k) {
    const size_t t0 = k * interval, t1 = std::min(t0 + interval, n);
    for (Lane& ln : lanes) std::copy(ln.state.begin(), ln.state.end(), ln.checkpoints.begin() + k * ln.state.size());
    for (size_t t = t0; t < t1; t += tile)
      for (Lane& ln : lanes)
        RunRows(ln.b.kernel, coef, ln.state.data(), ln.xs, t, nullptr, 0, std::min(tile, t1 - t), false);
  }
  // Forward through the right pad (kept: the backward pass starts there), then backward through it from
  // steady state at the last forward output (state only: its output is cut off).
  for (Lane& ln : lanes) {
    if (padlen == 0) continue;
    const int w = ln.b.kernel.lanes;
    const Plane rp = RowsOf(ln.right.data(), w);
    RunRows(ln.b.kernel, coef, ln.state.data(), rp, 0, &rp, 0, padlen, false);
    SteadyState(zi, ln.right.data() + (padlen - 1) * w, w, ln.state.data());
    RunRows(ln.b.kernel, coef, ln.state.data(), rp, 0, nullptr, 0, padlen, true);
  }

  // Phase 2, backward through x, last interval first: recompute the interval's forward output from its
  // checkpoint (bit-identical to the first time), then filter it backwards into y, tile by tile.
  const size_t fwd_rows = std::min(interval, n);
  const PassBuffers buffers = AssignPassBuffers(lanes, coef, y, fwd_rows, total_lanes);
  const bool stream = n * y.channels.size() * SampleBytes(y.type) >= kStreamOutputBytes;
  for (size_t k = n_intervals; k-- > 0;) {
    const size_t t0 = k * interval, t1 = std::min(t0 + interval, n);
    for (Lane& ln : lanes) {
      const auto first = ln.checkpoints.begin() + static_cast<std::ptrdiff_t>(k * ln.state.size());
      ln.fstate.assign(first, first + static_cast<std::ptrdiff_t>(ln.state.size()));
    }
    for (size_t t = t0; t < t1; t += tile)
      for (Lane& ln : lanes)
        RunRows(ln.b.kernel, coef, ln.fstate.data(), ln.xs, t, &ln.fwd, t - t0, std::min(tile, t1 - t), false);
    if (padlen == 0 && k == n_intervals - 1)
      for (Lane& ln : lanes) {
        const int w = ln.b.kernel.lanes;
        SteadyState(zi, reinterpret_cast<const double*>(ln.fwd.lane[0]) + (t1 - t0 - 1) * w, w, ln.state.data());
      }
    BackwardOut(lanes, coef, &Lane::state, t0, t0, t1, tile, stream);
  }
}

// Distance of the poles from the unit circle below which sosfiltfilt keeps the designed zero pairing (above).
constexpr double kPairMinMargin = 0.01;

}  // namespace

void SosFiltFilt(const Sos& designed, const SignalRef& x, const SignalRef& y, PadType pad, size_t padlen) {
  using namespace detail;
  // The SIMD levels run band-passes with their zeros paired as (1 - z^-2) (PairBandPassZeros): three operations
  // per section and row instead of four. The same filter, different rounding: measured against scipy's bits
  // (the portable level) on noise with an offset, both pairings stay within 2e-12 x max|y| while every pole is
  // at least kPairMinMargin inside the unit circle (PyHipp's 500-7500 Hz at 30 kHz: 0.036), but with poles closer
  // the (1 - z^-2) sections lose up to 25x more (1-150 Hz at 30 kHz: 2.0e-7 against 8.7e-9). Those, and the
  // portable level (scipy's bits), keep the designed sections.
  std::optional<Sos> paired;
  if (simd::Active() != simd::Level::kScalar && SosMaxPoleRadius(designed) <= 1.0 - kPairMinMargin)
    paired = PairBandPassZeros(designed);
  const Sos& sos = paired ? *paired : designed;
  CheckSameShape(x, y, "sosfiltfilt");
  if (pad == PadType::kNone) padlen = 0;
  const size_t n = x.n_samples;
  if (n <= padlen)
    throw std::invalid_argument("sosfiltfilt: the signal has " + std::to_string(n) +
                                " samples per channel; it must be longer than padlen = " + std::to_string(padlen));
  AdviseOutput(y);
  const FlushDenormals ftz;
  const std::vector<double> coef = FlatCoefficients(sos);
  const std::vector<double> zi = SosSteadyStateZi(sos);
  const std::vector<Block> blocks = PlanBlocks(x.channels.size());
  size_t total_lanes = 0;
  for (const Block& b : blocks) total_lanes += static_cast<size_t>(b.kernel.lanes);
  const size_t tile = TileRows(x.channels.size(), x.type);

  std::vector<Lane> lanes;
  for (const Block& b : blocks) {
    const int w = b.kernel.lanes;
    Lane ln{b, PlaneOf(x, b.c0, b.w, w), PlaneOf(y, b.c0, b.w, w), std::vector<double>(padlen * w, 0.0),
            std::vector<double>(padlen * w, 0.0), std::vector<double>(zi.size() * w), {}, {}, {}, {}};
    if (x.type == SampleType::kFloat32) BuildPads<float>(ln.xs, n, pad, padlen, w, ln.left.data(), ln.right.data());
    else BuildPads<double>(ln.xs, n, pad, padlen, w, ln.left.data(), ln.right.data());
    // Forward starts from steady state at ext[0] and runs through the left pad (its output is cut off).
    std::vector<double> edge(static_cast<size_t>(w), 0.0);
    for (int l = 0; l < b.w; ++l) edge[l] = padlen > 0 ? ln.left[l] : ValueAt(ln.xs, l, 0);
    SteadyState(zi, edge.data(), w, ln.state.data());
    RunRows(b.kernel, coef, ln.state.data(), RowsOf(ln.left.data(), w), 0, nullptr, 0, padlen, false);
    lanes.push_back(std::move(ln));
  }
  // Up to kWindowRows rows: store the whole forward output (exact). Longer: warm-up windows, unless the
  // filter's W is too long or the level is the portable one, whose kernels round as scipy's loop does and
  // whose sosfiltfilt equals scipy's bit for bit, which needs the exact backward state everywhere (the
  // checkpoints). The SIMD levels (FMA) differ from scipy by rounding already, far above the warm-up's 2^-64.
  const size_t warm = n <= kWindowRows || simd::Active() == simd::Level::kScalar ? 0 : WarmupRows(sos);
  if (n > kWindowRows && warm == 0) return CheckpointPasses(lanes, coef, zi, y, n, padlen, tile, total_lanes);
  // Groups of channel blocks whose window buffers fit kMaxWindowBytes (at least one block each).
  const size_t row_bytes = std::min(n, kWindowRows + warm) * sizeof(double);
  for (size_t i = 0; i < lanes.size();) {
    std::vector<Lane> group;
    size_t group_lanes = 0;
    for (; i < lanes.size(); ++i) {
      const size_t w = static_cast<size_t>(lanes[i].b.kernel.lanes);
      if (!group.empty() && (group_lanes + w) * row_bytes > kMaxWindowBytes) break;
      group_lanes += w;
      group.push_back(std::move(lanes[i]));
    }
    WarmupPasses(group, coef, zi, y, n, padlen, tile, group_lanes, warm);
  }
}

}  // namespace rpl::dsp
