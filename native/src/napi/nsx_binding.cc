// JS glue of the NSx reader and writer: class NsxReader (header, readRaw/readScaled into caller-owned typed
// arrays, ptpTimestamps, close) and writeNsx(path, spec). Synchronous by design (they run inside piscina
// workers). The TS layer (src/io/nsx.ts, src/io/nsx-writer.ts) validates every option; the checks here only
// keep a misuse of the raw binding from touching memory it does not own.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "io/nsx_reader.h"
#include "io/nsx_writer.h"
#include "napi/js_errors.h"
#include "napi/modules.h"

namespace rpl::napi {

namespace {

[[noreturn]] void TypeError(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }

Napi::Value Prop(Napi::Object o, const char* key) { return o.Get(key); }

double NumberProp(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = Prop(o, key);
  if (!v.IsNumber()) TypeError(env, std::string("Expected a number for ") + key);
  return v.As<Napi::Number>().DoubleValue();
}

// Non-negative integer that fits `max` (exact in a double).
uint64_t UintProp(Napi::Env env, Napi::Object o, const char* key, double max) {
  double d = NumberProp(env, o, key);
  if (!(d >= 0 && d <= max) || d != std::floor(d))
    TypeError(env, std::string("Expected an integer between 0 and ") + std::to_string(max) + " for " + key);
  return static_cast<uint64_t>(d);
}

std::string StringProp(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = Prop(o, key);
  if (!v.IsString()) TypeError(env, std::string("Expected a string for ") + key);
  return v.As<Napi::String>().Utf8Value();
}

// A u64 given as BigInt or as a safe-integer Number.
uint64_t U64Prop(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = Prop(o, key);
  if (v.IsBigInt()) {
    bool lossless = false;
    uint64_t r = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) TypeError(env, std::string("Expected a BigInt in the u64 range for ") + key);
    return r;
  }
  return UintProp(env, o, key, 9007199254740991.0);
}

uint64_t IntegerArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = ArgNumber(info, i, name);
  if (!(d >= 0 && d <= 9007199254740991.0) || d != std::floor(d))
    TypeError(info.Env(), std::string("Expected a non-negative safe integer for ") + name);
  return static_cast<uint64_t>(d);
}

Napi::Object ChannelObject(Napi::Env env, const nsx::Channel& c, size_t index) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", static_cast<double>(index));
  o.Set("type", c.type);
  o.Set("electrodeId", static_cast<double>(c.electrode_id));
  o.Set("label", c.label);
  o.Set("physicalConnector", static_cast<double>(c.physical_connector));
  o.Set("connectorPin", static_cast<double>(c.connector_pin));
  o.Set("minDigital", c.min_digital);
  o.Set("maxDigital", c.max_digital);
  o.Set("minAnalog", c.min_analog);
  o.Set("maxAnalog", c.max_analog);
  o.Set("units", c.units);
  o.Set("highFreqCorner", static_cast<double>(c.hi_freq_corner));
  o.Set("highFreqOrder", static_cast<double>(c.hi_freq_order));
  o.Set("highFreqType", static_cast<double>(c.hi_freq_type));
  o.Set("lowFreqCorner", static_cast<double>(c.lo_freq_corner));
  o.Set("lowFreqOrder", static_cast<double>(c.lo_freq_order));
  o.Set("lowFreqType", static_cast<double>(c.lo_freq_type));
  o.Set("gain", c.gain);
  o.Set("offset", c.offset);
  return o;
}

