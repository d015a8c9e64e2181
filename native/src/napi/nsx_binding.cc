// PLACEHOLDER: replaced by the nsx implementation.
#include "napi/modules.h"
namespace rpl::napi {
void RegisterNsx(Napi::Env, Napi::Object) {}
}  // namespace rpl::napi
