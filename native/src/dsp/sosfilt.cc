#include "dsp/sosfilt.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "simd/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace rpl::dsp {
namespace detail {

namespace {
constexpr size_t kTileRows = 256;  // 256 rows x 8 lanes x 8 bytes = 16 KiB: stays in L1

template <typename T>
void Gather(const Plane& p, size_t row, size_t count, bool reverse, int lanes, double* tile) {
  for (size_t i = 0; i < count; ++i) {
    const size_t r = reverse ? row + count - 1 - i : row + i;
    const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(r) * p.stride;
    double* t = tile + i * lanes;
    for (int l = 0; l < p.w; ++l) t[l] = static_cast<double>(reinterpret_cast<const T*>(p.lane[l])[off]);
    for (int l = p.w; l < lanes; ++l) t[l] = 0.0;  // dead lanes stay at rest: zero in, zero state, no NaN
  }
}

template <typename T>
void Scatter(const Plane& p, size_t row, size_t count, bool reverse, int lanes, const double* tile) {
  for (size_t i = 0; i < count; ++i) {
    const size_t r = reverse ? row + count - 1 - i : row + i;
    const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(r) * p.stride;
    const double* t = tile + i * lanes;
    for (int l = 0; l < p.w; ++l) reinterpret_cast<T*>(p.lane[l])[off] = static_cast<T>(t[l]);
  }
}
}  // namespace

Plane PlaneOf(const SignalRef& s, size_t c0, int w, int lanes) {
  Plane p;
  p.type = s.type;
  p.w = w;
  p.stride = s.stride;
  const size_t bytes = SampleBytes(s.type);
  bool adjacent = w == lanes;
  for (int l = 0; l < w; ++l) {
    p.lane[l] = static_cast<char*>(s.channels[c0 + l]);
    adjacent = adjacent && p.lane[l] == p.lane[0] + l * bytes;
  }
  p.adjacent = adjacent;
  return p;
}

Plane RowsOf(double* rows, int lanes) {
  Plane p;
  p.type = SampleType::kFloat64;
  p.w = lanes;
  p.stride = lanes;
  p.adjacent = true;
  for (int l = 0; l < lanes; ++l) p.lane[l] = reinterpret_cast<char*>(rows + l);
  return p;
}

double ValueAt(const Plane& p, int lane, size_t row) {
  const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(row) * p.stride;
  if (p.type == SampleType::kFloat32) return reinterpret_cast<const float*>(p.lane[lane])[off];
  return reinterpret_cast<const double*>(p.lane[lane])[off];
}

std::vector<Block> PlanBlocks(size_t n_channels) {
  const simd::Level level = simd::Active();
  std::vector<Block> blocks;
  size_t c = 0;
  // A lone channel gains nothing from SIMD lanes: the 1-lane kernel is 4-8x less work for it.
  if (n_channels == 1) return {{0, 1, ScalarKernel(1)}};
  const CascadeKernel wide = level == simd::Level::kAvx512 ? Avx512Kernel()
                             : level == simd::Level::kAvx2 ? Avx2Kernel()
                                                           : ScalarKernel(4);
  const CascadeKernel narrow = level == simd::Level::kScalar ? ScalarKernel(4) : Avx2Kernel();
  while (c < n_channels) {
    const size_t left = n_channels - c;
    CascadeKernel k = left >= static_cast<size_t>(wide.lanes) ? wide : left == 1 ? ScalarKernel(1)
                      : left <= static_cast<size_t>(narrow.lanes) ? narrow : wide;
    const int w = static_cast<int>(std::min<size_t>(left, static_cast<size_t>(k.lanes)));
    blocks.push_back({c, w, k});
    c += static_cast<size_t>(w);
  }
  return blocks;
}

std::vector<double> FlatCoefficients(const Sos& sos) {
  std::vector<double> c;
  for (const Biquad& q : sos) c.insert(c.end(), {q.b0, q.b1, q.b2, q.a1, q.a2});
  return c;
}

size_t ChunkRows(size_t n_channels, SampleType type) {
  const size_t row_bytes = n_channels * SampleBytes(type);
  return std::clamp<size_t>((size_t{256} << 10) / row_bytes, kTileRows, 4096);
}

void RunRows(const CascadeKernel& k, const std::vector<double>& coef, double* state, const Plane& src,
             size_t src_begin, const Plane* dst, size_t dst_begin, size_t count, bool reverse) {
  if (count == 0) return;
  CascadeCall call{coef.data(), static_cast<int>(coef.size() / 5), state, nullptr, src.type, 0,
                   nullptr, SampleType::kFloat64, 0, count};
  if (src.adjacent && (dst == nullptr || dst->adjacent)) {
    // Direct: the kernel walks the caller's rows (backwards through a negative stride).
    const std::ptrdiff_t dir = reverse ? -1 : 1;
    const std::ptrdiff_t last = reverse ? static_cast<std::ptrdiff_t>(count) - 1 : 0;
    call.in = src.lane[0] + (static_cast<std::ptrdiff_t>(src_begin) + last) * src.stride *
                                static_cast<std::ptrdiff_t>(SampleBytes(src.type));
    call.in_stride = dir * src.stride;
    if (dst != nullptr) {
      call.out = dst->lane[0] + (static_cast<std::ptrdiff_t>(dst_begin) + last) * dst->stride *
                                    static_cast<std::ptrdiff_t>(SampleBytes(dst->type));
      call.out_type = dst->type;
      call.out_stride = dir * dst->stride;
    }
    k.run(call);
    return;
  }
  // Tiled: gather rows (in processing order) into doubles, filter in place, scatter back.
  double tile[kTileRows * kMaxLanes];
  call.in = tile;
  call.in_type = SampleType::kFloat64;
  call.in_stride = k.lanes;
  if (dst != nullptr) call.out = tile, call.out_stride = k.lanes;
  for (size_t done = 0; done < count; done += kTileRows) {
    const size_t m = std::min(kTileRows, count - done);
    const size_t off = reverse ? count - done - m : done;  // first row of this tile, relative
    if (src.type == SampleType::kFloat32) Gather<float>(src, src_begin + off, m, reverse, k.lanes, tile);
    else Gather<double>(src, src_begin + off, m, reverse, k.lanes, tile);
    call.n = m;
    k.run(call);
    if (dst == nullptr) continue;
    if (dst->type == SampleType::kFloat32) Scatter<float>(*dst, dst_begin + off, m, reverse, k.lanes, tile);
    else Scatter<double>(*dst, dst_begin + off, m, reverse, k.lanes, tile);
  }
}

#if defined(__x86_64__) || defined(__i386__)
FlushDenormals::FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }  // FTZ | DAZ
FlushDenormals::~FlushDenormals() { _mm_setcsr(saved_); }
#else
FlushDenormals::FlushDenormals() {}
FlushDenormals::~FlushDenormals() {}
#endif

