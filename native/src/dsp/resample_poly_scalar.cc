// Portable resampling tile kernel (any CPU); also handles the channels left over by the wider kernels.
#include <cstddef>
#include <cstdint>

#include "dsp/resample_poly_kernel.h"
#include "dsp/resample_poly_scalar_vec.h"

namespace rpl::dsp::resample_internal {

namespace {
#define RPL_RESAMPLE_TARGET
#include "dsp/resample_poly_kernel_impl.h"
#undef RPL_RESAMPLE_TARGET
}  // namespace

template <typename TIn, typename TOut>
void RunTileScalar(const TileJob<TIn, TOut>& job) {
  // One channel per pass: 8 outputs = 8 accumulators, within the 16 SSE registers of the baseline ABI.
  for (int c = 0; c < job.channels; ++c) TileChannels<ScalarVec, 1>(job, c);
}

template void RunTileScalar(const TileJob<float, float>&);
template void RunTileScalar(const TileJob<float, double>&);
template void RunTileScalar(const TileJob<double, float>&);
template void RunTileScalar(const TileJob<double, double>&);

}  // namespace rpl::dsp::resample_internal
