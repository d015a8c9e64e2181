// DSP exports: Butterworth design and SOS filtering of caller-owned typed arrays (zero-copy).
//
//   dspButter(order, btype, fLow, fHigh, fs) -> Float64Array rows [b0 b1 b2 1 a1 a2]
//   dspSosfiltZi(sos) -> Float64Array [nsec][2]
//   dspSosfilt(sos, xs, outs, nChannels, zi|null)            dspSosfiltAsync(...) -> Promise<void>
//   dspSosfiltfilt(sos, xs, outs, nChannels, padType, padlen) dspSosfiltfiltAsync(...) -> Promise<void>
//
// xs / outs are arrays of Float32Array|Float64Array: one array = interleaved (x[t*nChannels + c]), or one
// array per channel (channel-major). Input and output layouts are independent (interleaved in, one array per
// channel out de-interleaves for free). The TS layer (src/dsp/filter.ts) validates everything first; the
// checks here only keep a misuse of the raw binding from crashing. The async variants keep references to
// every array until the work is done; callers must not transfer or detach them meanwhile.
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dsp/butter.h"
#include "dsp/filtfilt.h"
#include "dsp/sos.h"
#include "dsp/sosfilt.h"
#include "napi/js_errors.h"
#include "napi/modules.h"

namespace rpl::napi {

namespace {

using dsp::SampleType;
using dsp::SignalRef;

// The element pointer straight from napi_get_typedarray_info: a.ArrayBuffer() would fail for views over a
// SharedArrayBuffer (napi_get_arraybuffer_info rejects those on Node 20), which worker pools pass around.
char* DataOf(const Napi::TypedArray& a) {
  void* data = nullptr;
  napi_status st = napi_get_typedarray_info(a.Env(), a, nullptr, nullptr, &data, nullptr, nullptr);
  if (st != napi_ok) throw Napi::TypeError::New(a.Env(), "Expected a typed array");
  return static_cast<char*>(data);
}

Napi::Float64Array Rows(Napi::Env env, const dsp::Sos& sos) {
  Napi::Float64Array out = Napi::Float64Array::New(env, 6 * sos.size());
  dsp::SosToRows(sos, out.Data());
  return out;
}

dsp::Sos SosArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::TypedArray a = ArgTypedArray(info, i, "sos", napi_float64_array);
  if (a.ElementLength() == 0 || a.ElementLength() % 6 != 0)
    throw std::invalid_argument("sos must hold n_sections x 6 coefficients, got " +
                                std::to_string(a.ElementLength()));
  return dsp::SosFromRows(reinterpret_cast<const double*>(DataOf(a)), a.ElementLength() / 6);
}

// A signal from a JS array of typed arrays; `keep` collects the arrays for async work.
SignalRef SignalArg(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t n_channels,
                    std::vector<Napi::Reference<Napi::Value>>* keep) {
  if (info.Length() <= i || !info[i].IsArray())
    throw Napi::TypeError::New(info.Env(), std::string("Expected an array of typed arrays for ") + name);
  Napi::Array list = info[i].As<Napi::Array>();
  const uint32_t count = list.Length();
  if (n_channels == 0 || (count != 1 && count != n_channels))
    throw std::invalid_argument(std::string(name) + ": expected 1 interleaved array or " +
                                std::to_string(n_channels) + " channel arrays, got " + std::to_string(count));
  SignalRef s;
  for (uint32_t k = 0; k < count; ++k) {
    Napi::Value v = list.Get(k);
    if (!v.IsTypedArray()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must hold typed arrays");
    Napi::TypedArray a = v.As<Napi::TypedArray>();
    SampleType t;
    if (a.TypedArrayType() == napi_float32_array) t = SampleType::kFloat32;
    else if (a.TypedArrayType() == napi_float64_array) t = SampleType::kFloat64;
    else throw Napi::TypeError::New(info.Env(), std::string(name) + " must hold Float32Array or Float64Array");
    if (k > 0 && t != s.type) throw std::invalid_argument(std::string(name) + ": mixed sample types");
    s.type = t;
    if (keep != nullptr) keep->push_back(Napi::Persistent(v));
    char* base = DataOf(a);
    const size_t len = a.ElementLength();
    if (count == 1) {
      if (len % n_channels != 0)
        throw std::invalid_argument(std::string(name) + ": length " + std::to_string(len) +
                                    " is not a multiple of " + std::to_string(n_channels) + " channels");
      s.n_samples = len / n_channels;
      s.stride = n_channels;
      for (uint32_t c = 0; c < n_channels; ++c) s.channels.push_back(base + c * dsp::SampleBytes(t));
    } else {
      if (k > 0 && len != s.n_samples) throw std::invalid_argument(std::string(name) + ": channel lengths differ");
      s.n_samples = len;
      s.stride = 1;
      s.channels.push_back(base);
    }
  }
  return s;
}

// One filtering job, parsed on the main thread and runnable on any thread.
struct Job {
  dsp::Sos sos;
  SignalRef x, y;
  bool zero_phase = false;
  dsp::PadType pad = dsp::PadType::kOdd;
  size_t padlen = 0;
  double* zi = nullptr;
  std::vector<Napi::Reference<Napi::Value>> keep;  // async only: keeps the arrays alive

  void Run() const {
    if (zero_phase) dsp::SosFiltFilt(sos, x, y, pad, padlen);
    else dsp::SosFilt(sos, x, y, zi);
  }
};

std::unique_ptr<Job> ParseJob(const Napi::CallbackInfo& info, bool zero_phase, bool async) {
  auto job = std::make_unique<Job>();
  job->zero_phase = zero_phase;
  job->sos = SosArg(info, 0);
  const uint32_t nch = ArgU32(info, 3, "nChannels");
  auto* keep = async ? &job->keep : nullptr;
  job->x = SignalArg(info, 1, "xs", nch, keep);
  job->y = SignalArg(info, 2, "outs", nch, keep);
  if (zero_phase) {
    const uint32_t pad = ArgU32(info, 4, "padType");
    if (pad > 3) throw std::invalid_argument("padType must be 0..3");
    job->pad = static_cast<dsp::PadType>(pad);
    job->padlen = ArgU32(info, 5, "padlen");
  } else if (info.Length() > 4 && !info[4].IsNull() && !info[4].IsUndefined()) {
    Napi::TypedArray zi = ArgTypedArray(info, 4, "zi", napi_float64_array);
    if (zi.ElementLength() != job->sos.size() * 2 * nch)
      throw std::invalid_argument("zi must hold n_sections x 2 x nChannels values");
    job->zi = reinterpret_cast<double*>(DataOf(zi));
    if (keep != nullptr) keep->push_back(Napi::Persistent(info[4]));
  }
  return job;
}

class FilterWorker : public Napi::AsyncWorker {
 public:
  FilterWorker(Napi::Env env, std::unique_ptr<Job> job)
      : Napi::AsyncWorker(env, "rplpipe:dsp"), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      job_->Run();
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override {
    deferred_.Reject(ToJsError(Env(), std::runtime_error(e.Message())).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<Job> job_;
};

Napi::Value Butter(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    const uint32_t order = ArgU32(info, 0, "order");
    const uint32_t btype = ArgU32(info, 1, "btype");
    if (btype > 3) throw std::invalid_argument("btype must be 0..3");
    dsp::Sos sos = dsp::Butter(static_cast<int>(order), static_cast<dsp::BandType>(btype), ArgNumber(info, 2, "fLow"),
                               ArgNumber(info, 3, "fHigh"), ArgNumber(info, 4, "fs"));
    return Rows(info.Env(), sos);
  });
}

Napi::Value SosfiltZi(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    std::vector<double> zi = dsp::SosSteadyStateZi(SosArg(info, 0));
    Napi::Float64Array out = Napi::Float64Array::New(info.Env(), zi.size());
    std::copy(zi.begin(), zi.end(), out.Data());
    return out;
  });
}

