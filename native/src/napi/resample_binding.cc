// Raw resampling functions (src/native/resample-binding.ts describes them; src/dsp/resample.ts validates every
// argument before calling). Arrays are used in place: no input or output copy crosses the boundary.
//
//   resamplePolyTaps(up, down, beta) -> Float64Array        scipy's resample_poly filter (times up)
//   firwinKaiser(numtaps, cutoff, beta) -> Float64Array
//   kaiserWindow(m, beta) -> Float64Array
//   resamplePolyRun(x, nch, row0, nTotal, mBegin, mEnd, up, down, taps, out) -> undefined
//   resamplePolyRunAsync(...same...) -> Promise<undefined>   (runs on the libuv pool)
//   resamplePolyRunChannels(channels, nTotal, mBegin, mEnd, up, down, taps, out) -> undefined
//     channels: an Array of Float32Arrays or of Float64Arrays (one type), each nTotal long; out interleaved.
//
// x holds rows [row0, row0 + x.length/nch) of an interleaved signal of nTotal rows (-1: unknown, streaming);
// out receives outputs [mBegin, mEnd) of every channel, interleaved. x and out: Float32Array or Float64Array.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dsp/firwin.h"
#include "dsp/kaiser.h"
#include "dsp/resample_poly.h"
#include "napi/js_errors.h"
#include "napi/modules.h"

namespace rpl::napi {

namespace {

// A JS number that must be an integer in [lo, 2^53].
int64_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo) {
  const double v = ArgNumber(info, i, name);
  if (!(v >= static_cast<double>(lo) && v <= 9007199254740992.0) || v != std::floor(v))
    throw Napi::RangeError::New(info.Env(), std::string("Expected an integer >= ") + std::to_string(lo) + " for " + name);
  return static_cast<int64_t>(v);
}

Napi::Float64Array ToFloat64Array(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

// A Float32Array or Float64Array argument, seen as raw elements.
struct FloatArray {
  void* data = nullptr;
  size_t length = 0;
  bool is_f64 = false;
};

FloatArray ArgFloatArray(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray())
    throw Napi::TypeError::New(info.Env(), std::string("Expected a Float32Array or Float64Array for ") + name);
  Napi::TypedArray t = info[i].As<Napi::TypedArray>();
  FloatArray a;
  if (t.TypedArrayType() == napi_float64_array) {
    a.is_f64 = true;
    a.data = t.As<Napi::Float64Array>().Data();
  } else if (t.TypedArrayType() == napi_float32_array) {
    a.data = t.As<Napi::Float32Array>().Data();
  } else {
    throw Napi::TypeError::New(info.Env(), std::string("Expected a Float32Array or Float64Array for ") + name);
  }
  a.length = t.ElementLength();
  return a;
}

// Everything a run needs, detached from JS values so it can execute on a worker thread.
struct RunArgs {
  FloatArray x;
  FloatArray out;
  int nch = 1;
  int64_t row0 = 0;
  int64_t n_total = dsp::kUnknownLength;
  int64_t m_begin = 0;
  int64_t m_end = 0;
  int64_t up = 1;
  int64_t down = 1;
  std::vector<double> taps;
};

RunArgs ParseRun(const Napi::CallbackInfo& info) {
  RunArgs a;
  a.x = ArgFloatArray(info, 0, "x");
  const int64_t nch = ArgInt(info, 1, "nChannels", 1);
  if (nch > (1 << 20)) throw Napi::RangeError::New(info.Env(), "nChannels is too large");
  a.nch = static_cast<int>(nch);
  a.row0 = ArgInt(info, 2, "row0", 0);
  const double total = ArgNumber(info, 3, "nTotal");
  a.n_total = total < 0 ? dsp::kUnknownLength : ArgInt(info, 3, "nTotal", 0);
  a.m_begin = ArgInt(info, 4, "mBegin", 0);
  a.m_end = ArgInt(info, 5, "mEnd", 0);
  a.up = ArgInt(info, 6, "up", 1);
  a.down = ArgInt(info, 7, "down", 1);
  Napi::TypedArray taps = ArgTypedArray(info, 8, "taps", napi_float64_array);
  const double* tp = taps.As<Napi::Float64Array>().Data();
  a.taps.assign(tp, tp + taps.ElementLength());
  a.out = ArgFloatArray(info, 9, "out");
  if (a.x.length % static_cast<size_t>(a.nch) != 0)
    throw Napi::RangeError::New(info.Env(), "x.length is not a multiple of nChannels");
  if (a.m_end < a.m_begin || a.out.length != static_cast<size_t>(a.m_end - a.m_begin) * static_cast<size_t>(a.nch))
    throw Napi::RangeError::New(info.Env(), "out.length must be (mEnd - mBegin) * nChannels");
  return a;
}

void RunResample(const RunArgs& a) {
  const dsp::PolyphaseResampler r(a.up, a.down, a.taps);
  const int64_t nrows = static_cast<int64_t>(a.x.length / static_cast<size_t>(a.nch));
  auto run = [&](const auto* x) {
    if (a.out.is_f64)
      r.Run(x, a.nch, a.row0, nrows, a.n_total, a.m_begin, a.m_end, static_cast<double*>(a.out.data));
    else
      r.Run(x, a.nch, a.row0, nrows, a.n_total, a.m_begin, a.m_end, static_cast<float*>(a.out.data));
  };
  if (a.x.is_f64)
    run(static_cast<const double*>(a.x.data));
  else
    run(static_cast<const float*>(a.x.data));
}

Napi::Value ResamplePolyTaps(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    const int64_t up = ArgInt(info, 0, "up", 1);
    const int64_t down = ArgInt(info, 1, "down", 1);
    const double beta = ArgNumber(info, 2, "beta");
    return ToFloat64Array(info.Env(), dsp::ResamplePolyTaps(up, down, beta));
  });
}

