#include "io/nsx_reader.h"

#include <algorithm>
#include <cstring>

#include "common/format_error.h"
#include "simd/deinterleave.h"

namespace rpl::nsx {

namespace {

constexpr uint64_t kPtpPacketHeader = 13;  // u8 reserved, u64 ns timestamp, u32 num_data_points (= 1)

std::string Num(uint64_t v) { return std::to_string(v); }

}  // namespace

Reader::Reader(const std::string& path, const ReaderOptions& options) : file_(path), options_(options) {
  const ByteView v = file_.view();
  header_ = ParseHeader(v, options_.has_digitization ? &options_.digitization : nullptr);
  const uint64_t n = header_.channels.size();
  if (header_.version == Version::k21) {
    // One block without a header: every whole sample after the electrode id list.
    stride_ = 2 * n;
    const uint64_t data = v.size() - header_.header_bytes;  // ParseHeader checked header_bytes <= size
    Segment s;
    s.sample_count = data / stride_;
    s.data_offset = header_.header_bytes;
    trailing_bytes_ = data % stride_;
    segments_.push_back(s);
  } else if (LooksPtp()) {
    stride_ = kPtpPacketHeader + 2 * n;
    try {
      ScanPtp();
      ptp_ = true;
    } catch (const FormatError& e) {
      if (e.code() != code::kBadBlockHeader) throw;
      // neo looks at the first packet only, so a standard 3.0 file with ns timestamps whose first block holds
      // one sample passes its PTP test too. Read such a file as blocks; if that fails as well, the PTP
      // diagnosis is the useful one.
      segments_.clear();
      trailing_bytes_ = 0;
      stride_ = 2 * n;
      try {
        ScanBlocks();
      } catch (const FormatError&) {
        throw e;
      }
    }
  } else {
    stride_ = 2 * n;
    ScanBlocks();
  }
  if (options_.neo_compatible) ApplyNeoRules();
}

// neo: PTP when timestamp_resolution == 1e9 and the first packet holds exactly one sample; otherwise the
// file is parsed as standard blocks. We require spec 3.0 too (PTP exists only there; §2.6).
bool Reader::LooksPtp() const {
  if (header_.version != Version::k30 || header_.timestamp_resolution != kPtpResolution) return false;
  const ByteView v = file_.view();
  const uint64_t at = header_.header_bytes;
  if (v.size() - at < kPtpPacketHeader) return v.size() == at;  // no data at all: an empty PTP file
  return v.U32(at + 9, "the first PTP packet's sample count") == 1;
}

void Reader::ScanBlocks() {
  const ByteView v = file_.view();
  const bool wide = header_.version == Version::k30;  // u64 timestamps in 3.0 (neo: ver_major >= 3)
  const uint64_t block_header = wide ? 13 : 9;
  uint64_t off = header_.header_bytes;
  for (uint64_t index = 0; off < v.size(); ++index) {
    if (v.size() - off < block_header)
      throw FormatError(code::kTruncated, v.file(), off,
                        "file ends inside the header of data block " + Num(index),
                        Num(block_header) + " header bytes", Num(v.size() - off) + " bytes",
                        "The recording was probably cut short (copy interrupted or acquisition crashed); the "
                        "blocks before it are intact but this reader needs a complete file.");
    const uint8_t flag = v.U8(off, "a data block header flag");
    if (flag != 1)
      throw FormatError(code::kBadBlockHeader, v.file(), off,
                        "data block " + Num(index) + " does not start with header flag 1", "1", Num(flag),
                        "The block structure is damaged, or an old Central (6.01) did not write the sample count "
                        "back (NPMK recovers such files from the file size; neo >= 0.14.3 also refuses them).");
    Segment s;
    s.block_index = index;
    s.timestamp = wide ? v.U64(off + 1, "a block timestamp") : v.U32(off + 1, "a block timestamp");
    s.t_start = static_cast<double>(s.timestamp) / static_cast<double>(header_.timestamp_resolution);
    s.sample_count = v.U32(off + (wide ? 9 : 5), "a block sample count");
    s.data_offset = off + block_header;
    const uint64_t bytes = s.sample_count * stride_;  // < 2^32 * 2^17: no overflow
    if (bytes > v.size() - s.data_offset)
      throw FormatError(code::kBlockPastEof, v.file(), off,
                        "data block " + Num(index) + " (header at byte " + Num(off) + ", " +
                            Num(s.sample_count) + " samples x " + Num(header_.channels.size()) +
                            " channels) runs past the end of the file",
                        Num(bytes) + " data bytes", Num(v.size() - s.data_offset) + " bytes left",
                        "The file is truncated (incomplete copy, or the acquisition stopped before the block was "
                        "closed); neo fails on it too. Re-copy the file; blocks before this one are intact.");
    segments_.push_back(s);
    off = s.data_offset + bytes;
  }
}

void Reader::ScanPtp() {
  const ByteView v = file_.view();
  const uint64_t data = v.size() - header_.header_bytes;
  const uint64_t packets = data / stride_;  // neo: floor; a partial last packet is ignored
  trailing_bytes_ = data % stride_;
  if (packets == 0) return;
  const double res = static_cast<double>(header_.timestamp_resolution);
  // neo's rule, in the same double arithmetic: gap where ts[i]/res - ts[i-1]/res > 2/sampling_rate, and, with
  // a tolerance, also > tolerance_ms / 1000. Backward steps are never gaps.
  const double detect = 2.0 / header_.sampling_rate();
  const bool tolerant = !std::isnan(options_.gap_tolerance_ms);
  const double tolerance = options_.gap_tolerance_ms / 1000.0;
  auto packet_at = [&](uint64_t i) { return header_.header_bytes + i * stride_; };
  auto start_segment = [&](uint64_t i, uint64_t ts) {
    Segment s;
    s.block_index = i;
    s.timestamp = ts;
    s.t_start = static_cast<double>(ts) / res;
    s.data_offset = packet_at(i) + kPtpPacketHeader;
    segments_.push_back(s);
  };
  uint64_t prev = v.U64(packet_at(0) + 1, "a PTP timestamp");
  start_segment(0, prev);
  for (uint64_t i = 1; i < packets; ++i) {
    const uint64_t at = packet_at(i);
    const uint32_t points = v.U32(at + 9, "a PTP packet sample count");
    if (points != 1)
      throw FormatError(code::kBadBlockHeader, v.file(), at,
                        "PTP packet " + Num(i) + " does not hold exactly one sample", "num_data_points 1",
                        Num(points),
                        "The file mixes PTP packets with standard blocks, or is damaged; it cannot be read as "
                        "one-sample packets.");
    const uint64_t ts = v.U64(at + 1, "a PTP timestamp");
    const double step = static_cast<double>(ts) / res - static_cast<double>(prev) / res;
    if (step > detect && (!tolerant || step > tolerance)) {
      segments_.back().sample_count = i - segments_.back().block_index;
      start_segment(i, ts);
    }
    prev = ts;
  }
  segments_.back().sample_count = packets - segments_.back().block_index;
}

void Reader::ApplyNeoRules() {
  if (header_.version == Version::k21) {
    // neo: num_samples = (filesize - header) / (2N) - 1.
    Segment& s = segments_.front();
    s.sample_count = s.sample_count > 0 ? s.sample_count - 1 : 0;
  }
  // neo _delete_empty_segments: a segment with < 2 samples is removed.
  segments_.erase(std::remove_if(segments_.begin(), segments_.end(),
                                 [](const Segment& s) { return s.sample_count < 2; }),
                  segments_.end());
}

void Reader::CheckRequest(const uint32_t* cols, size_t ncols, uint64_t segment, uint64_t start,
                          uint64_t count) const {
  const std::string& f = header_.path;
  if (segment >= segments_.size())
    throw FormatError(code::kRange, f, 0, "segment index out of range",
                      "a segment index < " + Num(segments_.size()), Num(segment),
                      "List the segments in the header first.");
  const Segment& s = segments_[segment];
  if (start > s.sample_count || count > s.sample_count - start)
    throw FormatError(code::kRange, f, s.data_offset,
                      "sample range outside segment " + Num(segment),
                      "start + count <= " + Num(s.sample_count), "start " + Num(start) + ", count " + Num(count),
                      "Sample positions are relative to the segment start; see the segment's sample count.");
  for (size_t k = 0; k < ncols; ++k)
    if (cols[k] >= header_.channels.size())
      throw FormatError(code::kRange, f, 0, "channel index out of range",
                        "a channel index < " + Num(header_.channels.size()), Num(cols[k]),
                        "Channels are addressed by column index (0..N-1), not by electrode id.");
  // Belt and braces: the whole strided range lies inside the mapping (the scan guarantees it).
  if (count > 0) file_.view().Need(s.data_offset + (start + count - 1) * stride_, 2 * header_.channels.size(),
                                   "the requested samples");
}

void Reader::ReadRaw(const uint32_t* cols, size_t ncols, uint64_t segment, uint64_t start, uint64_t count,
                     int16_t* const* out) const {
  CheckRequest(cols, ncols, segment, start, count);
  if (count == 0 || ncols == 0) return;
  // No madvise here: MADV_SEQUENTIAL lets the kernel drop pages behind the reader, which halves the speed of
  // repeated reads from a warm page cache; default readahead already serves a cold sequential pass.
  const uint64_t first = segments_[segment].data_offset + start * stride_;
  simd::DeinterleaveRaw(simd::RowBlock{file_.data() + first, stride_, count}, cols, ncols, out);
}

void Reader::ReadScaled(const uint32_t* cols, size_t ncols, uint64_t segment, uint64_t start, uint64_t count,
                        float* const* out) const {
  CheckRequest(cols, ncols, segment, start, count);
  std::vector<simd::Scale> scales(ncols);
  bool add_offset = false;
  for (size_t k = 0; k < ncols; ++k) {
    const Channel& c = header_.channels[cols[k]];
    if (std::isnan(c.gain))
      throw FormatError(code::kBadField, header_.path, 0,
                        "channel " + Num(cols[k]) + " (electrode " + Num(c.electrode_id) +
                            ") has no defined scaling",
                        "max_digital != min_digital", "both " + std::to_string(static_cast<int>(c.min_digital)),
                        "Read it raw (readRaw) and scale it yourself; neo cannot open this file at all.");
    scales[k] = simd::Scale{c.gain, c.offset};
    add_offset = add_offset || c.offset != 0.0;  // neo: `if np.any(offset != 0): += offset` per selection
  }
  if (count == 0 || ncols == 0) return;
  const uint64_t first = segments_[segment].data_offset + start * stride_;
  simd::DeinterleaveScaled(simd::RowBlock{file_.data() + first, stride_, count}, cols, ncols, scales.data(),
                           add_offset, out);
}

void Reader::PtpTimestamps(uint64_t segment, uint64_t start, uint64_t count, uint64_t* out) const {
  if (!ptp_)
    throw FormatError(code::kRange, header_.path, 0, "per-sample timestamps requested from a non-PTP file",
                      "a 3.0 PTP file (timestamp_resolution 1e9)",
                      "timestamp_resolution " + Num(header_.timestamp_resolution),
                      "Standard files have one timestamp per segment: use segment.timestamp.");
  CheckRequest(nullptr, 0, segment, start, count);
  const ByteView v = file_.view();
  // data_offset points at the samples; the timestamp sits 12 bytes before them in each packet.
  uint64_t at = segments_[segment].data_offset + start * stride_ - (kPtpPacketHeader - 1);
  for (uint64_t i = 0; i < count; ++i, at += stride_) out[i] = v.U64(at, "a PTP timestamp");
}

}  // namespace rpl::nsx
