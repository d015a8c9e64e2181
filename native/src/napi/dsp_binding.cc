// PLACEHOLDER: replaced by the dsp implementation.
#include "napi/modules.h"
namespace rpl::napi {
void RegisterDsp(Napi::Env, Napi::Object) {}
}  // namespace rpl::napi
