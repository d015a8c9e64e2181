#include "io/nev_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>

#include "common/format_error.h"

namespace rpl::nev {

namespace {

// Little-endian stores into a zeroed byte buffer (host is little endian, as ByteView assumes).
template <typename T>
void Put(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

class Checker {
 public:
  explicit Checker(const std::string& path) : path_(path) {}
  [[noreturn]] void Fail(const char* code, const std::string& what, const std::string& expected,
                         const std::string& found) const {
    throw FormatError(code, path_, 0, "cannot write NEV: " + what, expected, found,
                      "Fix the write spec; nothing was written.");
  }
  void Text(const std::string& s, size_t width, const char* field) const {
    if (s.size() > width)
      Fail(code::kRange, std::string(field) + " too long", "at most " + std::to_string(width) + " bytes",
           std::to_string(s.size()) + " bytes");
  }

 private:
  const std::string& path_;
};

void PutText(uint8_t* p, const std::string& s, size_t width, const Checker& chk, const char* field) {
  chk.Text(s, width, field);
  std::memcpy(p, s.data(), s.size());
}

std::vector<uint8_t> EncodeHeaders(const NevHeader& h, const Checker& chk) {
  // Central writes NEUEVWAV, NEUEVLBL, NEUEVFLT interleaved per electrode (verified in datafile001.nev); doing
  // the same by position keeps each type's order and reproduces Central's layout byte for byte.
  std::vector<std::vector<uint8_t>> ext;
  auto add = [&ext](const char* id) -> uint8_t* {
    ext.emplace_back(kExtHeaderBytes, 0);
    std::memcpy(ext.back().data(), id, std::strlen(id));
    return ext.back().data();
  };
  const size_t rows = std::max({h.waveforms.size(), h.labels.size(), h.filters.size()});
  for (size_t i = 0; i < rows; ++i) {
    if (i < h.waveforms.size()) {
      const WaveformHeader& w = h.waveforms[i];
      uint8_t* p = add("NEUEVWAV");
      Put(p + 8, w.electrode_id);
      Put(p + 10, w.physical_connector);
      Put(p + 11, w.connector_pin);
      Put(p + 12, w.digitization_factor);
      Put(p + 14, w.energy_threshold);
      Put(p + 16, w.high_threshold);
      Put(p + 18, w.low_threshold);
      Put(p + 20, w.sorted_units);
      Put(p + 21, w.bytes_per_sample);
      Put(p + 22, w.spike_width);
    }
    if (i < h.labels.size()) {
      uint8_t* p = add("NEUEVLBL");
      Put(p + 8, h.labels[i].electrode_id);
      PutText(p + 10, h.labels[i].label, 16, chk, "NEUEVLBL label");
    }
    if (i < h.filters.size()) {
      const ElectrodeFilter& f = h.filters[i];
      uint8_t* p = add("NEUEVFLT");
      Put(p + 8, f.electrode_id);
      Put(p + 10, f.high_freq_corner);
      Put(p + 14, f.high_freq_order);
      Put(p + 18, f.high_freq_type);
      Put(p + 20, f.low_freq_corner);
      Put(p + 24, f.low_freq_order);
      Put(p + 28, f.low_freq_type);
    }
  }
  for (const DigitalLabel& d : h.digital_labels) {
    uint8_t* p = add("DIGLABEL");
    PutText(p + 8, d.label, 16, chk, "DIGLABEL label");
    Put(p + 24, d.mode);
  }
  for (const NsasExev& n : h.nsas_exev) {
    uint8_t* p = add("NSASEXEV");
    Put(p + 8, n.frequency);
    Put(p + 10, n.digital_input_config);
    for (int k = 0; k < 5; ++k) {
      Put(p + 11 + 3 * k, n.analog_config[k]);
      Put(p + 12 + 3 * k, n.analog_edge_detect[k]);
    }
  }
  for (const TextHeader& t : h.text_headers) {
    if (t.id != "ARRAYNME" && t.id != "ECOMMENT" && t.id != "CCOMMENT" && t.id != "MAPFILE")
      chk.Fail(code::kBadField, "unknown text extended header id", "ARRAYNME, ECOMMENT, CCOMMENT or MAPFILE",
               t.id);
    PutText(add(t.id.c_str()) + 8, t.text, 24, chk, "extended header text");
  }
  for (const VideoSource& s : h.video_sources) {
    uint8_t* p = add("VIDEOSYN");
    Put(p + 8, s.source_id);
    PutText(p + 10, s.source, 16, chk, "VIDEOSYN source");
    Put(p + 26, s.frame_rate);
  }
  for (const TrackableObject& t : h.trackable_objects) {
    uint8_t* p = add("TRACKOBJ");
    Put(p + 8, t.type);
    Put(p + 10, t.id);
    Put(p + 12, t.point_count);
    PutText(p + 14, t.source, 16, chk, "TRACKOBJ source");
  }

  std::vector<uint8_t> out(kBasicHeaderBytes, 0);
  uint8_t* b = out.data();
  if (h.file_id.size() != 8) chk.Fail(code::kBadField, "file id", "8 characters", h.file_id);
  std::memcpy(b, h.file_id.data(), 8);
  Put(b + 8, h.version_major);
  Put(b + 9, h.version_minor);
  Put(b + 10, h.additional_flags);
  Put(b + 12, static_cast<uint32_t>(kBasicHeaderBytes + kExtHeaderBytes * ext.size()));
  Put(b + 16, h.bytes_in_data_packets);
  Put(b + 20, h.timestamp_resolution);
  Put(b + 24, h.sample_resolution);
  const TimeOrigin& t = h.time_origin;
  const uint16_t origin[8] = {t.year, t.month, t.day_of_week, t.day, t.hour, t.minute, t.second, t.millisecond};
  for (int k = 0; k < 8; ++k) Put(b + 28 + 2 * k, origin[k]);
  PutText(b + 44, h.application, 32, chk, "application");
  // A processor timestamp lives at 328, inside Blackrock's 256-byte comment (Ripple's comment is 200 bytes).
  PutText(b + 76, h.comment, h.processor_timestamp != 0 ? 252 : 256, chk, "comment");
  if (h.processor_timestamp != 0) Put(b + 328, h.processor_timestamp);
  Put(b + 332, static_cast<uint32_t>(ext.size()));
  for (const auto& e : ext) out.insert(out.end(), e.begin(), e.end());
  return out;
}

// Buffered writer to a temporary file that becomes `path` only on Commit().
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path) : path_(path) {
    static std::atomic<unsigned> counter{0};
    tmp_ = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) Fail("cannot create temporary file " + tmp_);
    buf_.reserve(kChunk);
  }
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
  void Append(const uint8_t* p, size_t n) {
    buf_.insert(buf_.end(), p, p + n);
    if (buf_.size() >= kChunk) Flush();
  }
  void Commit() {
    Flush();
    if (::fsync(fd_) != 0) Fail("cannot sync " + tmp_);
    if (::close(fd_) != 0) {
      fd_ = -1;
      Fail("cannot close " + tmp_);
    }
    fd_ = -1;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) Fail("cannot rename " + tmp_ + " to the final name");
    committed_ = true;
  }

 private:
  static constexpr size_t kChunk = 1 << 20;
  void Flush() {
    size_t done = 0;
    while (done < buf_.size()) {
      ssize_t w = ::write(fd_, buf_.data() + done, buf_.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) Fail("cannot write " + tmp_);
      done += static_cast<size_t>(w);
    }
    buf_.clear();
  }
  [[noreturn]] void Fail(const std::string& what) {
    int e = errno;
    throw FormatError(code::kWrite, path_, 0, what, "a writable directory with free space", std::strerror(e),
                      "Check the output directory's permissions and free space.");
  }
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
  std::vector<uint8_t> buf_;
};