Napi::Value FirwinKaiser(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    const int64_t n = ArgInt(info, 0, "numtaps", 1);
    const double cutoff = ArgNumber(info, 1, "cutoff");
    const double beta = ArgNumber(info, 2, "beta");
    return ToFloat64Array(info.Env(), dsp::FirwinKaiser(static_cast<size_t>(n), cutoff, beta));
  });
}

Napi::Value KaiserWindow(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    const int64_t m = ArgInt(info, 0, "m", 0);
    const double beta = ArgNumber(info, 1, "beta");
    return ToFloat64Array(info.Env(), dsp::KaiserWindow(static_cast<size_t>(m), beta));
  });
}

Napi::Value ResamplePolyRunChannels(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "Expected an array of channel arrays");
    Napi::Array list = info[0].As<Napi::Array>();
    const uint32_t nch = list.Length();
    if (nch < 1 || nch > (1u << 16)) throw Napi::RangeError::New(env, "Expected 1 to 65536 channel arrays");
    const int64_t n_total = ArgInt(info, 1, "nTotal", 0);
    const int64_t m_begin = ArgInt(info, 2, "mBegin", 0);
    const int64_t m_end = ArgInt(info, 3, "mEnd", 0);
    const int64_t up = ArgInt(info, 4, "up", 1);
    const int64_t down = ArgInt(info, 5, "down", 1);
    Napi::TypedArray taps = ArgTypedArray(info, 6, "taps", napi_float64_array);
    const double* tp = taps.As<Napi::Float64Array>().Data();
    const FloatArray out = ArgFloatArray(info, 7, "out");
    if (m_end < m_begin || out.length != static_cast<size_t>(m_end - m_begin) * nch)
      throw Napi::RangeError::New(env, "out.length must be (mEnd - mBegin) * channels");
    std::vector<const void*> ptrs(nch);
    bool f64 = false;
    for (uint32_t c = 0; c < nch; ++c) {
      Napi::Value v = list.Get(c);
      if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "Channel " + std::to_string(c) + " is not a typed array");
      const Napi::TypedArray t = v.As<Napi::TypedArray>();
      const bool is64 = t.TypedArrayType() == napi_float64_array;
      if (!is64 && t.TypedArrayType() != napi_float32_array)
        throw Napi::TypeError::New(env, "Channel " + std::to_string(c) + " is not a Float32Array or Float64Array");
      if (c == 0) f64 = is64;
      if (is64 != f64) throw Napi::TypeError::New(env, "Channel arrays must all be of one type");
      if (t.ElementLength() != static_cast<size_t>(n_total))
        throw Napi::RangeError::New(env, "Channel " + std::to_string(c) + " is not nTotal long");
      ptrs[c] = static_cast<const char*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    }
    const dsp::PolyphaseResampler r(up, down, std::vector<double>(tp, tp + taps.ElementLength()));
    auto run = [&](auto tag) {
      using TIn = decltype(tag);
      std::vector<const TIn*> xs(nch);
      for (uint32_t c = 0; c < nch; ++c) xs[c] = static_cast<const TIn*>(ptrs[c]);
      if (out.is_f64)
        r.RunChannels(xs.data(), static_cast<int>(nch), n_total, m_begin, m_end, static_cast<double*>(out.data));
      else
        r.RunChannels(xs.data(), static_cast<int>(nch), n_total, m_begin, m_end, static_cast<float*>(out.data));
    };
    if (f64)
      run(double{});
    else
      run(float{});
    return env.Undefined();
  });
}

Napi::Value ResamplePolyRun(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    RunResample(ParseRun(info));
    return info.Env().Undefined();
  });
}

// Keeps x, taps and out alive (referenced) until the worker has finished with their memory.
class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, RunArgs args, const Napi::CallbackInfo& info)
      : Napi::AsyncWorker(env, "rplpipe:resamplePoly"), args_(std::move(args)), deferred_(Napi::Promise::Deferred::New(env)) {
    x_ = Napi::Persistent(info[0].As<Napi::Object>());
    out_ = Napi::Persistent(info[9].As<Napi::Object>());
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      RunResample(args_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override {
    Napi::Error err = Napi::Error::New(Env(), std::string("rplpipe native error: ") + e.Message());
    err.Value().Set("rplCode", "ERR_NATIVE");
    deferred_.Reject(err.Value());
  }

 private:
  RunArgs args_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference x_;
  Napi::ObjectReference out_;
};

Napi::Value ResamplePolyRunAsync(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    RunArgs args = ParseRun(info);
    auto* worker = new RunWorker(info.Env(), std::move(args), info);  // deletes itself when done
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
  });
}

}  // namespace

void RegisterResample(Napi::Env env, Napi::Object exports) {
  exports.Set("resamplePolyTaps", Napi::Function::New(env, ResamplePolyTaps, "resamplePolyTaps"));
  exports.Set("firwinKaiser", Napi::Function::New(env, FirwinKaiser, "firwinKaiser"));
  exports.Set("kaiserWindow", Napi::Function::New(env, KaiserWindow, "kaiserWindow"));
  exports.Set("resamplePolyRun", Napi::Function::New(env, ResamplePolyRun, "resamplePolyRun"));
  exports.Set("resamplePolyRunChannels", Napi::Function::New(env, ResamplePolyRunChannels, "resamplePolyRunChannels"));
  exports.Set("resamplePolyRunAsync", Napi::Function::New(env, ResamplePolyRunAsync, "resamplePolyRunAsync"));
}

}  // namespace rpl::napi
