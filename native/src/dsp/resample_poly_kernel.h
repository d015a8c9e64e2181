// The inner loop of polyphase resampling, one build per SIMD level (resample_poly_{scalar,avx2,avx512}.cc).
//
// A tile is up to kTileOutputs consecutive outputs of every channel. Output r reads `window` consecutive input
// rows starting at row offset[r] of the tile (offsets grow with r), weighting window row k by taps[r][k]. The
// outputs share most of their rows, so the kernel loads each row once per tile and updates all outputs that
// use it: that divides the reads of each input row by kTileOutputs and gives independent accumulator chains
// that hide the add latency. Each output still adds its rows in ascending order, exactly as scipy does.
#ifndef RPLPIPE_DSP_RESAMPLE_POLY_KERNEL_H_
#define RPLPIPE_DSP_RESAMPLE_POLY_KERNEL_H_

#include <cstddef>
#include <cstdint>

namespace rpl::dsp::resample_internal {

inline constexpr int kTileOutputs = 8;

template <typename TIn, typename TOut>
struct TileJob {
  const TIn* x = nullptr;       // first row of output 0's window, channel 0
  std::ptrdiff_t x_stride = 0;  // elements from one row to the next (the channel count of the block)
  int64_t window = 0;           // rows per output (D)
  int channels = 0;
  int outputs = 0;                        // 1..kTileOutputs
  int64_t offset[kTileOutputs] = {};      // offset[0] == 0, non-decreasing, offset[outputs-1] < window
  const double* taps[kTileOutputs] = {};  // taps[r][k]: weight of row offset[r] + k for output r
  TOut* y = nullptr;                      // output r of channel c goes to y[r*y_stride + c]
  std::ptrdiff_t y_stride = 0;
};

// Decimation (up == 1) with scipy's filter length D = 20*down + 1, every output's window inside the rows: a
// new output starts every `down` rows and each lasts 20 blocks of `down` rows plus one row, so 21 outputs are
// in flight at any row. The sliding kernel keeps all 21 accumulators of 8 channels in registers and streams the
// rows once: 20 or 21 multiply-adds per widened row, where a tile widens each float32 row ~3.4 times (its
// head and tail phases, with fewer outputs per row, hold a third of its multiply-adds). Every output still adds
// its rows in ascending order from +0 with one fused multiply-add each: the tiles' bits exactly. 16 float32
// channels, 30k -> 1k on Zen 5: 2866-2962 against 2523-2593 M samples/s (docs/resampling.md).
inline constexpr int kSlideSlots = 21;

template <typename TIn, typename TOut>
struct SlideJob {
  const TIn* x = nullptr;       // output 0's first window row, channel 0
  std::ptrdiff_t x_stride = 0;  // elements from one row to the next
  int64_t down = 0;             // rows between outputs (>= 2)
  int groups = 0;               // channel groups of 8 (channels [0, 8*groups))
  int64_t outputs = 0;          // >= 1
  const double* taps = nullptr;  // window row k's weight, k = 0..20*down (the phase-0 table)
  TOut* y = nullptr;            // output m of channel c goes to y[m*y_stride + c]
  std::ptrdiff_t y_stride = 0;
};

// AVX-512 only: call when simd::Active() is AVX-512.
template <typename TIn, typename TOut>
void RunSlideAvx512(const SlideJob<TIn, TOut>& job);

// Defined (and explicitly instantiated for float/double in and out) in the per-level files. The AVX2 and
// AVX-512 ones may only be called when simd::Active() reports that level.
template <typename TIn, typename TOut>
void RunTileScalar(const TileJob<TIn, TOut>& job);
template <typename TIn, typename TOut>
void RunTileAvx2(const TileJob<TIn, TOut>& job);
template <typename TIn, typename TOut>
void RunTileAvx512(const TileJob<TIn, TOut>& job);

// Copies rows [t0, t1) of `lanes` float sources into an interleaved window: win[t*lanes + k] = src[k][t].
// AVX2 (8x8 in-register transposes); only when simd::Active() is AVX2 or wider, with lanes and t1 - t0
// multiples of 8. A row-by-row gather of 16 lanes ran at ~3 cycles per sample, as much as the FIR itself.
void GatherRowsAvx2(const float* const* src, int lanes, int64_t t0, int64_t t1, float* win);

}  // namespace rpl::dsp::resample_internal

#endif  // RPLPIPE_DSP_RESAMPLE_POLY_KERNEL_H_
