#include "dsp/sosfilt.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "common/memory_hints.h"
#include "dsp/sosfilt_tile.h"
#include "simd/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace rpl::dsp {
namespace detail {

namespace {
constexpr size_t kTileRows = 128;  // 128 rows x 16 lanes x 8 bytes = 16 KiB: stays in L1

// Channel pointers of plane rows starting at `row`; true when they are a full block of unit-stride arrays
// (the AVX2 transposes' case).
template <typename T>
bool LanePointers(const Plane& p, size_t row, int lanes, T** ch) {
  const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(row) * p.stride;
  for (int l = 0; l < p.w; ++l) ch[l] = reinterpret_cast<T*>(p.lane[l]) + off;
  return p.w == lanes && p.stride == 1 && simd::Active() >= simd::Level::kAvx2;
}

// Rows [row, row + m) of p into rows[i*lanes + l], time order; dead lanes (l >= p.w) get zeros.
template <typename T>
void Gather(const Plane& p, size_t row, size_t m, int lanes, T* rows) {
  T* ch[kMaxLanes];
  if (LanePointers(p, row, lanes, ch) && tile::FromChannelsAvx2(ch, lanes, m, rows)) return;
  for (int l = 0; l < p.w; ++l)
    for (size_t i = 0; i < m; ++i) rows[i * lanes + l] = ch[l][static_cast<std::ptrdiff_t>(i) * p.stride];
  for (int l = p.w; l < lanes; ++l)  // dead lanes stay at rest: zero in, zero state, no NaN
    for (size_t i = 0; i < m; ++i) rows[i * lanes + l] = T(0);
}

// rows[i*lanes + l] (time order) into rows [row, row + m) of p, live lanes only.
template <typename T>
void Scatter(const T* rows, int lanes, const Plane& p, size_t row, size_t m, bool stream = false) {
  T* ch[kMaxLanes];
  if (LanePointers(p, row, lanes, ch)) {
    if constexpr (std::is_same_v<T, float>) {
      if (tile::ToChannelsAvx2(rows, lanes, ch, m, stream)) return;
    } else {
      if (tile::ToChannelsAvx2(rows, lanes, ch, m)) return;
    }
  }
  for (int l = 0; l < p.w; ++l)
    for (size_t i = 0; i < m; ++i) ch[l][static_cast<std::ptrdiff_t>(i) * p.stride] = rows[i * lanes + l];
}

// Float32 channel arrays of a full block: a side the fused AVX-512 kernels (tile::RunChannelsAvx512) can take.
bool FusableChannels(const CascadeKernel& k, const Plane& p, int nsec) {
  return !p.adjacent && p.type == SampleType::kFloat32 && p.stride == 1 && p.w == k.lanes &&
         (k.lanes == 8 || k.lanes == 16) && tile::FusedSections(nsec) && simd::Active() == simd::Level::kAvx512;
}

// RunRows through tile::RunChannelsAvx512 when it applies (true: done).
bool RunFused(const CascadeKernel& k, const std::vector<double>& coef, double* state, const Plane& src,
              size_t src_begin, const Plane* dst, size_t dst_begin, size_t count, bool reverse) {
  const int nsec = static_cast<int>(coef.size() / 5);
  const bool in_ch = FusedInput(k, src, nsec), out_ch = dst != nullptr && FusedOutput(k, *dst, nsec);
  if (!(in_ch || src.adjacent) || !(dst == nullptr || out_ch || dst->adjacent) || !(in_ch || out_ch)) return false;
  const float* in[kMaxLanes];
  float* out[kMaxLanes];
  tile::FusedCall c{coef.data(), nsec, k.lanes, state, nullptr, nullptr, src.type,
                    src.stride, nullptr, nullptr, SampleType::kFloat64, 0, count, reverse};
  if (in_ch) {
    for (int l = 0; l < k.lanes; ++l) in[l] = reinterpret_cast<const float*>(src.lane[l]) + src_begin;
    c.in_ch = in;
  } else {
    c.in = src.lane[0] + static_cast<std::ptrdiff_t>(src_begin) * src.stride * static_cast<std::ptrdiff_t>(SampleBytes(src.type));
  }
  if (out_ch) {
    for (int l = 0; l < k.lanes; ++l) out[l] = reinterpret_cast<float*>(dst->lane[l]) + dst_begin;
    c.out_ch = out;
  } else if (dst != nullptr) {
    c.out = dst->lane[0] + static_cast<std::ptrdiff_t>(dst_begin) * dst->stride * static_cast<std::ptrdiff_t>(SampleBytes(dst->type));
    c.out_type = dst->type;
    c.out_stride = dst->stride;
  }
  return tile::RunChannelsAvx512(c);
}

// Where the kernel reads or writes rows [row, row + m) of an adjacent plane, in processing order.
void* RowPointer(const Plane& p, size_t row, size_t m, bool reverse, std::ptrdiff_t* stride) {
  const std::ptrdiff_t first = static_cast<std::ptrdiff_t>(reverse ? row + m - 1 : row);
  *stride = reverse ? -p.stride : p.stride;
  return p.lane[0] + first * p.stride * static_cast<std::ptrdiff_t>(SampleBytes(p.type));
}
}  // namespace

bool FusedInput(const CascadeKernel& k, const Plane& p, int nsec) { return FusableChannels(k, p, nsec); }

// True when no L1 set holds the current lines of more than 4 of p's arrays. The kernels that write channel
// arrays directly keep one line of each array in L1 while they fill it; 16 arrays at the same address modulo
// 4 KiB (separately allocated large arrays usually are: page-aligned plus the same header) all map to one
// 12-way set and evict each other's lines before they are full. The row offsets a call adds are the same
// for every array, so the check on the arrays' starts holds for every call. (64 sets of 64 bytes: the L1
// data caches of current x86 cores, 32-48 KiB of 8-12 ways.)
bool SpreadOverCacheSets(const Plane& p) {
  int per_set[64] = {};
  for (int l = 0; l < p.w; ++l)
    if (++per_set[(reinterpret_cast<std::uintptr_t>(p.lane[l]) >> 6) & 63] > 4) return false;
  return true;
}

// 8-lane blocks: two 8-lane halves per 8 rows. 16-lane blocks: the pair kernel with 4-row stores, when the
// arrays are spread over the L1 sets; else (a set conflict) the pair kernel into rows plus the transposing
// copy with streaming stores, which no set conflict slows.
bool FusedOutput(const CascadeKernel& k, const Plane& p, int nsec) {
  return FusableChannels(k, p, nsec) && (k.lanes == 8 || SpreadOverCacheSets(p));
}

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
  return RowsOfTile(reinterpret_cast<char*>(rows), SampleType::kFloat64, lanes);
}

