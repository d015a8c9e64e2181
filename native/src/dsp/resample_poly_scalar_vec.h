// One-lane "vector" for the resampling kernel (resample_poly_kernel_impl.h): plain doubles, with the product
// forced to be rounded before it is added so the compiler cannot fuse it into an FMA (which would change
// results when the addon is built with -march flags that enable FMA).
#ifndef RPLPIPE_DSP_RESAMPLE_POLY_SCALAR_VEC_H_
#define RPLPIPE_DSP_RESAMPLE_POLY_SCALAR_VEC_H_

namespace rpl::dsp::resample_internal {

struct ScalarVec {
  using T = double;
  static constexpr int kLanes = 1;
  static inline T Zero() { return 0.0; }
  static inline T Load(const double* p) { return *p; }
  static inline T Load(const float* p) { return static_cast<double>(*p); }
  static inline T Broadcast(const double* p) { return *p; }
  // acc + x*h with the product rounded first (scipy's sequence).
  static inline T MulAdd(T acc, T x, T h) { return acc + Mul(x, h); }
  static inline T Mul(T a, T b) {
    T p = a * b;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __asm__("" : "+x"(p));
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__("" : "+w"(p));
#endif
    return p;
  }
  static inline void Store(double* p, T v) { *p = v; }
  static inline void Store(float* p, T v) { *p = static_cast<float>(v); }
};

}  // namespace rpl::dsp::resample_internal

#endif  // RPLPIPE_DSP_RESAMPLE_POLY_SCALAR_VEC_H_