Napi::Object HeaderObject(Napi::Env env, const nsx::Reader& r) {
  const nsx::Header& h = r.header();
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", h.path);
  o.Set("fileId", h.file_id);
  o.Set("version", nsx::VersionName(h.version));
  o.Set("label", h.label);
  o.Set("comment", h.comment);
  o.Set("commentBytes", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(h.comment_raw.data()),
                                                    h.comment_raw.size()));
  o.Set("period", static_cast<double>(h.period));
  o.Set("timestampResolution", static_cast<double>(h.timestamp_resolution));
  o.Set("samplingRate", h.sampling_rate());
  if (h.has_time_origin) {
    const nsx::TimeOrigin& t = h.time_origin;
    Napi::Object to = Napi::Object::New(env);
    to.Set("year", t.year);
    to.Set("month", t.month);
    to.Set("dayOfWeek", t.day_of_week);
    to.Set("day", t.day);
    to.Set("hour", t.hour);
    to.Set("minute", t.minute);
    to.Set("second", t.second);
    to.Set("millisecond", t.millisecond);
    o.Set("timeOrigin", to);
  } else {
    o.Set("timeOrigin", env.Null());
  }
  o.Set("ptp", r.ptp());
  o.Set("headerBytes", static_cast<double>(h.header_bytes));
  o.Set("fileSize", static_cast<double>(h.file_size));
  o.Set("trailingBytes", static_cast<double>(r.trailing_bytes()));
  Napi::Array chans = Napi::Array::New(env, h.channels.size());
  for (size_t i = 0; i < h.channels.size(); ++i) chans.Set(static_cast<uint32_t>(i), ChannelObject(env, h.channels[i], i));
  o.Set("channels", chans);
  const auto& segs = r.segments();
  Napi::Array sa = Napi::Array::New(env, segs.size());
  for (size_t i = 0; i < segs.size(); ++i) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("index", static_cast<double>(i));
    s.Set("blockIndex", static_cast<double>(segs[i].block_index));
    s.Set("timestamp", Napi::BigInt::New(env, segs[i].timestamp));
    s.Set("tStart", segs[i].t_start);
    s.Set("sampleCount", static_cast<double>(segs[i].sample_count));
    s.Set("dataOffset", static_cast<double>(segs[i].data_offset));
    sa.Set(static_cast<uint32_t>(i), s);
  }
  o.Set("segments", sa);
  return o;
}

class NsxReaderWrap : public Napi::ObjectWrap<NsxReaderWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NsxReader",
                       {InstanceMethod<&NsxReaderWrap::Header>("header"),
                        InstanceMethod<&NsxReaderWrap::ReadRaw>("readRaw"),
                        InstanceMethod<&NsxReaderWrap::ReadScaled>("readScaled"),
                        InstanceMethod<&NsxReaderWrap::PtpTimestamps>("ptpTimestamps"),
                        InstanceMethod<&NsxReaderWrap::Close>("close")});
  }

  // new NsxReader(path, { gapToleranceMs?, neoCompatible?, digitizationIds?: Uint32Array,
  //                       digitizationFactors?: Float64Array })
  explicit NsxReaderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NsxReaderWrap>(info) {
    Guard(info.Env(), [&] {
      Napi::Env env = info.Env();
      const std::string path = ArgString(info, 0, "path");
      nsx::ReaderOptions opts;
      if (info.Length() > 1 && info[1].IsObject()) {
        Napi::Object o = info[1].As<Napi::Object>();
        if (Prop(o, "gapToleranceMs").IsNumber()) opts.gap_tolerance_ms = NumberProp(env, o, "gapToleranceMs");
        opts.neo_compatible = Prop(o, "neoCompatible").ToBoolean();
        Napi::Value ids = Prop(o, "digitizationIds"), factors = Prop(o, "digitizationFactors");
        if (ids.IsTypedArray() && factors.IsTypedArray()) {
          auto a = ids.As<Napi::TypedArray>();
          auto b = factors.As<Napi::TypedArray>();
          if (a.TypedArrayType() != napi_uint32_array || b.TypedArrayType() != napi_float64_array ||
              a.ElementLength() != b.ElementLength())
            TypeError(env, "digitizationIds/digitizationFactors: Uint32Array and Float64Array of equal length");
          auto ia = ids.As<Napi::Uint32Array>();
          auto fa = factors.As<Napi::Float64Array>();
          opts.has_digitization = true;
          for (size_t i = 0; i < ia.ElementLength(); ++i) opts.digitization[ia[i]] = fa[i];
        }
      }
      reader_ = std::make_unique<nsx::Reader>(path, opts);
    });
  }

 private:
  const nsx::Reader& Open(Napi::Env env) const {
    if (!reader_) throw Napi::Error::New(env, "NsxReader: the file is closed");
    return *reader_;
  }

  Napi::Value Header(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value { return HeaderObject(info.Env(), Open(info.Env())); });
  }

  // Collects the data pointers of `outs` (an Array of `type` typed arrays, one per channel, each >= count).
  template <typename T>
  std::vector<T*> Outputs(const Napi::CallbackInfo& info, size_t arg, size_t ncols, uint64_t count,
                          napi_typedarray_type type) {
    Napi::Env env = info.Env();
    if (info.Length() <= arg || !info[arg].IsArray()) TypeError(env, "Expected an array of output typed arrays");
    Napi::Array a = info[arg].As<Napi::Array>();
    if (a.Length() != ncols) TypeError(env, "Expected one output array per channel");
    std::vector<T*> out(ncols);
    for (uint32_t k = 0; k < ncols; ++k) {
      Napi::Value v = a.Get(k);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
        TypeError(env, "Output " + std::to_string(k) + " has the wrong typed array type");
      auto t = v.As<Napi::TypedArrayOf<T>>();
      if (t.ElementLength() < count)
        throw Napi::RangeError::New(env, "Output " + std::to_string(k) + " is shorter than the sample count");
      out[k] = t.Data();
    }
    return out;
  }

  template <typename T>
  Napi::Value Read(const Napi::CallbackInfo& info, napi_typedarray_type type) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      const nsx::Reader& r = Open(info.Env());
      Napi::Uint32Array cols = ArgTypedArray(info, 0, "channels", napi_uint32_array).As<Napi::Uint32Array>();
      const uint64_t segment = IntegerArg(info, 1, "segment");
      const uint64_t start = IntegerArg(info, 2, "start");
      const uint64_t count = IntegerArg(info, 3, "count");
      std::vector<T*> out = Outputs<T>(info, 4, cols.ElementLength(), count, type);
      if constexpr (std::is_same_v<T, int16_t>) {
        r.ReadRaw(cols.Data(), cols.ElementLength(), segment, start, count, out.data());
      } else {
        r.ReadScaled(cols.Data(), cols.ElementLength(), segment, start, count, out.data());
      }
      return info.Env().Undefined();
    });
  }

  // readRaw(channels: Uint32Array, segment, start, count, outs: Int16Array[])
  Napi::Value ReadRaw(const Napi::CallbackInfo& info) { return Read<int16_t>(info, napi_int16_array); }
  // readScaled(channels: Uint32Array, segment, start, count, outs: Float32Array[])
  Napi::Value ReadScaled(const Napi::CallbackInfo& info) { return Read<float>(info, napi_float32_array); }

  // ptpTimestamps(segment, start, count) -> BigUint64Array
  Napi::Value PtpTimestamps(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      const nsx::Reader& r = Open(info.Env());
      const uint64_t segment = IntegerArg(info, 0, "segment");
      const uint64_t start = IntegerArg(info, 1, "start");
      const uint64_t count = IntegerArg(info, 2, "count");
      // Validate before allocating `count` elements.
      if (!r.ptp()) r.PtpTimestamps(segment, start, 0, nullptr);  // throws the typed "not a PTP file" error
      r.CheckRequest(nullptr, 0, segment, start, count);
      auto out = Napi::BigUint64Array::New(info.Env(), count);
      r.PtpTimestamps(segment, start, count, out.Data());
      return out;
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    reader_.reset();  // unmaps the file
    return info.Env().Undefined();
  }

  std::unique_ptr<nsx::Reader> reader_;
};

