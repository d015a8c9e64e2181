// Tiling driver and scalar kernels of the de-interleaver (simd/deinterleave.h).
#include "simd/deinterleave.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace rpl::simd {

namespace detail {

void TransposeScalar(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst,
                     const Prefetch& pf) {
  // Row-outer: the tile is read strictly sequentially; the ncols output streams each advance by 2 bytes.
  const uint8_t* row = src.base;
  for (uint64_t t = 0; t < src.rows; ++t, row += src.stride) {
    if ((t & 7) == 0) PrefetchRows(src, t, pf);
    for (size_t k = 0; k < ncols; ++k) {
      int16_t v;
      std::memcpy(&v, row + 2 * static_cast<uint64_t>(cols[k]), 2);
      dst[k][t] = v;
    }
  }
}

void ScaleScalar(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y) {
  for (uint64_t i = 0; i < n; ++i) y[i] = ScaleOne(x[i], s, add_offset);
}

}  // namespace detail

namespace {

// How far ahead the vector kernels prefetch, in bytes of needed input. 4-8 KiB measured best on Zen 5
// (shorter leaves DRAM latency exposed, longer evicts lines before use); 6 KiB sits in the middle.
constexpr uint64_t kPrefetchBytes = 6144;
// Rows per tile when several kernels share a tile (vector groups, then the scalar columns): the second and
// later passes find the rows in L2.
constexpr uint64_t kTileBytes = 64 * 1024;

// How one read is split between the kernels of the active level: runs of 32 (AVX-512), 16 or 8 (AVX2 kernels,
// also at the AVX-512 level) consecutive columns go to the vector kernels, every other column to the scalar
// transpose.
struct Plan {
  Level level = Level::kScalar;
  std::vector<uint32_t> g32, g16, g8;  // index k in cols where a vector group starts
  std::vector<uint32_t> singles;       // index k of each scalar column
  std::vector<uint32_t> single_cols;
  detail::Prefetch pf;
  uint64_t tile = 0;  // rows per tile, a multiple of 16
  // Prefetch settings for the k-th kernel run on a tile: only the first one (vector groups before scalar
  // columns) prefetches; the later ones find the tile in cache.
  detail::Prefetch PrefetchFor(int kernel) const {
    detail::Prefetch q = pf;
    const int first = !g32.empty() ? 0 : !g16.empty() ? 1 : !g8.empty() ? 2 : 3;
    q.on = pf.on && kernel == first;
    return q;
  }
  // int16 scratch per scalar column: the tile padded by one cache line, so the columns do not all fall into
  // the same few L1 sets (a 1 KiB stride maps 64 columns onto 4 sets of a 48 KiB 12-way L1).
  uint64_t ScratchStride() const { return tile + 32; }
};

Plan MakePlan(const RowBlock& src, const uint32_t* cols, size_t ncols) {
  Plan p;
  p.level = Active();
#if !defined(__x86_64__)
  p.level = Level::kScalar;
#endif
  uint32_t lo = cols[0], hi = cols[0];
  for (size_t k = 0; k < ncols;) {
    lo = std::min(lo, cols[k]);
    hi = std::max(hi, cols[k]);
    const size_t run = detail::ConsecutiveRun(cols, ncols, k, 32);
    if (p.level == Level::kAvx512 && run == 32) {
      p.g32.push_back(static_cast<uint32_t>(k));
      hi = std::max(hi, cols[k] + 31);
      k += 32;
    } else if (p.level != Level::kScalar && run >= 16) {
      p.g16.push_back(static_cast<uint32_t>(k));
      hi = std::max(hi, cols[k] + 15);
      k += 16;
    } else if (p.level != Level::kScalar && run >= 8) {
      p.g8.push_back(static_cast<uint32_t>(k));
      hi = std::max(hi, cols[k] + 7);
      k += 8;
    } else {
      p.singles.push_back(static_cast<uint32_t>(k));
      p.single_cols.push_back(cols[k]);
      ++k;
    }
  }
  {
    p.pf.on = true;
    p.pf.lo = 2 * static_cast<uint64_t>(lo);
    p.pf.len = 2 * (static_cast<uint64_t>(hi) - lo + 1);
    p.pf.whole = p.pf.len + 64 >= src.stride;
    const uint64_t per_row = p.pf.whole ? src.stride : std::min<uint64_t>(src.stride, p.pf.len + 64);
    p.pf.ahead = std::clamp<uint64_t>((kPrefetchBytes / per_row + 7) & ~uint64_t{7}, 8, 1024);
  }
  const uint64_t width = std::max<uint64_t>(src.stride, 2 * static_cast<uint64_t>(p.singles.size()));
  p.tile = std::clamp<uint64_t>((kTileBytes / std::max<uint64_t>(width, 1)) & ~uint64_t{15}, 16, 8192);
  return p;
}

detail::ScaleFn PickScale(Level level) {
#if defined(__x86_64__)
  if (level == Level::kAvx512) return detail::ScaleAvx512;
  if (level == Level::kAvx2) return detail::ScaleAvx2;
#endif
  (void)level;
  return detail::ScaleScalar;
}

}  // namespace

