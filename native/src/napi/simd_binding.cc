// simdInfo() / setSimdLevel(level): which vector width the kernels use, and a way to force a narrower one so
// tests can prove the scalar, AVX2 and AVX-512 paths agree.
#include "napi/js_errors.h"
#include "napi/modules.h"
#include "simd/cpu_features.h"

namespace rpl::napi {

namespace {
Napi::Value SimdInfo(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("detected", simd::Name(simd::Detected()));
  o.Set("active", simd::Name(simd::Active()));
  return o;
}

Napi::Value SetSimdLevel(const Napi::CallbackInfo& info) {
  double v = ArgNumber(info, 0, "level");
  simd::SetForced(v < 0 ? -1 : static_cast<int>(v));
  return Napi::String::New(info.Env(), simd::Name(simd::Active()));
}
}  // namespace

void RegisterSimd(Napi::Env env, Napi::Object exports) {
  exports.Set("simdInfo", Napi::Function::New(env, SimdInfo, "simdInfo"));
  exports.Set("setSimdLevel", Napi::Function::New(env, SetSimdLevel, "setSimdLevel"));
}

}  // namespace rpl::napi