nsx::Version ParseVersion(Napi::Env env, const std::string& v) {
  if (v == "2.1") return nsx::Version::k21;
  if (v == "2.2") return nsx::Version::k22;
  if (v == "2.3") return nsx::Version::k23;
  if (v == "3.0") return nsx::Version::k30;
  TypeError(env, "Expected version 2.1, 2.2, 2.3 or 3.0");
}

nsx::WriterChannel ParseChannel(Napi::Env env, Napi::Object o) {
  nsx::WriterChannel c;
  c.electrode_id = static_cast<uint32_t>(UintProp(env, o, "electrodeId", 4294967295.0));
  c.label = StringProp(env, o, "label");
  c.physical_connector = static_cast<uint8_t>(UintProp(env, o, "physicalConnector", 255));
  c.connector_pin = static_cast<uint8_t>(UintProp(env, o, "connectorPin", 255));
  auto i16 = [&](const char* key) {
    double d = NumberProp(env, o, key);
    if (!(d >= -32768 && d <= 32767) || d != std::floor(d)) TypeError(env, std::string("Expected an int16 for ") + key);
    return static_cast<int16_t>(d);
  };
  c.min_digital = i16("minDigital");
  c.max_digital = i16("maxDigital");
  c.min_analog = i16("minAnalog");
  c.max_analog = i16("maxAnalog");
  c.units = StringProp(env, o, "units");
  c.hi_freq_corner = static_cast<uint32_t>(UintProp(env, o, "highFreqCorner", 4294967295.0));
  c.hi_freq_order = static_cast<uint32_t>(UintProp(env, o, "highFreqOrder", 4294967295.0));
  c.hi_freq_type = static_cast<uint16_t>(UintProp(env, o, "highFreqType", 65535));
  c.lo_freq_corner = static_cast<uint32_t>(UintProp(env, o, "lowFreqCorner", 4294967295.0));
  c.lo_freq_order = static_cast<uint32_t>(UintProp(env, o, "lowFreqOrder", 4294967295.0));
  c.lo_freq_type = static_cast<uint16_t>(UintProp(env, o, "lowFreqType", 65535));
  return c;
}

