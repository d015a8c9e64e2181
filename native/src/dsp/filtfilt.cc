#include "dsp/filtfilt.h"

#include <algorithm>
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
  std::vector<double> checkpoints;  // forward state at the start of every chunk
};

}  // namespace

void SosFiltFilt(const Sos& sos, const SignalRef& x, const SignalRef& y, PadType pad, size_t padlen) {
  using namespace detail;
  CheckSameShape(x, y, "sosfiltfilt");
  if (pad == PadType::kNone) padlen = 0;
  const size_t n = x.n_samples;
  if (n <= padlen)
    throw std::invalid_argument("sosfiltfilt: the signal has " + std::to_string(n) +
                                " samples per channel; it must be longer than padlen = " + std::to_string(padlen));
  const FlushDenormals ftz;
  const std::vector<double> coef = FlatCoefficients(sos);
  const std::vector<double> zi = SosSteadyStateZi(sos);
  const size_t chunk = ChunkRows(x.channels.size(), x.type), n_chunks = (n + chunk - 1) / chunk;

  std::vector<Lane> lanes;
  for (const Block& b : PlanBlocks(x.channels.size())) {
    const int w = b.kernel.lanes;
    Lane ln{b, PlaneOf(x, b.c0, b.w, w), PlaneOf(y, b.c0, b.w, w), std::vector<double>(padlen * w, 0.0),
            std::vector<double>(padlen * w, 0.0), std::vector<double>(zi.size() * w), {}};
    if (x.type == SampleType::kFloat32) BuildPads<float>(ln.xs, n, pad, padlen, w, ln.left.data(), ln.right.data());
    else BuildPads<double>(ln.xs, n, pad, padlen, w, ln.left.data(), ln.right.data());
    // Forward starts from steady state at ext[0] and runs through the left pad (its output is cut off).
    std::vector<double> edge(static_cast<size_t>(w), 0.0);
    for (int l = 0; l < b.w; ++l) edge[l] = padlen > 0 ? ln.left[l] : ValueAt(ln.xs, l, 0);
    SteadyState(zi, edge.data(), w, ln.state.data());
    RunRows(b.kernel, coef, ln.state.data(), RowsOf(ln.left.data(), w), 0, nullptr, 0, padlen, false);
    ln.checkpoints.resize(n_chunks * ln.state.size());
    lanes.push_back(std::move(ln));
  }

  // Phase 1, forward through x: remember the state at each chunk start, keep no output.
  for (size_t k = 0; k < n_chunks; ++k) {
    const size_t t0 = k * chunk, m = std::min(chunk, n - t0);
    for (Lane& ln : lanes) {
      std::copy(ln.state.begin(), ln.state.end(), ln.checkpoints.begin() + k * ln.state.size());
      RunRows(ln.b.kernel, coef, ln.state.data(), ln.xs, t0, nullptr, 0, m, false);
    }
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

  // Phase 2, backward through x, last chunk first: recompute the chunk's forward output from its checkpoint
  // (bit-identical to the first time), then filter it backwards into y.
  std::vector<double> fwd(chunk * kMaxLanes), fstate;
  for (size_t k = n_chunks; k-- > 0;) {
    const size_t t0 = k * chunk, m = std::min(chunk, n - t0);
    for (Lane& ln : lanes) {
      const int w = ln.b.kernel.lanes;
      const Plane fp = RowsOf(fwd.data(), w);
      fstate.assign(ln.checkpoints.begin() + k * ln.state.size(), ln.checkpoints.begin() + (k + 1) * ln.state.size());
      RunRows(ln.b.kernel, coef, fstate.data(), ln.xs, t0, &fp, 0, m, false);
      if (padlen == 0 && k == n_chunks - 1) SteadyState(zi, fwd.data() + (m - 1) * w, w, ln.state.data());
      RunRows(ln.b.kernel, coef, ln.state.data(), fp, 0, &ln.ys, t0, m, true);
    }
  }
}

}  // namespace rpl::dsp