void CheckSameShape(const SignalRef& x, const SignalRef& y, const char* what) {
  if (x.channels.empty() || x.channels.size() != y.channels.size() || x.n_samples != y.n_samples)
    throw std::invalid_argument(std::string(what) + ": input has " + std::to_string(x.channels.size()) +
                                " channel(s) x " + std::to_string(x.n_samples) + " samples, output " +
                                std::to_string(y.channels.size()) + " x " + std::to_string(y.n_samples));
}

}  // namespace detail

void SosFilt(const Sos& sos, const SignalRef& x, const SignalRef& y, double* zi) {
  using namespace detail;
  CheckSameShape(x, y, "sosfilt");
  const FlushDenormals ftz;
  const std::vector<double> coef = FlatCoefficients(sos);
  const size_t nsec = sos.size(), nch = x.channels.size(), n = x.n_samples;
  const std::vector<Block> blocks = PlanBlocks(nch);
  std::vector<std::vector<double>> state(blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    const int lanes = b.kernel.lanes;
    state[i].assign(nsec * 2 * static_cast<size_t>(lanes), 0.0);
    if (zi != nullptr)
      for (size_t j = 0; j < nsec * 2; ++j)
        for (int l = 0; l < b.w; ++l) state[i][j * lanes + l] = zi[j * nch + b.c0 + l];
  }
  const size_t chunk = ChunkRows(nch, x.type);
  for (size_t t0 = 0; t0 < n; t0 += chunk) {
    const size_t m = std::min(chunk, n - t0);
    for (size_t i = 0; i < blocks.size(); ++i) {
      const Block& b = blocks[i];
      const Plane xs = PlaneOf(x, b.c0, b.w, b.kernel.lanes), ys = PlaneOf(y, b.c0, b.w, b.kernel.lanes);
      RunRows(b.kernel, coef, state[i].data(), xs, t0, &ys, t0, m, false);
    }
  }
  if (zi != nullptr)
    for (size_t i = 0; i < blocks.size(); ++i)
      for (size_t j = 0; j < nsec * 2; ++j)
        for (int l = 0; l < blocks[i].w; ++l) zi[j * nch + blocks[i].c0 + l] = state[i][j * blocks[i].kernel.lanes + l];
}

}  // namespace rpl::dsp
