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

namespace rpl::dsp::tile {

// channel c's sample i is at ch[c][i] (unit stride), c < lanes; tile[i*lanes + c].
// Only call when rpl::simd::Active() >= kAvx2; lanes must be 4, 8 or 16. Return false when not handled.
// `stream`: the arrays are large and will not be read soon; long runs may bypass the cache (streaming stores).
bool ToChannelsAvx2(const float* tile, int lanes, float* const* ch, size_t m, bool stream = false);
bool ToChannelsAvx2(const double* tile, int lanes, double* const* ch, size_t m);
bool FromChannelsAvx2(const float* const* ch, int lanes, size_t m, float* tile);
bool FromChannelsAvx2(const double* const* ch, int lanes, size_t m, double* tile);

}  // namespace rpl::dsp::tile

#endif  // RPLPIPE_DSP_SOSFILT_TILE_H_