template <bool kZeroPhase>
Napi::Value FilterSync(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    ParseJob(info, kZeroPhase, false)->Run();
    return info.Env().Undefined();
  });
}

template <bool kZeroPhase>
Napi::Value FilterAsync(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto* worker = new FilterWorker(info.Env(), ParseJob(info, kZeroPhase, true));
    Napi::Promise p = worker->Promise();
    worker->Queue();  // the worker deletes itself after OnOK/OnError
    return p;
  });
}

}  // namespace

void RegisterDsp(Napi::Env env, Napi::Object exports) {
  exports.Set("dspButter", Napi::Function::New(env, Butter, "dspButter"));
  exports.Set("dspSosfiltZi", Napi::Function::New(env, SosfiltZi, "dspSosfiltZi"));
  exports.Set("dspSosfilt", Napi::Function::New(env, FilterSync<false>, "dspSosfilt"));
  exports.Set("dspSosfiltAsync", Napi::Function::New(env, FilterAsync<false>, "dspSosfiltAsync"));
  exports.Set("dspSosfiltfilt", Napi::Function::New(env, FilterSync<true>, "dspSosfiltfilt"));
  exports.Set("dspSosfiltfiltAsync", Napi::Function::New(env, FilterAsync<true>, "dspSosfiltfiltAsync"));
}

}  // namespace rpl::napi
