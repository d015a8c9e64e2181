// Tiling driver and scalar kernels of the de-interleaver (simd/deinterleave.h).
#include "simd/deinterleave.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace rpl::simd {

namespace detail {

void TransposeScalar(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst) {
  // Row-outer: the tile is read strictly sequentially; the ncols output streams each advance by 2 bytes.
  const uint8_t* row = src.base;
  for (uint64_t t = 0; t < src.rows; ++t, row += src.stride) {
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

struct Kernels {
  detail::TransposeFn transpose;
  detail::ScaleFn scale;
};

Kernels Pick() {
#if defined(__x86_64__)
  switch (Active()) {
    case Level::kAvx512: return {detail::TransposeAvx512, detail::ScaleAvx512};
    case Level::kAvx2: return {detail::TransposeAvx2, detail::ScaleAvx2};
    default: break;
  }
#endif
  return {detail::TransposeScalar, detail::ScaleScalar};
}

// Rows per tile: the tile of the file (rows * stride) and the int16 scratch (rows * ncols * 2) both stay near
// 32 KiB, i.e. in L1/L2, whatever the channel count. A multiple of 16 keeps the vector loops free of tails.
uint64_t TileRows(uint64_t stride, size_t ncols) {
  uint64_t width = std::max<uint64_t>(stride, 2 * static_cast<uint64_t>(ncols));
  uint64_t rows = (32768 / std::max<uint64_t>(width, 1)) & ~uint64_t{15};
  return std::clamp<uint64_t>(rows, 16, 4096);
}

}  // namespace

void DeinterleaveRaw(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* out) {
  if (ncols == 0 || src.rows == 0) return;
  const Kernels k = Pick();
  const uint64_t tile = TileRows(src.stride, ncols);
  std::vector<int16_t*> dst(ncols);
  for (uint64_t t0 = 0; t0 < src.rows; t0 += tile) {
    RowBlock part{src.base + t0 * src.stride, src.stride, std::min(tile, src.rows - t0)};
    for (size_t c = 0; c < ncols; ++c) dst[c] = out[c] + t0;
    k.transpose(part, cols, ncols, dst.data());
  }
}

void DeinterleaveScaled(const RowBlock& src, const uint32_t* cols, size_t ncols, const Scale* scales,
                        bool add_offset, float* const* out) {
  if (ncols == 0 || src.rows == 0) return;
  const Kernels k = Pick();
  const uint64_t tile = TileRows(src.stride, ncols);
  // Transpose a tile into channel-major int16 scratch (cache resident), then scale each channel with
  // contiguous vector loads.
  std::vector<int16_t> scratch(tile * ncols);
  std::vector<int16_t*> dst(ncols);
  for (size_t c = 0; c < ncols; ++c) dst[c] = scratch.data() + c * tile;
  for (uint64_t t0 = 0; t0 < src.rows; t0 += tile) {
    const uint64_t n = std::min(tile, src.rows - t0);
    RowBlock part{src.base + t0 * src.stride, src.stride, n};
    k.transpose(part, cols, ncols, dst.data());
    for (size_t c = 0; c < ncols; ++c) k.scale(dst[c], n, scales[c], add_offset, out[c] + t0);
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
