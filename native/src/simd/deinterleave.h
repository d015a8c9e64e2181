// De-interleaving of NSx sample rows into per-channel arrays (and the writer's inverse).
//
// NSx stores samples sample-major: row t holds one int16 per channel. Analysis wants channel-major arrays, so
// every read is a transpose. Runs of 32, 16 or 8 consecutive channels are transposed in registers, rows in
// order (16 or 8 at a time), and stored straight into the outputs; scaled reads convert and scale in the same
// pass. The input is prefetched in software a few KiB ahead (see detail::Prefetch). Other channels take a
// scalar row-outer transpose in 64 KiB row tiles, after the vector runs of the same tile.
//
// Three implementations (scalar, AVX2, AVX-512) are chosen at run time from rpl::simd::Active(). They are
// bit-identical by construction: the transpose only moves bytes, and the scaling performs the same IEEE
// operations in the same order in every path (see Scale below).
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

// Software prefetch of the rows a vector kernel will read a little later. With one output stream per channel
// the hardware prefetchers lose track of the single input stream (64 channels: 64 store streams + 1 load
// stream), and the transpose then waits on DRAM at every new line; prefetching ~6 KiB ahead halves the run
// time. `lo`/`len` is the byte span of the selected columns within a row; `whole` prefetches the rows as one
// contiguous range (when the span covers nearly the whole row). `ahead` is in rows, a multiple of 8.
struct Prefetch {
  bool on = false;
  bool whole = false;
  uint64_t lo = 0;
  uint64_t len = 0;
  uint64_t ahead = 0;
};

// Vector kernels over `ngroups` runs of W consecutive columns (W = 32 for AVX-512, 16 for AVX2): group g is
// columns cols[k]..cols[k]+W-1 with k = groups[g], written to out[k..k+W) (and scaled with scales[k..k+W)).
// All rows of src are done (row tails < 8 with the scalar gather). Rows are visited in 8-row blocks, all
// groups of a block before the next block, so the input is read strictly in order.
// The *Groups8* kernels take runs of W = 8 columns (one 16-byte load per row) and transpose 16 rows per block
// (one 128-bit lane per 8 rows), so each channel gets one 32-byte store. The AVX-512 level uses them too, as it
// does RawGroupsAvx2 for 16-wide runs: 32-row zmm variants measured 3-15% slower (8 of 32 channels, AMD EPYC).
using RawGroupsFn = void (*)(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                             int16_t* const* out, const Prefetch& pf);
using ScaledGroupsFn = void (*)(const RowBlock& src, const uint32_t* cols, const uint32_t* groups,
                                size_t ngroups, const Scale* scales, bool add_offset, float* const* out,
                                const Prefetch& pf);
// Transposes rows [0, src.rows) of the selected columns into dst[k] + 0..rows (row-outer, scalar).
struct Prefetch;
void TransposeScalar(const RowBlock& src, const uint32_t* cols, size_t ncols, int16_t* const* dst,
                     const Prefetch& pf);
// y[i] = scaled(x[i]) for i < n (see Scale).
using ScaleFn = void (*)(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y);
void ScaleScalar(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y);
#if defined(__x86_64__)
void RawGroupsAvx2(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                   int16_t* const* out, const Prefetch& pf);
void ScaledGroupsAvx2(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                      const Scale* scales, bool add_offset, float* const* out, const Prefetch& pf);
void ScaleAvx2(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y);
void RawGroups8Avx2(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                    int16_t* const* out, const Prefetch& pf);
void ScaledGroups8Avx2(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                       const Scale* scales, bool add_offset, float* const* out, const Prefetch& pf);
void RawGroupsAvx512(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                     int16_t* const* out, const Prefetch& pf);
void ScaledGroupsAvx512(const RowBlock& src, const uint32_t* cols, const uint32_t* groups, size_t ngroups,
                        const Scale* scales, bool add_offset, float* const* out, const Prefetch& pf);
void ScaleAvx512(const int16_t* x, uint64_t n, Scale s, bool add_offset, float* y);
#endif

// Issues the prefetches for rows [t + ahead, t + ahead + 8). Prefetches never fault, and addresses past the
// mapping are harmless; the arithmetic is done on integers so no out-of-object pointer is ever formed.
// always_inline is required: GCC's IPA pass otherwise sees a void function whose only effect is a prefetch,
// declares it const and deletes every call (GCC 12 at -O2/-O3).
__attribute__((always_inline)) inline void PrefetchRows(const RowBlock& src, uint64_t t, const Prefetch& pf) {
  if (!pf.on) return;
  const uintptr_t r = reinterpret_cast<uintptr_t>(src.base) + (t + pf.ahead) * src.stride;
  if (pf.whole) {
    for (uint64_t b = 0; b < 8 * src.stride; b += 64) __builtin_prefetch(reinterpret_cast<const void*>(r + b));
    return;
  }
  for (uint64_t i = 0; i < 8; ++i) {
    const uintptr_t a = r + i * src.stride + pf.lo;
    for (uint64_t b = 0; b < pf.len; b += 64) __builtin_prefetch(reinterpret_cast<const void*>(a + b));
    __builtin_prefetch(reinterpret_cast<const void*>(a + pf.len - 1));
  }
}

// Scalar transpose of all rows of `src` for one column: the row tails of the vector kernels.
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

// Scalar transpose and scaling (ScaleOne) of all rows of `src` for one column: the scaled kernels' row tails.
inline void GatherColumnScaled(const RowBlock& src, uint32_t col, Scale s, bool add_offset, float* dst) {
  const uint8_t* p = src.base + 2 * static_cast<uint64_t>(col);
  for (uint64_t t = 0; t < src.rows; ++t, p += src.stride) {
    int16_t v;
    __builtin_memcpy(&v, p, 2);
    dst[t] = ScaleOne(v, s, add_offset);
  }
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