nsx::WriterSegment ParseSegment(Napi::Env env, Napi::Object o, size_t nch) {
  nsx::WriterSegment s;
  s.timestamp = U64Prop(env, o, "timestamp");
  Napi::Value d = Prop(o, "data");
  if (!d.IsArray()) TypeError(env, "Expected segment.data to be an array of Int16Array");
  Napi::Array a = d.As<Napi::Array>();
  if (a.Length() != nch) TypeError(env, "Expected one Int16Array per channel in segment.data");
  for (uint32_t c = 0; c < nch; ++c) {
    Napi::Value v = a.Get(c);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int16_array)
      TypeError(env, "Expected segment.data[" + std::to_string(c) + "] to be an Int16Array");
    auto t = v.As<Napi::Int16Array>();
    if (c == 0) s.sample_count = t.ElementLength();
    if (t.ElementLength() != s.sample_count) TypeError(env, "All channels of a segment need the same length");
    s.data.push_back(t.Data());
  }
  Napi::Value ts = Prop(o, "sampleTimestamps");
  if (ts.IsTypedArray()) {
    auto t = ts.As<Napi::TypedArray>();
    if (t.TypedArrayType() != napi_biguint64_array || t.ElementLength() != s.sample_count)
      TypeError(env, "Expected segment.sampleTimestamps to be a BigUint64Array with one value per sample");
    s.ptp_timestamps = ts.As<Napi::BigUint64Array>().Data();
  }
  return s;
}

// writeNsx(path, spec) -> bytes written. spec: { version, fileId, ptp, label, comment, period,
// timestampResolution, timeOrigin: number[8], channels: [...], segments: [{ timestamp, data, sampleTimestamps? }] }
Napi::Value WriteNsx(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const std::string path = ArgString(info, 0, "path");
    if (info.Length() < 2 || !info[1].IsObject()) TypeError(env, "Expected a spec object");
    Napi::Object o = info[1].As<Napi::Object>();
    nsx::WriterSpec s;
    s.version = ParseVersion(env, StringProp(env, o, "version"));
    s.file_id = StringProp(env, o, "fileId");
    s.ptp = Prop(o, "ptp").ToBoolean();
    s.label = StringProp(env, o, "label");
    s.comment = StringProp(env, o, "comment");
    s.period = static_cast<uint32_t>(UintProp(env, o, "period", 4294967295.0));
    s.timestamp_resolution = static_cast<uint32_t>(UintProp(env, o, "timestampResolution", 4294967295.0));
    Napi::Value to = Prop(o, "timeOrigin");
    if (!to.IsArray() || to.As<Napi::Array>().Length() != 8) TypeError(env, "Expected timeOrigin: number[8]");
    uint16_t* f[8] = {&s.time_origin.year, &s.time_origin.month,  &s.time_origin.day_of_week,
                      &s.time_origin.day,  &s.time_origin.hour,   &s.time_origin.minute,
                      &s.time_origin.second, &s.time_origin.millisecond};
    Napi::Object toa = to.As<Napi::Object>();
    for (uint32_t i = 0; i < 8; ++i) *f[i] = static_cast<uint16_t>(UintProp(env, toa, std::to_string(i).c_str(), 65535));
    Napi::Value ch = Prop(o, "channels");
    if (!ch.IsArray()) TypeError(env, "Expected channels to be an array");
    Napi::Array cha = ch.As<Napi::Array>();
    for (uint32_t i = 0; i < cha.Length(); ++i) {
      Napi::Value c = cha.Get(i);
      if (!c.IsObject()) TypeError(env, "Expected channel objects");
      s.channels.push_back(ParseChannel(env, c.As<Napi::Object>()));
    }
    Napi::Value sg = Prop(o, "segments");
    if (!sg.IsArray()) TypeError(env, "Expected segments to be an array");
    Napi::Array sga = sg.As<Napi::Array>();
    for (uint32_t i = 0; i < sga.Length(); ++i) {
      Napi::Value v = sga.Get(i);
      if (!v.IsObject()) TypeError(env, "Expected segment objects");
      s.segments.push_back(ParseSegment(env, v.As<Napi::Object>(), s.channels.size()));
    }
    return Napi::Number::New(env, static_cast<double>(nsx::WriteNsx(path, s)));
  });
}

}  // namespace

void RegisterNsx(Napi::Env env, Napi::Object exports) {
  exports.Set("NsxReader", NsxReaderWrap::Define(env));
  exports.Set("writeNsx", Napi::Function::New(env, WriteNsx, "writeNsx"));
}

}  // namespace rpl::napi
