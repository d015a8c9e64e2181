// One Register function per binding file; addon.cc calls them all. Each adds its exports to `exports`.
#ifndef RPLPIPE_NAPI_MODULES_H_
#define RPLPIPE_NAPI_MODULES_H_

#include <napi.h>

namespace rpl::napi {

void RegisterSimd(Napi::Env env, Napi::Object exports);  // napi/simd_binding.cc
void RegisterNsx(Napi::Env env, Napi::Object exports);   // napi/nsx_binding.cc
void RegisterNev(Napi::Env env, Napi::Object exports);   // napi/nev_binding.cc
void RegisterDsp(Napi::Env env, Napi::Object exports);   // napi/dsp_binding.cc
void RegisterResample(Napi::Env env, Napi::Object exports);  // napi/resample_binding.cc
void RegisterDirectIo(Napi::Env env, Napi::Object exports);  // napi/direct_io_binding.cc

}  // namespace rpl::napi

#endif  // RPLPIPE_NAPI_MODULES_H_
