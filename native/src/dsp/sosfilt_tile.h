// Transposes between a tile of rows ([m][lanes], one sample of `lanes` channels per row, in time order) and
// channels that are not adjacent in memory (one array per channel, or a partial block of interleaved data).
//
// The tiled path of detail::RunRows uses these around the cascade kernel: gather the input rows of a block
// of channel arrays, filter the tile, scatter the output rows to the arrays. Pure copies (same element type
// on both sides), so the results do not depend on which transpose ran. The AVX2 ones handle the common full
// blocks (16, 8 or 4 channel arrays with unit stride) 8x8 / 4x4 elements at a time; everything else is scalar.
#ifndef RPLPIPE_DSP_SOSFILT_TILE_H_
#define RPLPIPE_DSP_SOSFILT_TILE_H_

#include <cstddef>

#include "dsp/sosfilt_kernel.h"

namespace rpl::dsp::tile {

// channel c's sample i is at ch[c][i] (unit stride), c < lanes; tile[i*lanes + c].
// Only call when rpl::simd::Active() >= kAvx2; lanes must be 4, 8 or 16. Return false when not handled.
// `stream`: the arrays are large and will not be read soon; long runs may bypass the cache (streaming stores).
bool ToChannelsAvx2(const float* tile, int lanes, float* const* ch, size_t m, bool stream = false);
bool ToChannelsAvx2(const double* tile, int lanes, double* const* ch, size_t m);
bool FromChannelsAvx2(const float* const* ch, int lanes, size_t m, float* tile);
bool FromChannelsAvx2(const double* const* ch, int lanes, size_t m, double* tile);

// The cascade kernel fused with the transposes (sosfilt_tile_avx512.cc): float32 channel arrays (unit stride,
// `lanes` of them) are read and/or written 8 samples x 8 channels at a time through in-register transposes,
// with no tile in between. Row t (0 <= t < n, time order) of a side is in_ch[l][t] / out_ch[l][t] when that
// side is channels, else at in/out + t*stride elements (rows of `lanes` adjacent values, as CascadeCall); out
// and out_ch both null: state only. Rows run from t = n-1 down to 0 when `reverse`. Same operations per lane
// and the same conversions as the AVX-512 kernels (Avx512Kernel, Avx512PairKernel), hence the same bits.
struct FusedCall {
  const double* coef;  // [nsec][5]
  int nsec;
  int lanes;      // 8 or 16
  double* state;  // [nsec][2][lanes], in and out
  const float* const* in_ch;
  const void* in;
  SampleType in_type;
  std::ptrdiff_t in_stride;
  float* const* out_ch;
  void* out;
  SampleType out_type;
  std::ptrdiff_t out_stride;
  size_t n;
  bool reverse;
};
// Only call when rpl::simd::Active() == kAvx512, with at least one side channels. False (nothing done) for
// section counts without a fixed-count kernel (7, > 8) and other lane counts. 16 lanes from rows to channels
// run as the pair kernel with 4-row stores; everything else as 8-lane halves with 8x8 transposes. A caller
// writing 16 channel arrays checks first that they do not share L1 sets (sosfilt.cc, FusedOutput).
bool RunChannelsAvx512(const FusedCall& c);
// The section counts RunChannelsAvx512 handles.
inline bool FusedSections(int nsec) { return (nsec >= 1 && nsec <= 6) || nsec == 8; }

}  // namespace rpl::dsp::tile

#endif  // RPLPIPE_DSP_SOSFILT_TILE_H_
