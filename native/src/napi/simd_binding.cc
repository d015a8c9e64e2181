// simdInfo() / setSimdLevel(level): which vector width the kernels use, and a way to force a narrower one so
// tests can prove the scalar, AVX2 and AVX-512 paths agree. minMaxF32, and releasePages (common/memory_hints.h).
#include "common/memory_hints.h"
#include "napi/js_errors.h"
#include "napi/modules.h"
#include "simd/cpu_features.h"
#include "simd/minmax.h"

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
// minMaxF32(x: Float32Array) -> [min, max] (NaN skipped; [+inf, -inf] when nothing is left).
Napi::Value MinMaxF32(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::TypedArray t = ArgTypedArray(info, 0, "x", napi_float32_array);
    const auto a = t.As<Napi::Float32Array>();
    const simd::MinMax m = simd::MinMaxF32(a.Data(), a.ElementLength());
    Napi::Array r = Napi::Array::New(info.Env(), 2);
    r.Set(uint32_t{0}, Napi::Number::New(info.Env(), m.min));
    r.Set(uint32_t{1}, Napi::Number::New(info.Env(), m.max));
    return r;
  });
}
// releasePages(view) -> bytes: drops the physical pages wholly inside the view's bytes; they read as zeros after.
Napi::Value ReleasePages(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "view: expected a typed array");
    const Napi::TypedArray t = info[0].As<Napi::TypedArray>();
    char* data = static_cast<char*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    return Napi::Number::New(info.Env(), static_cast<double>(common::ReleasePages(data, t.ByteLength())));
  });
}
}  // namespace

void RegisterSimd(Napi::Env env, Napi::Object exports) {
  exports.Set("simdInfo", Napi::Function::New(env, SimdInfo, "simdInfo"));
  exports.Set("setSimdLevel", Napi::Function::New(env, SetSimdLevel, "setSimdLevel"));
  exports.Set("minMaxF32", Napi::Function::New(env, MinMaxF32, "minMaxF32"));
  exports.Set("releasePages", Napi::Function::New(env, ReleasePages, "releasePages"));
}

}  // namespace rpl::napi
