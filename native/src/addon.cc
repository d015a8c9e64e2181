// Addon entry point: registration only (each area lives in its own napi/*_binding.cc).
#include <napi.h>

#include "napi/modules.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  rpl::napi::RegisterSimd(env, exports);
  rpl::napi::RegisterNsx(env, exports);
  rpl::napi::RegisterNev(env, exports);
  rpl::napi::RegisterDsp(env, exports);
  rpl::napi::RegisterResample(env, exports);
  rpl::napi::RegisterDirectIo(env, exports);
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(rplpipe, Init)
