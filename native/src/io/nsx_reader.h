// NSx reader: maps the file, parses the headers, finds every data segment, and reads any channel subset and
// sample range of one segment into caller-owned per-channel arrays (raw int16 or neo-scaled float32).
//
// Segments (shared spec nsx-format.md §2.5-§2.7):
//  - 2.1: one segment at timestamp 0 holding every whole sample in the file (neo: one fewer).
//  - 2.2/2.3/3.0: one segment per data block, in file order, including 0/1-sample blocks and blocks whose
//    timestamp goes backwards (clock resets), exactly as neo before its empty-segment deletion.
//  - 3.0 PTP (timestamp_resolution 1e9, one sample per packet): the packet stream is split where the step
//    between consecutive timestamps exceeds 2 sample periods (neo's detection threshold) and, when
//    gap_tolerance_ms is set, also exceeds that tolerance (neo's gap_tolerance_ms). neo raises on any gap
//    when no tolerance is given; we split. A file that fails as PTP but parses as blocks is read as blocks.
// With neo_compatible, the list is what neo's BlackrockRawIO reports for this file alone: segments with
// fewer than 2 samples are dropped and 2.1 loses its last sample.
#ifndef RPLPIPE_IO_NSX_READER_H_
#define RPLPIPE_IO_NSX_READER_H_

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/mapped_file.h"
#include "io/nsx_header.h"

namespace rpl::nsx {

struct Segment {
  uint64_t block_index = 0;   // data block it came from (PTP: index of its first packet)
  uint64_t timestamp = 0;     // first sample's timestamp in file ticks (2.1: 0)
  double t_start = 0;         // timestamp / timestamp_resolution, as neo's get_signal_t_start
  uint64_t sample_count = 0;
  uint64_t data_offset = 0;   // file offset of the first sample's int16 values
};

struct ReaderOptions {
  double gap_tolerance_ms = std::nan("");  // PTP only; NaN = split at every gap > 2 sample periods
  bool neo_compatible = false;
  bool has_digitization = false;  // 2.1 scaling from the NEV
  DigitizationMap digitization;
};

class Reader {
 public:
  // Throws FormatError (see ParseHeader, plus ERR_TRUNCATED, ERR_BAD_BLOCK_HEADER, ERR_BLOCK_PAST_EOF).
  Reader(const std::string& path, const ReaderOptions& options);

  const Header& header() const { return header_; }
  const std::vector<Segment>& segments() const { return segments_; }
  bool ptp() const { return ptp_; }
  // Bytes between samples in the file: 2N (standard) or 13 + 2N (PTP packets).
  uint64_t row_stride() const { return stride_; }
  // Bytes after the last whole sample/packet that belong to no segment (2.1 and PTP only).
  uint64_t trailing_bytes() const { return trailing_bytes_; }

  // Reads samples [start, start + count) of segment `segment` for channel indices cols[0..ncols) into
  // out[k][0..count). Throws FormatError(ERR_RANGE) for a request outside the data; scaled reads also
  // ERR_BAD_FIELD for a channel whose gain is undefined (max_digital == min_digital).
  void ReadRaw(const uint32_t* cols, size_t ncols, uint64_t segment, uint64_t start, uint64_t count,
               int16_t* const* out) const;
  void ReadScaled(const uint32_t* cols, size_t ncols, uint64_t segment, uint64_t start, uint64_t count,
                  float* const* out) const;
  // PTP only: the u64 ns timestamps of samples [start, start + count) of `segment`.
  void PtpTimestamps(uint64_t segment, uint64_t start, uint64_t count, uint64_t* out) const;
  // Throws ERR_RANGE unless the segment, sample range and channel indices exist (reads call it first).
  void CheckRequest(const uint32_t* cols, size_t ncols, uint64_t segment, uint64_t start, uint64_t count) const;

 private:
  void ScanBlocks();
  bool LooksPtp() const;
  void ScanPtp();
  void ApplyNeoRules();

  MappedFile file_;
  ReaderOptions options_;
  Header header_;
  std::vector<Segment> segments_;
  bool ptp_ = false;
  uint64_t stride_ = 0;
  uint64_t trailing_bytes_ = 0;
};

}  // namespace rpl::nsx

#endif  // RPLPIPE_IO_NSX_READER_H_
