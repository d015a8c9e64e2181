#include "io/nsx_writer.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>
#include <vector>

#include "common/format_error.h"
#include "simd/deinterleave.h"

namespace rpl::nsx {

namespace {

// Buffered writer on a file descriptor that owns the temporary file until Commit() renames it.
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path) : path_(path) {
    static std::atomic<uint64_t> counter{0};  // unique temp names across threads of one process
    const size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    temp_ = dir + "." + base + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) Fail("cannot create the temporary output file " + temp_, errno);
    buf_.reserve(kBuffer);
  }
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());  // never leave a partial file behind
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Put(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    if (buf_.size() + n > kBuffer) Flush();
    if (n >= kBuffer) {
      WriteAll(b, n);
    } else {
      buf_.insert(buf_.end(), b, b + n);
    }
  }
  template <typename T>
  void Pod(T v) {
    Put(&v, sizeof v);  // little-endian host (x86-64, aarch64), like the reader
  }
  void Fixed(const std::string& s, size_t width) {
    std::string f = s.substr(0, width);
    f.resize(width, '\0');
    Put(f.data(), width);
  }
  uint64_t written() const { return written_ + buf_.size(); }

  void Commit() {
    Flush();
    if (::fsync(fd_) != 0) Fail("cannot flush the output file to disk", errno);
    if (::close(fd_) != 0) {
      fd_ = -1;
      Fail("cannot close the output file", errno);
    }
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0) Fail("cannot rename the temporary file into place", errno);
    committed_ = true;
  }

 private:
  static constexpr size_t kBuffer = 4 << 20;

  void Flush() {
    WriteAll(buf_.data(), buf_.size());
    buf_.clear();
  }
  void WriteAll(const uint8_t* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) Fail("cannot write the output file", errno);
      p += w;
      n -= static_cast<size_t>(w);
      written_ += static_cast<uint64_t>(w);
    }
  }
  [[noreturn]] void Fail(const std::string& what, int err) {
    throw FormatError(code::kWrite, path_, written_, what, "a writable directory with free space",
                      std::strerror(err), "Check the output directory's permissions and free space.");
  }

  std::string path_;
  std::string temp_;
  int fd_ = -1;
  bool committed_ = false;
  uint64_t written_ = 0;
  std::vector<uint8_t> buf_;
};

void Check(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("writeNsx: " + what);
}

void WriteHeader21(AtomicFile& f, const WriterSpec& s) {
  f.Put("NEURALSG", 8);
  f.Fixed(s.label, 16);
  f.Pod<uint32_t>(s.period);
  f.Pod<uint32_t>(static_cast<uint32_t>(s.channels.size()));
  for (const WriterChannel& c : s.channels) f.Pod<uint32_t>(c.electrode_id);
}

void WriteHeader(AtomicFile& f, const WriterSpec& s) {
  const bool v3 = s.version == Version::k30;
  const std::string id = v3 ? (s.file_id.empty() ? "BRSMPGRP" : s.file_id) : "NEURALCD";
  Check(id == "BRSMPGRP" || id == "NEURALCD", "file id must be BRSMPGRP or NEURALCD");
  f.Put(id.data(), 8);
  f.Pod<uint8_t>(v3 ? 3 : 2);
  f.Pod<uint8_t>(s.version == Version::k22 ? 2 : s.version == Version::k23 ? 3 : 0);
  f.Pod<uint32_t>(static_cast<uint32_t>(kBasicHeader + kExtHeader * s.channels.size()));
  f.Fixed(s.label, 16);
  f.Fixed(s.comment, 256);
  f.Pod<uint32_t>(s.period);
  f.Pod<uint32_t>(s.timestamp_resolution);
  const TimeOrigin& t = s.time_origin;
  for (uint16_t v : {t.year, t.month, t.day_of_week, t.day, t.hour, t.minute, t.second, t.millisecond}) f.Pod(v);
  f.Pod<uint32_t>(static_cast<uint32_t>(s.channels.size()));
  for (const WriterChannel& c : s.channels) {
    f.Put("CC", 2);
    f.Pod<uint16_t>(static_cast<uint16_t>(c.electrode_id));
    f.Fixed(c.label, 16);
    f.Pod(c.physical_connector);
    f.Pod(c.connector_pin);
    f.Pod(c.min_digital);
    f.Pod(c.max_digital);
    f.Pod(c.min_analog);
    f.Pod(c.max_analog);
    f.Fixed(c.units, 16);
    f.Pod(c.hi_freq_corner);
    f.Pod(c.hi_freq_order);
    f.Pod(c.hi_freq_type);
    f.Pod(c.lo_freq_corner);
    f.Pod(c.lo_freq_order);
    f.Pod(c.lo_freq_type);
  }
}

