// PLACEHOLDER: replaced by the nev implementation.
#include "napi/modules.h"
namespace rpl::napi {
void RegisterNev(Napi::Env, Napi::Object) {}
}  // namespace rpl::napi