Plane RowsOfTile(char* rows, SampleType type, int lanes) {
  Plane p;
  p.type = type;
  p.w = lanes;
  p.stride = lanes;
  p.adjacent = true;
  for (int l = 0; l < lanes; ++l) p.lane[l] = rows + l * SampleBytes(type);
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
  // A lone channel gains nothing from SIMD lanes: the 1-lane kernel is 4-8x less work for it. The SIMD levels
  // use their FMA one (same operations, so the same bits, as their wide kernels).
  const CascadeKernel one = level == simd::Level::kScalar ? ScalarKernel(1) : Fma1Kernel();
  if (n_channels == 1) return {{0, 1, one}};
  // AVX-512: full 16-channel blocks run two vectors per row (Avx512PairKernel), the rest as below.
  const CascadeKernel wide = level == simd::Level::kAvx512 ? Avx512Kernel()
                             : level == simd::Level::kAvx2 ? Avx2Kernel()
                                                           : ScalarKernel(4);
  const CascadeKernel narrow = level == simd::Level::kScalar ? ScalarKernel(4) : Avx2Kernel();
  if (level == simd::Level::kAvx512) {
    const CascadeKernel pair = Avx512PairKernel();
    for (; n_channels - c >= static_cast<size_t>(pair.lanes); c += static_cast<size_t>(pair.lanes))
      blocks.push_back({c, pair.lanes, pair});
  }
  while (c < n_channels) {
    const size_t left = n_channels - c;
    CascadeKernel k = left >= static_cast<size_t>(wide.lanes) ? wide : left == 1 ? one
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

size_t TileRows(size_t n_channels, SampleType type) {
  const size_t row_bytes = n_channels * SampleBytes(type);
  return std::clamp<size_t>((size_t{16} << 10) / row_bytes, 16, 1024);
}

void RunRows(const CascadeKernel& k, const std::vector<double>& coef, double* state, const Plane& src,
             size_t src_begin, const Plane* dst, size_t dst_begin, size_t count, bool reverse) {
  if (count == 0) return;
  CascadeCall call{coef.data(), static_cast<int>(coef.size() / 5), state, nullptr, src.type, 0,
                   nullptr, SampleType::kFloat64, 0, count};
  if (dst != nullptr) call.out_type = dst->type;
  if (src.adjacent && (dst == nullptr || dst->adjacent)) {
    // Direct: the kernel walks the caller's rows (backwards through a negative stride).
    call.in = RowPointer(src, src_begin, count, reverse, &call.in_stride);
    if (dst != nullptr) call.out = RowPointer(*dst, dst_begin, count, reverse, &call.out_stride);
    k.run(call);
    return;
  }
  // Fused: float32 channel arrays transposed in registers by the AVX-512 kernels.
  if (RunFused(k, coef, state, src, src_begin, dst, dst_begin, count, reverse)) return;
  // Tiled: a side that is not adjacent goes through a [rows][lanes] tile in time order, which the kernel
  // walks like the caller's rows; the other side stays direct.
  alignas(64) char in_tile[kTileRows * kMaxLanes * sizeof(double)];
  alignas(64) char out_tile[kTileRows * kMaxLanes * sizeof(double)];
  const Plane in_rows = RowsOfTile(in_tile, src.type, k.lanes);
  const Plane out_rows = dst != nullptr ? RowsOfTile(out_tile, dst->type, k.lanes) : Plane{};
  for (size_t done = 0; done < count; done += kTileRows) {
    const size_t m = std::min(kTileRows, count - done);
    const size_t off = reverse ? count - done - m : done;  // first row of this tile, relative, time order
    call.n = m;
    if (src.adjacent) {
      call.in = RowPointer(src, src_begin + off, m, reverse, &call.in_stride);
    } else {
      if (src.type == SampleType::kFloat32) Gather(src, src_begin + off, m, k.lanes, reinterpret_cast<float*>(in_tile));
      else Gather(src, src_begin + off, m, k.lanes, reinterpret_cast<double*>(in_tile));
      call.in = RowPointer(in_rows, 0, m, reverse, &call.in_stride);
    }
    if (dst != nullptr) {
      if (dst->adjacent) call.out = RowPointer(*dst, dst_begin + off, m, reverse, &call.out_stride);
      else call.out = RowPointer(out_rows, 0, m, reverse, &call.out_stride);
    }
    k.run(call);
    if (dst == nullptr || dst->adjacent) continue;
    ScatterRows(out_tile, k.lanes, *dst, dst_begin + off, m, false);
  }
}

void ScatterRows(const char* rows, int lanes, const Plane& dst, size_t dst_begin, size_t count, bool stream) {
  if (dst.type == SampleType::kFloat32)
    Scatter(reinterpret_cast<const float*>(rows), lanes, dst, dst_begin, count, stream);
  else
    Scatter(reinterpret_cast<const double*>(rows), lanes, dst, dst_begin, count);
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

void AdviseOutput(const SignalRef& y) {
  const size_t bytes = SampleBytes(y.type);
  if (y.channels.empty() || y.n_samples == 0) return;
  if (y.stride == 1) {
    for (void* c : y.channels) common::AdviseHugePages(c, y.n_samples * bytes);
  } else {  // interleaved: one array from channel 0's first sample
    const size_t span = (y.n_samples - 1) * static_cast<size_t>(y.stride) + y.channels.size();
    common::AdviseHugePages(y.channels[0], span * bytes);
  }
}

}  // namespace detail

void SosFilt(const Sos& sos, const SignalRef& x, const SignalRef& y, double* zi) {
  using namespace detail;
  CheckSameShape(x, y, "sosfilt");
  AdviseOutput(y);
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
  std::vector<Plane> xs, ys;
  for (const Block& b : blocks) {
    xs.push_back(PlaneOf(x, b.c0, b.w, b.kernel.lanes));
    ys.push_back(PlaneOf(y, b.c0, b.w, b.kernel.lanes));
  }
  const size_t tile = TileRows(nch, x.type);
  for (size_t t0 = 0; t0 < n; t0 += tile) {
    const size_t m = std::min(tile, n - t0);
    for (size_t i = 0; i < blocks.size(); ++i)
      RunRows(blocks[i].kernel, coef, state[i].data(), xs[i], t0, &ys[i], t0, m, false);
  }
  if (zi != nullptr)
    for (size_t i = 0; i < blocks.size(); ++i)
      for (size_t j = 0; j < nsec * 2; ++j)
        for (int l = 0; l < blocks[i].w; ++l)
          zi[j * nch + blocks[i].c0 + l] = state[i][j * blocks[i].kernel.lanes + l];
}

}  // namespace rpl::dsp
