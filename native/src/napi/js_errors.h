// Conversion of C++ exceptions into JS errors. The only place that knows how a FormatError looks in JS:
// a plain Error whose `rplCode`, `file`, `offset`, `expected` and `found` properties src/native/call.ts turns
// into a RecordingFormatError carrying the caller's stack.
#ifndef RPLPIPE_NAPI_JS_ERRORS_H_
#define RPLPIPE_NAPI_JS_ERRORS_H_

#include <napi.h>

#include <exception>
#include <utility>

#include "common/format_error.h"

namespace rpl::napi {

Napi::Error ToJsError(Napi::Env env, const FormatError& e);
Napi::Error ToJsError(Napi::Env env, const std::exception& e);

// Runs f and rethrows any C++ exception as a JS exception. Every exported function body goes through this
// so no C++ exception ever escapes into the runtime.
template <typename F>
auto Guard(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const FormatError& e) {
    throw ToJsError(env, e);
  } catch (const std::exception& e) {
    throw ToJsError(env, e);
  }
}

// Argument helpers. The TS layer validates everything first; these only stop a misuse of the raw binding
// from crashing the process.
uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* name);
double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name);
Napi::TypedArray ArgTypedArray(const Napi::CallbackInfo& info, size_t i, const char* name, napi_typedarray_type type);

}  // namespace rpl::napi

#endif  // RPLPIPE_NAPI_JS_ERRORS_H_
