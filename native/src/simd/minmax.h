// Smallest and largest value of a float32 array, as the PyHipp objects' MinVal / MaxVal need them for every
// channel (2 x 18 M samples per channel-10-minutes): a JS loop took ~2.3 ns a sample, this ~0.1 ns.
#ifndef RPLPIPE_SIMD_MINMAX_H_
#define RPLPIPE_SIMD_MINMAX_H_

#include <cstddef>

namespace rpl::simd {

struct MinMax {
  float min;  // +inf when the array is empty or holds only NaN
  float max;  // -inf likewise
};

// NaN samples are skipped (the same answer as `if (v < lo) lo = v; if (v > hi) hi = v;` in order): a NaN in
// a recording is a defect reported elsewhere, not a minimum. Every SIMD level gives the same result (min and
// max are exact operations).
MinMax MinMaxF32(const float* x, size_t n);

}  // namespace rpl::simd

#endif  // RPLPIPE_SIMD_MINMAX_H_