// Packet encoder for one spec; validates every value against what the packet can hold.
class PacketEncoder {
 public:
  PacketEncoder(const NevWriteSpec& s, const Checker& chk) : s_(s), h_(s.header), chk_(chk), buf_(P(), 0) {
    bps_.assign(kMaxSpikePacketId + 1, 2);
    if (!h_.waveforms_forced_int16()) {
      for (size_t k = h_.waveforms.size(); k-- > 0;) {  // first header of an electrode wins, as the reader
        const WaveformHeader& w = h_.waveforms[k];
        uint8_t b = w.bytes_per_sample;
        if (b != 0 && b != 1 && b != 2 && b != 4)
          chk.Fail(code::kBadField, "NEUEVWAV bytes per sample", "0, 1, 2 or 4", std::to_string(b));
        if (w.electrode_id <= kMaxSpikePacketId) bps_[w.electrode_id] = b <= 1 ? 1 : b;
      }
    }
  }
  const uint8_t* Digital(uint64_t i) {
    Start(s_.digital.timestamps[i], kDigitalPacketId);
    Put(buf_.data() + po(), s_.digital.reasons[i]);
    Put(buf_.data() + po() + 2, s_.digital.values[i]);
    if (s_.digital.analog != nullptr) {
      for (int k = 0; k < 5; ++k) Put(buf_.data() + 10 + 2 * k, s_.digital.analog[5 * i + k]);
    }
    return buf_.data();
  }
  const uint8_t* Spike(uint64_t i) {
    const uint16_t e = s_.spikes.electrodes[i];
    if (e < 1 || e > kMaxSpikePacketId)
      chk_.Fail(code::kRange, "spike " + std::to_string(i) + " electrode id", "1..16384", std::to_string(e));
    Start(s_.spikes.timestamps[i], e);
    Put(buf_.data() + po(), s_.spikes.units[i]);
    const uint32_t w = s_.spikes.samples_per_waveform, b = bps_[e];
    if (static_cast<uint64_t>(w) * b > P() - po() - 2)
      chk_.Fail(code::kRange, "spike waveform does not fit the packet (electrode " + std::to_string(e) + ")",
                "at most " + std::to_string((P() - po() - 2) / b) + " samples of " + std::to_string(b) + " bytes",
                std::to_string(w) + " samples");
    const int16_t* src = s_.spikes.waveforms + i * static_cast<uint64_t>(w);
    uint8_t* dst = buf_.data() + po() + 2;
    for (uint32_t k = 0; k < w; ++k) {
      if (b == 2) {
        Put(dst + 2 * k, src[k]);
      } else if (b == 4) {
        Put(dst + 4 * k, static_cast<int32_t>(src[k]));
      } else {
        if (src[k] < -128 || src[k] > 127)
          chk_.Fail(code::kRange, "spike " + std::to_string(i) + " sample for an int8 electrode", "-128..127",
                    std::to_string(src[k]));
        Put(dst + k, static_cast<int8_t>(src[k]));
      }
    }
    return buf_.data();
  }
  const uint8_t* Comment(const CommentIn& c) {
    Start(c.timestamp, kCommentPacketId);
    Put(buf_.data() + po(), c.char_set);
    Put(buf_.data() + po() + 1, c.flag);
    if (P() < po() + 6 + c.text.size())
      chk_.Fail(code::kRange, "comment text does not fit the packet", "at most " +
                std::to_string(P() < po() + 6 ? 0 : P() - po() - 6) + " bytes", std::to_string(c.text.size()));
    Put(buf_.data() + po() + 2, c.color);
    std::memcpy(buf_.data() + po() + 6, c.text.data(), c.text.size());
    return buf_.data();
  }
  uint32_t P() const { return h_.bytes_in_data_packets; }