void DeinterleaveRaw(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* out) {
  if (ncols == 0 || src.rows == 0) return;
  const Plan p = MakePlan(src, cols, ncols);
  std::vector<int16_t*> dst(ncols);
  std::vector<int16_t*> sdst(p.singles.size());
  for (uint64_t t0 = 0; t0 < src.rows; t0 += p.tile) {
    const RowBlock part{src.base + t0 * src.stride, src.stride, std::min(p.tile, src.rows - t0)};
    for (size_t c = 0; c < ncols; ++c) dst[c] = out[c] + t0;
#if defined(__x86_64__)
    if (!p.g32.empty())
      detail::RawGroupsAvx512(part, cols, p.g32.data(), p.g32.size(), dst.data(), p.PrefetchFor(0));
    if (!p.g16.empty())
      detail::RawGroupsAvx2(part, cols, p.g16.data(), p.g16.size(), dst.data(), p.PrefetchFor(1));
    if (!p.g8.empty())
      detail::RawGroups8Avx2(part, cols, p.g8.data(), p.g8.size(), dst.data(), p.PrefetchFor(2));
#endif
    if (!p.singles.empty()) {
      for (size_t i = 0; i < p.singles.size(); ++i) sdst[i] = dst[p.singles[i]];
      detail::TransposeScalar(part, p.single_cols.data(), p.singles.size(), sdst.data(), p.PrefetchFor(3));
    }
  }
}

void DeinterleaveScaled(const RowBlock& src, const uint32_t* cols, size_t ncols, const Scale* scales,
                        bool add_offset, float* const* out) {
  if (ncols == 0 || src.rows == 0) return;
  // Vector groups are transposed, converted and scaled in registers and stored straight into the outputs.
  // Scalar columns are transposed into channel-major int16 scratch (cache resident), then scaled with
  // contiguous vector loads.
  const Plan p = MakePlan(src, cols, ncols);
  const detail::ScaleFn scale = PickScale(p.level);
  std::vector<float*> dst(ncols);
  std::vector<int16_t> scratch(p.ScratchStride() * p.singles.size());
  std::vector<int16_t*> sdst(p.singles.size());
  for (size_t i = 0; i < p.singles.size(); ++i) sdst[i] = scratch.data() + i * p.ScratchStride();
  for (uint64_t t0 = 0; t0 < src.rows; t0 += p.tile) {
    const uint64_t n = std::min(p.tile, src.rows - t0);
    const RowBlock part{src.base + t0 * src.stride, src.stride, n};
    for (size_t c = 0; c < ncols; ++c) dst[c] = out[c] + t0;
#if defined(__x86_64__)
    if (!p.g32.empty())
      detail::ScaledGroupsAvx512(part, cols, p.g32.data(), p.g32.size(), scales, add_offset, dst.data(),
                                 p.PrefetchFor(0));
    if (!p.g16.empty())
      detail::ScaledGroupsAvx2(part, cols, p.g16.data(), p.g16.size(), scales, add_offset, dst.data(),
                               p.PrefetchFor(1));
    if (!p.g8.empty())
      detail::ScaledGroups8Avx2(part, cols, p.g8.data(), p.g8.size(), scales, add_offset, dst.data(),
                                p.PrefetchFor(2));
#endif
    if (!p.singles.empty()) {
      detail::TransposeScalar(part, p.single_cols.data(), p.singles.size(), sdst.data(), p.PrefetchFor(3));
      for (size_t i = 0; i < p.singles.size(); ++i)
        scale(sdst[i], n, scales[p.singles[i]], add_offset, dst[p.singles[i]]);
    }
  }
}

void Interleave(const int16_t* const* in, size_t ncols, uint64_t rows, int16_t* dst) {
  // Writer path: tiled so each input stream is read in runs of `tile` samples while the output rows stay hot.
  const uint64_t tile = 256;
  for (uint64_t t0 = 0; t0 < rows; t0 += tile) {
    const uint64_t n = std::min(tile, rows - t0);
    for (size_t c = 0; c < ncols; ++c) {
      const int16_t* s = in[c] + t0;
      int16_t* d = dst + t0 * ncols + c;
      for (uint64_t t = 0; t < n; ++t) d[t * ncols] = s[t];
    }
  }
}

}  // namespace rpl::simd
