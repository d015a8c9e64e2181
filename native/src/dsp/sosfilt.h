// Forward SOS filtering of many channels (scipy.signal.sosfilt along the time axis), and the plumbing
// filtfilt.cc shares: signals in caller memory, blocks of channels, passes of rows through a kernel.
//
// Channels are filtered in blocks of `lanes` adjacent channels, one channel per SIMD lane (sosfilt_kernel.h).
// When a block's channels are adjacent in memory (interleaved data, x[t*nch + c]) the kernel reads and writes
// the caller's arrays directly; otherwise (channel-major arrays, or the last, partial block) rows are gathered
// into a small double tile and scattered back. Nothing here keeps mutable static state: every call may run
// concurrently on its own arrays in any number of threads.
#ifndef RPLPIPE_DSP_SOSFILT_H_
#define RPLPIPE_DSP_SOSFILT_H_

#include <array>
#include <cstddef>
#include <vector>

#include "dsp/sos.h"
#include "dsp/sosfilt_kernel.h"

namespace rpl::dsp {

// A (samples x channels) signal in caller memory: sample t of channel c is at channels[c] + t*stride elements.
// Interleaved: channels[c] = base + c, stride = n_channels. Channel-major: one array per channel, stride 1.
struct SignalRef {
  SampleType type = SampleType::kFloat64;
  std::vector<void*> channels;
  std::ptrdiff_t stride = 1;
  size_t n_samples = 0;
};

// y = sosfilt(sos, x, zi) per channel (x and y may be the same memory). zi: nullptr (start at rest) or
// [n_sections][2][n_channels] doubles, scipy's zi layout for axis 0, overwritten with the final state zf.
// Throws std::invalid_argument if x and y disagree in shape.
void SosFilt(const Sos& sos, const SignalRef& x, const SignalRef& y, double* zi);

namespace detail {

// Channels [c0, c0 + w) of a signal seen as rows of `lanes` values (lanes >= w; lanes past w are dead).
struct Plane {
  SampleType type = SampleType::kFloat64;
  std::array<char*, kMaxLanes> lane{};
  int w = 0;
  std::ptrdiff_t stride = 0;  // elements between rows
  bool adjacent = false;      // all `lanes` lanes present and next to each other: the kernel can read rows
};

Plane PlaneOf(const SignalRef& s, size_t c0, int w, int lanes);
// A [rows][lanes] double buffer (every lane present).
Plane RowsOf(double* rows, int lanes);
// The same for a buffer of any sample type.
Plane RowsOfTile(char* rows, SampleType type, int lanes);

double ValueAt(const Plane& p, int lane, size_t row);

struct Block {
  size_t c0;
  int w;
  CascadeKernel kernel;
};
// Splits n_channels into blocks for the SIMD level now active (rpl::simd::Active()).
std::vector<Block> PlanBlocks(size_t n_channels);

// Rows per time tile: all blocks of a call walk the signal one tile at a time, so a tile of rows (about
// 16 KiB, L1-sized) is fetched from memory once, in address order, and shared by every block from cache.
// Wide rows (many interleaved channels) get short tiles: a block that walked a long run of 512-byte rows
// alone would touch one cache line per row, a pattern the hardware prefetchers do not follow.
size_t TileRows(size_t n_channels, SampleType type);

std::vector<double> FlatCoefficients(const Sos& sos);  // [nsec][5]: b0 b1 b2 a1 a2

// Runs `count` rows through the cascade: src rows src_begin.. (last row first when `reverse`), each result
// written to dst row dst_begin + (same offset) (dst nullptr: state only). `state` is [nsec][2][kernel.lanes].
void RunRows(const CascadeKernel& k, const std::vector<double>& coef, double* state, const Plane& src,
             size_t src_begin, const Plane* dst, size_t dst_begin, size_t count, bool reverse);

// True when RunRows reads (FusedInput) or writes (FusedOutput) p, not adjacent, without a tile: full blocks of
// float32 channel arrays through the fused AVX-512 kernels (sosfilt_tile.h), for `nsec` sections. The
// output of such a pass may be written straight to the arrays, also backwards (filtfilt.cc).
bool FusedInput(const CascadeKernel& k, const Plane& p, int nsec);
bool FusedOutput(const CascadeKernel& k, const Plane& p, int nsec);

// Copies `count` rows of a [rows][lanes] buffer of dst's sample type (RowsOfTile) to rows dst_begin.. of dst.
// `stream`: dst is large and not read again soon, so long runs may bypass the cache.
void ScatterRows(const char* rows, int lanes, const Plane& dst, size_t dst_begin, size_t count, bool stream);

// Outputs at least this large are written with streaming stores where the layout allows it.
inline constexpr size_t kStreamOutputBytes = size_t{32} << 20;

// Sets flush-to-zero and denormals-are-zero for the current thread while alive, restoring the caller's mode.
// An IIR tail decaying through subnormal numbers (|v| < 2.2e-308, e.g. after a signal goes flat) would
// otherwise run ~20x slower; only those subnormal values change (to 0), far below any meaningful signal.
class FlushDenormals {
 public:
  FlushDenormals();
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_ = 0;
};

void CheckSameShape(const SignalRef& x, const SignalRef& y, const char* what);

// AdviseHugePages (common/memory_hints.h) on every array of an output signal.
void AdviseOutput(const SignalRef& y);

}  // namespace detail
}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_SOSFILT_H_