 private:
  uint32_t po() const { return h_.payload_offset(); }
  void Start(uint64_t ts, uint16_t id) {
    std::fill(buf_.begin(), buf_.end(), 0);
    if (h_.is_v3()) {
      Put(buf_.data(), ts);
    } else {
      if (ts > 0xFFFFFFFFull)
        chk_.Fail(code::kRange, "timestamp for a 2.x file (32-bit)", "at most 4294967295", std::to_string(ts));
      Put(buf_.data(), static_cast<uint32_t>(ts));
    }
    Put(buf_.data() + h_.timestamp_bytes(), id);
  }
  const NevWriteSpec& s_;
  const NevHeader& h_;
  const Checker& chk_;
  std::vector<uint8_t> buf_;
  std::vector<uint8_t> bps_;
};

void CheckSpec(const NevWriteSpec& s, const Checker& chk) {
  const NevHeader& h = s.header;
  const bool ok = (h.version_major == 2 && h.version_minor >= 1 && h.version_minor <= 3) ||
                  (h.version_major == 3 && h.version_minor == 0);
  if (!ok) chk.Fail(code::kUnsupportedVersion, "version", "2.1, 2.2, 2.3 or 3.0", h.version_string());
  if (h.bytes_in_data_packets < MinPacketBytes(h.is_v3()))
    chk.Fail(code::kBadField, "packet size", "at least " + std::to_string(MinPacketBytes(h.is_v3())) + " bytes",
             std::to_string(h.bytes_in_data_packets));
  if (h.timestamp_resolution == 0) chk.Fail(code::kBadField, "timestamp resolution", "> 0", "0");
  if (s.digital.analog != nullptr && s.digital.count > 0 && (h.is_v3() || h.bytes_in_data_packets < 20))
    chk.Fail(code::kRange, "analog values need a 2.x file with packets of at least 20 bytes",
             "spec 2.x and packet size >= 20", h.version_string() + ", " + std::to_string(h.bytes_in_data_packets));
}

}  // namespace

void WriteNev(const std::string& path, const NevWriteSpec& spec) {
  Checker chk(path);
  CheckSpec(spec, chk);
  const std::vector<uint8_t> headers = EncodeHeaders(spec.header, chk);
  PacketEncoder enc(spec, chk);
  AtomicFile out(path);
  out.Append(headers.data(), headers.size());

  // Merge the three streams by timestamp; ties go digital, spike, comment. Taking the smallest head keeps each
  // stream's own order even when it is not sorted (e.g. after a reset), so reading back gives the same columns.
  uint64_t d = 0, sp = 0, c = 0;
  const uint64_t nd = spec.digital.count, ns = spec.spikes.count, nc = spec.comments.size();
  constexpr uint64_t kNone = ~0ull;
  while (d < nd || sp < ns || c < nc) {
    const uint64_t td = d < nd ? spec.digital.timestamps[d] : kNone;
    const uint64_t ts = sp < ns ? spec.spikes.timestamps[sp] : kNone;
    const uint64_t tc = c < nc ? spec.comments[c].timestamp : kNone;
    const uint8_t* p;
    if (d < nd && td <= ts && td <= tc) {
      p = enc.Digital(d++);
    } else if (sp < ns && ts <= tc) {
      p = enc.Spike(sp++);
    } else {
      p = enc.Comment(spec.comments[c++]);
    }
    out.Append(p, enc.P());
  }
  out.Commit();
}

}  // namespace rpl::nev
