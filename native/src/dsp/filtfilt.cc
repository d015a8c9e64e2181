#include "dsp/filtfilt.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

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
  std::vector<double> fstate;       // phase 2: forward state while recomputing an interval
  std::vector<double> checkpoints;  // forward state at the start of every interval
  Plane fwd;                        // phase 2: the interval's forward output, [interval rows][lanes]
  Plane out;                        // phase 2, y not adjacent: the interval's output rows, y's sample type
};

// Rows between checkpoints: the recomputed forward output of one interval, all blocks together, is about
// 512 KiB of doubles (it stays in L2 until the backward pass reads it). A multiple of the row tile.
size_t IntervalRows(size_t total_lanes, size_t tile) {
  const size_t rows = (size_t{512} << 10) / (total_lanes * sizeof(double));
  return std::max<size_t>(1, rows / tile) * tile;
}

}  // namespace

void SosFiltFilt(const Sos& sos, const SignalRef& x, const SignalRef& y, PadType pad, size_t padlen) {
  using namespace detail;
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
  const size_t interval = IntervalRows(total_lanes, tile), n_intervals = (n + interval - 1) / interval;

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
    ln.checkpoints.resize(n_intervals * ln.state.size());
    lanes.push_back(std::move(ln));
  }

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
  const std::unique_ptr<double[]> fwd(new double[fwd_rows * total_lanes]);  // written before it is read
  // Output to channel arrays (not adjacent rows): the backward pass writes the interval's rows into a buffer,
  // which is then copied out in time order, so each channel array is written in long ascending runs (a
  // backward walk scattering short runs to many arrays defeats the hardware prefetchers).
  std::unique_ptr<char[]> out;
  bool any_scatter = false;
  for (const Lane& ln : lanes) any_scatter = any_scatter || !ln.ys.adjacent;
  if (any_scatter) out.reset(new char[fwd_rows * total_lanes * SampleBytes(y.type)]);
  const bool stream = n * y.channels.size() * SampleBytes(y.type) >= kStreamOutputBytes;
  for (size_t i = 0, off = 0; i < lanes.size(); ++i) {
    const int w = lanes[i].b.kernel.lanes;
    lanes[i].fwd = RowsOf(fwd.get() + off, w);
    if (!lanes[i].ys.adjacent) lanes[i].out = RowsOfTile(out.get() + off * SampleBytes(y.type), y.type, w);
    off += fwd_rows * static_cast<size_t>(w);
  }
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
    for (size_t t = t1; t > t0;) {
      const size_t m = std::min(tile, t - t0);
      t -= m;
      for (Lane& ln : lanes) {
        if (ln.ys.adjacent) RunRows(ln.b.kernel, coef, ln.state.data(), ln.fwd, t - t0, &ln.ys, t, m, true);
        else RunRows(ln.b.kernel, coef, ln.state.data(), ln.fwd, t - t0, &ln.out, t - t0, m, true);
      }
    }
    for (Lane& ln : lanes)
      if (!ln.ys.adjacent) ScatterRows(ln.out.lane[0], ln.b.kernel.lanes, ln.ys, t0, t1 - t0, stream);
  }
}

}  // namespace rpl::dsp
