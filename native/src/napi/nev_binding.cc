// NEV glue: class NevReader(path) {header, packetCounts, digitalEvents, spikes, comments, close} and
// writeNev(path, spec). Synchronous by design (callers run it in piscina workers). Output columns are
// allocated as JS typed arrays and filled in place by rpl::nev::NevReader (no intermediate copy). Strings
// cross as latin-1 both ways so every byte of a label survives (labels are not always valid UTF-8).
#include <cstring>
#include <memory>
#include <string>

#include "io/nev_reader.h"
#include "io/nev_writer.h"
#include "napi/js_errors.h"
#include "napi/modules.h"

namespace rpl::napi {

namespace {

Napi::String Latin1(Napi::Env env, const std::string& s) {
  napi_value v;
  NAPI_THROW_IF_FAILED(env, napi_create_string_latin1(env, s.data(), s.size(), &v), Napi::String());
  return Napi::String(env, v);
}

Napi::Value CommentText(Napi::Env env, const nev::Comment& c) {
  if (c.char_set != 1) return Latin1(env, c.text);
  std::u16string u(c.text.size() / 2, u'\0');
  std::memcpy(u.data(), c.text.data(), u.size() * 2);
  return Napi::String::New(env, u);
}

// ---- header -> JS ----------------------------------------------------------------------------------------

Napi::Object TimeOriginJs(Napi::Env env, const nev::TimeOrigin& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("year", t.year);
  o.Set("month", t.month);
  o.Set("dayOfWeek", t.day_of_week);
  o.Set("day", t.day);
  o.Set("hour", t.hour);
  o.Set("minute", t.minute);
  o.Set("second", t.second);
  o.Set("millisecond", t.millisecond);
  return o;
}

template <typename T, typename F>
Napi::Array ListJs(Napi::Env env, const std::vector<T>& items, F&& one) {
  Napi::Array a = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    one(o, items[i]);
    a.Set(static_cast<uint32_t>(i), o);
  }
  return a;
}

Napi::Object HeaderJs(Napi::Env env, const nev::NevHeader& h, const std::string& path) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", path);
  o.Set("fileId", Latin1(env, h.file_id));
  o.Set("version", h.version_string());
  o.Set("additionalFlags", h.additional_flags);
  o.Set("headerBytes", h.bytes_in_headers);
  o.Set("packetBytes", h.bytes_in_data_packets);
  o.Set("timestampResolution", h.timestamp_resolution);
  o.Set("sampleResolution", h.sample_resolution);
  o.Set("timeOrigin", TimeOriginJs(env, h.time_origin));
  o.Set("application", Latin1(env, h.application));
  o.Set("comment", Latin1(env, h.comment));
  o.Set("processorTimestamp", h.processor_timestamp);
  o.Set("extendedHeaderCount", h.ext_header_count);
  o.Set("fileSize", static_cast<double>(h.file_size));
  o.Set("packetCount", static_cast<double>(h.packet_count));
  o.Set("trailingBytes", static_cast<double>(h.trailing_bytes));
  o.Set("waveformHeaders", ListJs(env, h.waveforms, [](Napi::Object& x, const nev::WaveformHeader& w) {
          x.Set("electrodeId", w.electrode_id);
          x.Set("physicalConnector", w.physical_connector);
          x.Set("connectorPin", w.connector_pin);
          x.Set("digitizationFactor", w.digitization_factor);
          x.Set("energyThreshold", w.energy_threshold);
          x.Set("highThreshold", w.high_threshold);
          x.Set("lowThreshold", w.low_threshold);
          x.Set("sortedUnits", w.sorted_units);
          x.Set("bytesPerSample", w.bytes_per_sample);
          x.Set("spikeWidth", w.spike_width);
        }));
  o.Set("labels", ListJs(env, h.labels, [env](Napi::Object& x, const nev::ElectrodeLabel& l) {
          x.Set("electrodeId", l.electrode_id);
          x.Set("label", Latin1(env, l.label));
        }));
  o.Set("filters", ListJs(env, h.filters, [](Napi::Object& x, const nev::ElectrodeFilter& f) {
          x.Set("electrodeId", f.electrode_id);
          x.Set("highFreqCorner", f.high_freq_corner);
          x.Set("highFreqOrder", f.high_freq_order);
          x.Set("highFreqType", f.high_freq_type);
          x.Set("lowFreqCorner", f.low_freq_corner);
          x.Set("lowFreqOrder", f.low_freq_order);
          x.Set("lowFreqType", f.low_freq_type);
        }));
  o.Set("digitalLabels", ListJs(env, h.digital_labels, [env](Napi::Object& x, const nev::DigitalLabel& d) {
          x.Set("label", Latin1(env, d.label));
          x.Set("mode", d.mode);
        }));
  o.Set("nsasExev", ListJs(env, h.nsas_exev, [env](Napi::Object& x, const nev::NsasExev& n) {
          x.Set("frequency", n.frequency);
          x.Set("digitalInputConfig", n.digital_input_config);
          Napi::Array cfg = Napi::Array::New(env, 5), edge = Napi::Array::New(env, 5);
          for (uint32_t k = 0; k < 5; ++k) {
            cfg.Set(k, n.analog_config[k]);
            edge.Set(k, n.analog_edge_detect[k]);
          }
          x.Set("analogConfig", cfg);
          x.Set("analogEdgeDetect", edge);
        }));
  o.Set("textHeaders", ListJs(env, h.text_headers, [env](Napi::Object& x, const nev::TextHeader& t) {
          x.Set("id", Latin1(env, t.id));
          x.Set("text", Latin1(env, t.text));
        }));
  o.Set("videoSources", ListJs(env, h.video_sources, [env](Napi::Object& x, const nev::VideoSource& s) {
          x.Set("sourceId", s.source_id);
          x.Set("source", Latin1(env, s.source));
          x.Set("frameRate", s.frame_rate);
        }));
  o.Set("trackableObjects", ListJs(env, h.trackable_objects, [env](Napi::Object& x, const nev::TrackableObject& t) {
          x.Set("type", t.type);
          x.Set("id", t.id);
          x.Set("pointCount", t.point_count);
          x.Set("source", Latin1(env, t.source));
        }));
  o.Set("unknownHeaders", ListJs(env, h.unknown, [env](Napi::Object& x, const nev::UnknownHeader& u) {
          x.Set("id", Latin1(env, u.id));
          x.Set("offset", static_cast<double>(u.offset));
        }));
  return o;
}

