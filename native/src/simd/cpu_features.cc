#include "simd/cpu_features.h"

#include <atomic>

namespace rpl::simd {

namespace {
// The only mutable process-wide state in the addon: a forced level for tests, read atomically by workers.
std::atomic<int> g_forced{-1};

Level Probe() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return Level::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Level::kAvx2;
#endif
  return Level::kScalar;
}
}  // namespace

Level Detected() {
  static const Level detected = Probe();  // immutable after first call
  return detected;
}

Level Active() {
  int f = g_forced.load(std::memory_order_relaxed);
  Level d = Detected();
  if (f < 0 || f > static_cast<int>(d)) return d;
  return static_cast<Level>(f);
}

void SetForced(int level) { g_forced.store(level, std::memory_order_relaxed); }

const char* Name(Level level) {
  switch (level) {
    case Level::kAvx512: return "avx512";
    case Level::kAvx2: return "avx2";
    default: return "scalar";
  }
}

}  // namespace rpl::simd
