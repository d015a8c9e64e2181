// Run-time choice of SIMD width.
//
// The addon is compiled for the portable x86-64 baseline; kernels that profit from AVX2 or AVX-512 are built
// per function with __attribute__((target(...))) and selected here from CPUID, so the same .node runs on any
// node of a heterogeneous cluster. Tests force each level to prove all paths give the same numbers.
#ifndef RPLPIPE_SIMD_CPU_FEATURES_H_
#define RPLPIPE_SIMD_CPU_FEATURES_H_

namespace rpl::simd {

enum class Level { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// Best level this CPU supports (AVX2 requires FMA too; AVX-512 means F+BW+DQ+VL).
Level Detected();
// Level kernels should use now: Detected(), or lower when forced with SetForced (tests, benchmarks).
Level Active();
// Force a level (clamped to Detected()); kScalar..kAvx512, or -1 to clear. Process-wide, thread-safe.
void SetForced(int level);
const char* Name(Level level);

}  // namespace rpl::simd

#endif  // RPLPIPE_SIMD_CPU_FEATURES_H_
