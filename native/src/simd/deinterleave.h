// De-interleaving of NSx sample rows into per-channel arrays (and the writer's inverse).
//
// NSx stores samples sample-major: row t holds one int16 per channel. Analysis wants channel-major arrays, so
// every read is a transpose. The work is done in cache-sized tiles of rows: a tile of the mapped file is read
// once, sequentially (kind to the page cache and the prefetcher), and transposed while it is in L1/L2.
//
// Three implementations (scalar, AVX2, AVX-512) are chosen at run time from rpl::simd::Active(). They are
// bit-identical by construction: the transpose only moves bytes, and the scaling performs the same IEEE
// operations in the same order in every path (see ScaleToFloat below).
#ifndef RPLPIPE_SIMD_DEINTERLEAVE_H_
#define RPLPIPE_SIMD_DEINTERLEAVE_H_

#include <cstddef>
#include <cstdint>

#include "simd/cpu_features.h"

namespace rpl::simd {

// A block of interleaved rows: `rows` rows, row t starting at base + t * stride bytes, column c of a row being
// the int16 at byte 2c of the row. stride is 2N for standard NSx blocks and 13 + 2N for PTP packets (base then
// points at the first packet's samples).
struct RowBlock {
  const uint8_t* base;
  uint64_t stride;
  uint64_t rows;
};

// Per-channel scaling, exactly as neo's rescale_signal_raw_to_float does it with numpy (float32 array,
// in-place `*= gain` then `+= offset` with float64 gain/offset arrays): each step is computed in double and
// rounded to float32:
//   y = float(double(raw) * gain);  if (add_offset) y = float(double(y) + offset)
// neo skips the addition for ALL selected channels when every selected offset is 0.0; that matters only for
// the sign of zero (-0.0 + 0.0 = +0.0), so add_offset is decided per read from the selected channels.
struct Scale {
  double gain;
  double offset;
};

// Copies columns cols[0..ncols) of all rows into out[k][0..rows). Columns must be < the row width (the caller
// validates); consecutive column runs use the vector transpose, any other selection the scalar gather.
void DeinterleaveRaw(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* out);

// Same selection, scaled to float32 (see Scale). `scales[k]` belongs to cols[k].
void DeinterleaveScaled(const RowBlock& src, const uint32_t* cols, size_t ncols, const Scale* scales,
                        bool add_offset, float* const* out);

// Inverse for the writer: interleaves in[c][0..rows) (c < ncols) into dst, rows of ncols int16.
void Interleave(const int16_t* const* in, size_t ncols, uint64_t rows, int16_t* dst);

// Level-specific kernels (internal; declared here so each level lives in its own .cc file).
namespace detail {

// Transposes rows [0, n) of `src` (n <= tile) for the selected columns into dst[k] + 0..n.
using TransposeFn = void (*)(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst);
// y[i] = scaled(x[i]) for i < n (see Scale).
using ScaleFn = void (*)(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y);

void TransposeScalar(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst);
void ScaleScalar(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y);
#if defined(__x86_64__)
void TransposeAvx2(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst);
void ScaleAvx2(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y);
void TransposeAvx512(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst);
void ScaleAvx512(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y);
#endif

// Scalar transpose of rows [0, n) for one column: the tail and non-contiguous selections of every level.
inline void GatherColumn(const RowBlock& src, uint32_t col, int16_t* dst) {
  const uint8_t* p = src.base + 2 * static_cast<uint64_t>(col);
  for (uint64_t t = 0; t < src.rows; ++t, p += src.stride) {
    int16_t v;
    __builtin_memcpy(&v, p, 2);
    dst[t] = v;
  }
}

// Scalar scaling of one value; every SIMD path performs exactly these roundings.
inline float ScaleOne(int16_t x, Scale s, bool add_offset) {
  float y = static_cast<float>(static_cast<double>(x) * s.gain);
  if (add_offset) y = static_cast<float>(static_cast<double>(y) + s.offset);
  return y;
}

// Length of the run of consecutive columns starting at cols[k] (cols[k], cols[k]+1, ...), capped at `cap`.
inline size_t ConsecutiveRun(const uint32_t* cols, size_t ncols, size_t k, size_t cap) {
  size_t r = 1;
  while (r < cap && k + r < ncols && cols[k + r] == cols[k] + r) ++r;
  return r;
}

}  // namespace detail
}  // namespace rpl::simd

#endif  // RPLPIPE_SIMD_DEINTERLEAVE_H_