// Interleaves one segment's channel arrays into rows and hands them to `emit(rows, n)` in chunks of ~1 MiB.
template <typename Emit>
void ForEachChunk(const WriterSegment& seg, size_t nch, Emit emit) {
  const uint64_t chunk = std::max<uint64_t>(1, (1u << 20) / (2 * nch));
  std::vector<int16_t> rows(chunk * nch);
  std::vector<const int16_t*> in(nch);
  for (uint64_t t0 = 0; t0 < seg.sample_count; t0 += chunk) {
    const uint64_t n = std::min(chunk, seg.sample_count - t0);
    for (size_t c = 0; c < nch; ++c) in[c] = seg.data[c] + t0;
    simd::Interleave(in.data(), nch, n, rows.data());
    emit(t0, rows.data(), n);
  }
}

}  // namespace

uint64_t WriteNsx(const std::string& path, const WriterSpec& s) {
  const size_t nch = s.channels.size();
  Check(nch > 0, "at least one channel is required");
  Check(s.period > 0, "period must be >= 1");
  Check(!s.ptp || (s.version == Version::k30 && s.timestamp_resolution == kPtpResolution),
        "PTP files must be version 3.0 with timestamp resolution 1e9");
  Check(s.version != Version::k21 || s.segments.size() == 1, "a 2.1 file holds exactly one segment");
  for (const WriterSegment& seg : s.segments) Check(seg.data.size() == nch, "one data array per channel");

  AtomicFile f(path);
  if (s.version == Version::k21) {
    WriteHeader21(f, s);
  } else {
    WriteHeader(f, s);
  }
  const size_t row_bytes = 2 * nch;
  for (const WriterSegment& seg : s.segments) {
    if (s.version == Version::k21) {
      ForEachChunk(seg, nch, [&](uint64_t, const int16_t* rows, uint64_t n) { f.Put(rows, n * row_bytes); });
    } else if (s.ptp) {
      // One packet per sample: reserved 0x01, u64 ns timestamp, u32 1, the sample's N values.
      ForEachChunk(seg, nch, [&](uint64_t t0, const int16_t* rows, uint64_t n) {
        for (uint64_t i = 0; i < n; ++i) {
          const uint64_t k = t0 + i;
          const uint64_t ts = seg.ptp_timestamps != nullptr
                                  ? seg.ptp_timestamps[k]
                                  : seg.timestamp + static_cast<uint64_t>(static_cast<unsigned __int128>(k) *
                                                                          s.period * s.timestamp_resolution / 30000);
          f.Pod<uint8_t>(1);
          f.Pod<uint64_t>(ts);
          f.Pod<uint32_t>(1);
          f.Put(rows + i * nch, row_bytes);
        }
      });
    } else {
      Check(seg.sample_count <= UINT32_MAX, "a data block holds at most 2^32-1 samples");
      f.Pod<uint8_t>(1);
      if (s.version == Version::k30) {
        f.Pod<uint64_t>(seg.timestamp);
      } else {
        Check(seg.timestamp <= UINT32_MAX, "2.x block timestamps are 32-bit");
        f.Pod<uint32_t>(static_cast<uint32_t>(seg.timestamp));
      }
      f.Pod<uint32_t>(static_cast<uint32_t>(seg.sample_count));
      ForEachChunk(seg, nch, [&](uint64_t, const int16_t* rows, uint64_t n) { f.Put(rows, n * row_bytes); });
    }
  }
  const uint64_t size = f.written();
  f.Commit();
  return size;
}

}  // namespace rpl::nsx