// ---- reader class ----------------------------------------------------------------------------------------

class NevReaderWrap : public Napi::ObjectWrap<NevReaderWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NevReader",
                       {InstanceMethod<&NevReaderWrap::Header>("header"),
                        InstanceMethod<&NevReaderWrap::PacketCounts>("packetCounts"),
                        InstanceMethod<&NevReaderWrap::DigitalEvents>("digitalEvents"),
                        InstanceMethod<&NevReaderWrap::Spikes>("spikes"),
                        InstanceMethod<&NevReaderWrap::Comments>("comments"),
                        InstanceMethod<&NevReaderWrap::Close>("close")});
  }

  explicit NevReaderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NevReaderWrap>(info) {
    Guard(info.Env(), [&] { reader_ = std::make_unique<nev::NevReader>(ArgString(info, 0, "path")); });
  }

 private:
  nev::NevReader& Open(Napi::Env env) {
    if (!reader_) throw Napi::Error::New(env, "NevReader is closed");
    return *reader_;
  }

  Napi::Value Header(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      nev::NevReader& r = Open(info.Env());
      return HeaderJs(info.Env(), r.header(), r.path());
    });
  }

  Napi::Value PacketCounts(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      const nev::PacketCensus& c = Open(info.Env()).Census();
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("digital", static_cast<double>(c.digital));
      o.Set("spikes", static_cast<double>(c.spikes));
      o.Set("comments", static_cast<double>(c.comments));
      o.Set("other", static_cast<double>(c.other));
      return o;
    });
  }

  Napi::Value DigitalEvents(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      nev::NevReader& r = Open(env);
      const size_t n = r.Census().digital;
      auto ts = Napi::BigUint64Array::New(env, n);
      auto sec = Napi::Float64Array::New(env, n);
      auto reasons = Napi::Uint8Array::New(env, n);
      auto values = Napi::Uint16Array::New(env, n);
      Napi::Value analog = env.Null();
      int16_t* analog_ptr = nullptr;
      if (r.has_analog()) {
        auto a = Napi::Int16Array::New(env, 5 * n);
        analog_ptr = a.Data();
        analog = a;
      }
      r.FillDigital({ts.Data(), sec.Data(), reasons.Data(), values.Data(), analog_ptr});
      Napi::Object o = Napi::Object::New(env);
      o.Set("timestamps", ts);
      o.Set("seconds", sec);
      o.Set("reasons", reasons);
      o.Set("values", values);
      o.Set("analog", analog);
      return o;
    });
  }

  Napi::Value Spikes(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      nev::NevReader& r = Open(env);
      const nev::PacketCensus& c = r.SpikeCensus();
      const size_t n = c.spikes;
      auto ts = Napi::BigUint64Array::New(env, n);
      auto sec = Napi::Float64Array::New(env, n);
      auto electrodes = Napi::Uint16Array::New(env, n);
      auto units = Napi::Uint8Array::New(env, n);
      auto wf = Napi::Int16Array::New(env, n * c.samples_per_waveform);
      r.FillSpikes({ts.Data(), sec.Data(), electrodes.Data(), units.Data(), wf.Data()});
      Napi::Object o = Napi::Object::New(env);
      o.Set("timestamps", ts);
      o.Set("seconds", sec);
      o.Set("electrodes", electrodes);
      o.Set("units", units);
      o.Set("waveforms", wf);
      o.Set("samplesPerWaveform", c.samples_per_waveform);
      return o;
    });
  }

  Napi::Value Comments(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      nev::NevReader& r = Open(env);
      std::vector<nev::Comment> cs = r.ReadComments();
      const size_t n = cs.size();
      const double res = r.header().timestamp_resolution;
      auto ts = Napi::BigUint64Array::New(env, n);
      auto sec = Napi::Float64Array::New(env, n);
      auto charsets = Napi::Uint8Array::New(env, n);
      auto flags = Napi::Uint8Array::New(env, n);
      auto colors = Napi::Uint32Array::New(env, n);
      Napi::Array texts = Napi::Array::New(env, n);
      for (size_t i = 0; i < n; ++i) {
        ts[i] = cs[i].timestamp;
        sec[i] = static_cast<double>(cs[i].timestamp) / res;
        charsets[i] = cs[i].char_set;
        flags[i] = cs[i].flag;
        colors[i] = cs[i].color;
        texts.Set(static_cast<uint32_t>(i), CommentText(env, cs[i]));
      }
      Napi::Object o = Napi::Object::New(env);
      o.Set("timestamps", ts);
      o.Set("seconds", sec);
      o.Set("charSets", charsets);
      o.Set("flags", flags);
      o.Set("colors", colors);
      o.Set("texts", texts);
      return o;
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      reader_.reset();  // unmaps the file
      return info.Env().Undefined();
    });
  }

  std::unique_ptr<nev::NevReader> reader_;
};

