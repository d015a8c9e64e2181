#include "napi/js_errors.h"

#include <string>

namespace rpl::napi {

Napi::Error ToJsError(Napi::Env env, const FormatError& e) {
  Napi::Error err = Napi::Error::New(env, e.what());
  Napi::Object o = err.Value();
  o.Set("rplCode", e.code());
  o.Set("file", e.file());
  o.Set("offset", static_cast<double>(e.offset()));
  o.Set("expected", e.expected());
  o.Set("found", e.found());
  return err;
}

Napi::Error ToJsError(Napi::Env env, const std::exception& e) {
  Napi::Error err = Napi::Error::New(env, std::string("rplpipe native error: ") + e.what());
  err.Value().Set("rplCode", "ERR_NATIVE");
  return err;
}

namespace {
[[noreturn]] void TypeErr(const Napi::CallbackInfo& info, const char* name, const char* expected) {
  throw Napi::TypeError::New(info.Env(), std::string("Expected ") + expected + " for " + name);
}
}  // namespace

uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) TypeErr(info, name, "a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 4294967295.0) || v != static_cast<double>(static_cast<uint64_t>(v)))
    TypeErr(info, name, "an unsigned 32-bit integer");
  return static_cast<uint32_t>(v);
}

double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) TypeErr(info, name, "a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsString()) TypeErr(info, name, "a string");
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::TypedArray ArgTypedArray(const Napi::CallbackInfo& info, size_t i, const char* name,
                               napi_typedarray_type type) {
  if (info.Length() <= i || !info[i].IsTypedArray()) TypeErr(info, name, "a typed array");
  Napi::TypedArray a = info[i].As<Napi::TypedArray>();
  if (a.TypedArrayType() != type) TypeErr(info, name, "a typed array of the right element type");
  return a;
}

}  // namespace rpl::napi