// ---- write spec JS -> C++ --------------------------------------------------------------------------------
// The TS layer (src/io/nev-writer.ts) validated every value; these checks only keep a misuse of the raw
// binding from reading garbage.

[[noreturn]] void SpecError(Napi::Env env, const std::string& name, const char* expected) {
  throw Napi::TypeError::New(env, "writeNev: expected " + std::string(expected) + " for spec." + name);
}

Napi::Value Prop(const Napi::Object& o, const char* name) { return o.Get(name); }

double Num(Napi::Env env, const Napi::Object& o, const char* name, double lo, double hi) {
  Napi::Value v = Prop(o, name);
  if (!v.IsNumber()) SpecError(env, name, "a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi)) SpecError(env, name, "a number in range");
  return d;
}
uint8_t U8(Napi::Env e, const Napi::Object& o, const char* n) { return static_cast<uint8_t>(Num(e, o, n, 0, 255)); }
uint16_t U16(Napi::Env e, const Napi::Object& o, const char* n) {
  return static_cast<uint16_t>(Num(e, o, n, 0, 65535));
}
int16_t I16(Napi::Env e, const Napi::Object& o, const char* n) {
  return static_cast<int16_t>(Num(e, o, n, -32768, 32767));
}
uint32_t U32(Napi::Env e, const Napi::Object& o, const char* n) {
  return static_cast<uint32_t>(Num(e, o, n, 0, 4294967295.0));
}

std::string Latin1Of(Napi::Env env, const Napi::Object& o, const char* name) {
  Napi::Value v = Prop(o, name);
  if (!v.IsString()) SpecError(env, name, "a string");
  size_t len = 0;
  NAPI_THROW_IF_FAILED(env, napi_get_value_string_latin1(env, v, nullptr, 0, &len), std::string());
  std::string s(len + 1, '\0');
  NAPI_THROW_IF_FAILED(env, napi_get_value_string_latin1(env, v, s.data(), s.size(), &len), std::string());
  s.resize(len);
  return s;
}

Napi::Object Obj(Napi::Env env, const Napi::Object& o, const char* name) {
  Napi::Value v = Prop(o, name);
  if (!v.IsObject()) SpecError(env, name, "an object");
  return v.As<Napi::Object>();
}

template <typename T, typename F>
std::vector<T> List(Napi::Env env, const Napi::Object& o, const char* name, F&& one) {
  Napi::Value v = Prop(o, name);
  if (!v.IsArray()) SpecError(env, name, "an array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<T> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsObject()) SpecError(env, name, "an array of objects");
    one(e.As<Napi::Object>(), out[i]);
  }
  return out;
}

// Typed-array column of exactly `count` elements (or null when `optional`).
template <typename T>
const T* Column(Napi::Env env, const Napi::Object& o, const char* name, napi_typedarray_type type, size_t count,
                bool optional = false) {
  Napi::Value v = Prop(o, name);
  if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    SpecError(env, name, "a typed array of the right element type");
  auto a = v.As<Napi::TypedArrayOf<T>>();
  if (a.ElementLength() != count) SpecError(env, name, "a typed array of the stated length");
  return a.Data();
}

// Element count of a column that decides the row count of its group (the timestamps).
size_t Length(Napi::Env env, const Napi::Object& o, const char* name) {
  Napi::Value v = Prop(o, name);
  if (!v.IsTypedArray()) SpecError(env, name, "a typed array");
  return v.As<Napi::TypedArray>().ElementLength();
}

nev::NevHeader HeaderFromJs(Napi::Env env, const Napi::Object& s) {
  nev::NevHeader h;
  h.file_id = Latin1Of(env, s, "fileId");
  h.version_major = U8(env, s, "versionMajor");
  h.version_minor = U8(env, s, "versionMinor");
  h.additional_flags = U16(env, s, "additionalFlags");
  h.bytes_in_data_packets = U32(env, s, "packetBytes");
  h.timestamp_resolution = U32(env, s, "timestampResolution");
  h.sample_resolution = U32(env, s, "sampleResolution");
  Napi::Object t = Obj(env, s, "timeOrigin");
  h.time_origin = {U16(env, t, "year"), U16(env, t, "month"), U16(env, t, "dayOfWeek"), U16(env, t, "day"),
                   U16(env, t, "hour"), U16(env, t, "minute"),   U16(env, t, "second"),    U16(env, t, "millisecond")};
  h.application = Latin1Of(env, s, "application");
  h.comment = Latin1Of(env, s, "comment");
  h.processor_timestamp = U32(env, s, "processorTimestamp");
  h.waveforms = List<nev::WaveformHeader>(env, s, "waveformHeaders", [env](const Napi::Object& x, auto& w) {
    w.electrode_id = U16(env, x, "electrodeId");
    w.physical_connector = U8(env, x, "physicalConnector");
    w.connector_pin = U8(env, x, "connectorPin");
    w.digitization_factor = U16(env, x, "digitizationFactor");
    w.energy_threshold = U16(env, x, "energyThreshold");
    w.high_threshold = I16(env, x, "highThreshold");
    w.low_threshold = I16(env, x, "lowThreshold");
    w.sorted_units = U8(env, x, "sortedUnits");
    w.bytes_per_sample = U8(env, x, "bytesPerSample");
    w.spike_width = U16(env, x, "spikeWidth");
  });
  h.labels = List<nev::ElectrodeLabel>(env, s, "labels", [env](const Napi::Object& x, auto& l) {
    l.electrode_id = U16(env, x, "electrodeId");
    l.label = Latin1Of(env, x, "label");
  });
  h.filters = List<nev::ElectrodeFilter>(env, s, "filters", [env](const Napi::Object& x, auto& f) {
    f.electrode_id = U16(env, x, "electrodeId");
    f.high_freq_corner = U32(env, x, "highFreqCorner");
    f.high_freq_order = U32(env, x, "highFreqOrder");
    f.high_freq_type = U16(env, x, "highFreqType");
    f.low_freq_corner = U32(env, x, "lowFreqCorner");
    f.low_freq_order = U32(env, x, "lowFreqOrder");
    f.low_freq_type = U16(env, x, "lowFreqType");
  });
  h.digital_labels = List<nev::DigitalLabel>(env, s, "digitalLabels", [env](const Napi::Object& x, auto& d) {
    d.label = Latin1Of(env, x, "label");
    d.mode = U8(env, x, "mode");
  });
  h.nsas_exev = List<nev::NsasExev>(env, s, "nsasExev", [env](const Napi::Object& x, auto& n) {
    n.frequency = U16(env, x, "frequency");
    n.digital_input_config = U8(env, x, "digitalInputConfig");
    Napi::Object cfg = Obj(env, x, "analogConfig"), edge = Obj(env, x, "analogEdgeDetect");
    for (int k = 0; k < 5; ++k) {
      const std::string key = std::to_string(k);
      n.analog_config[k] = U8(env, cfg, key.c_str());
      n.analog_edge_detect[k] = U16(env, edge, key.c_str());
    }
  });
  h.text_headers = List<nev::TextHeader>(env, s, "textHeaders", [env](const Napi::Object& x, auto& t) {
    t.id = Latin1Of(env, x, "id");
    t.text = Latin1Of(env, x, "text");
  });
  h.video_sources = List<nev::VideoSource>(env, s, "videoSources", [env](const Napi::Object& x, auto& v) {
    v.source_id = U16(env, x, "sourceId");
    v.source = Latin1Of(env, x, "source");
    v.frame_rate = static_cast<float>(Num(env, x, "frameRate", -3.4e38, 3.4e38));
  });
  h.trackable_objects = List<nev::TrackableObject>(env, s, "trackableObjects", [env](const Napi::Object& x, auto& t) {
    t.type = U16(env, x, "type");
    t.id = U16(env, x, "id");
    t.point_count = U16(env, x, "pointCount");
    t.source = Latin1Of(env, x, "source");
  });
  return h;
}

Napi::Value WriteNevJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const std::string path = ArgString(info, 0, "path");
    if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(env, "writeNev: expected a spec object");
    Napi::Object s = info[1].As<Napi::Object>();
    nev::NevWriteSpec spec;
    spec.header = HeaderFromJs(env, s);

    Napi::Object d = Obj(env, s, "digital");
    const size_t nd = Length(env, d, "timestamps");
    spec.digital.count = nd;
    spec.digital.timestamps = Column<uint64_t>(env, d, "timestamps", napi_biguint64_array, nd);
    spec.digital.reasons = Column<uint8_t>(env, d, "reasons", napi_uint8_array, nd);
    spec.digital.values = Column<uint16_t>(env, d, "values", napi_uint16_array, nd);
    spec.digital.analog = Column<int16_t>(env, d, "analog", napi_int16_array, 5 * nd, true);

    Napi::Object sp = Obj(env, s, "spikes");
    const size_t ns = Length(env, sp, "timestamps");
    spec.spikes.count = ns;
    spec.spikes.samples_per_waveform = U32(env, sp, "samplesPerWaveform");
    spec.spikes.timestamps = Column<uint64_t>(env, sp, "timestamps", napi_biguint64_array, ns);
    spec.spikes.electrodes = Column<uint16_t>(env, sp, "electrodes", napi_uint16_array, ns);
    spec.spikes.units = Column<uint8_t>(env, sp, "units", napi_uint8_array, ns);
    spec.spikes.waveforms = Column<int16_t>(env, sp, "waveforms", napi_int16_array,
                                            ns * static_cast<size_t>(spec.spikes.samples_per_waveform));

    Napi::Object c = Obj(env, s, "comments");
    const size_t nc = Length(env, c, "timestamps");
    const uint64_t* cts = Column<uint64_t>(env, c, "timestamps", napi_biguint64_array, nc);
    const uint8_t* cset = Column<uint8_t>(env, c, "charSets", napi_uint8_array, nc);
    const uint8_t* cflag = Column<uint8_t>(env, c, "flags", napi_uint8_array, nc);
    const uint32_t* ccol = Column<uint32_t>(env, c, "colors", napi_uint32_array, nc);
    const uint32_t* coff = Column<uint32_t>(env, c, "textOffsets", napi_uint32_array, nc + 1);
    Napi::Value tb = Prop(c, "textBytes");
    if (!tb.IsTypedArray() || tb.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      SpecError(env, "comments.textBytes", "a Uint8Array");
    auto bytes = tb.As<Napi::Uint8Array>();
    spec.comments.resize(nc);
    for (size_t i = 0; i < nc; ++i) {
      if (coff[i] > coff[i + 1] || coff[i + 1] > bytes.ElementLength())
        SpecError(env, "comments.textOffsets", "non-decreasing offsets inside textBytes");
      spec.comments[i] = {cts[i], cset[i], cflag[i], ccol[i],
                          std::string(reinterpret_cast<const char*>(bytes.Data()) + coff[i], coff[i + 1] - coff[i])};
    }
    nev::WriteNev(path, spec);
    return env.Undefined();
  });
}

}  // namespace

void RegisterNev(Napi::Env env, Napi::Object exports) {
  exports.Set("NevReader", NevReaderWrap::Define(env));
  exports.Set("writeNev", Napi::Function::New(env, WriteNevJs, "writeNev"));
}

}  // namespace rpl::napi
