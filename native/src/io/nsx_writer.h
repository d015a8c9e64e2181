// NSx writer: versions 2.1, 2.2, 2.3 and 3.0 (standard blocks or PTP packets), any number of segments
// (pauses; a clock reset is simply a later segment with a smaller timestamp), arbitrary channel headers.
//
// The file is written to a temporary name in the destination directory, flushed to disk, then renamed over
// the destination, so a reader never sees a half-written file and a failed write leaves no output behind.
#ifndef RPLPIPE_IO_NSX_WRITER_H_
#define RPLPIPE_IO_NSX_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "io/nsx_header.h"

namespace rpl::nsx {

struct WriterChannel {
  uint32_t electrode_id = 0;  // u16 in 2.2+ (the caller validates), u32 in 2.1
  std::string label;          // <= 16 bytes (2.2+; ignored in 2.1)
  uint8_t physical_connector = 0;
  uint8_t connector_pin = 0;
  int16_t min_digital = -32764, max_digital = 32764, min_analog = -8191, max_analog = 8191;
  std::string units = "uV";  // <= 16 bytes
  uint32_t hi_freq_corner = 0, hi_freq_order = 0;
  uint16_t hi_freq_type = 0;
  uint32_t lo_freq_corner = 0, lo_freq_order = 0;
  uint16_t lo_freq_type = 0;
};

struct WriterSegment {
  uint64_t timestamp = 0;                 // first sample (u32 range in 2.x); ignored in 2.1
  uint64_t sample_count = 0;
  std::vector<const int16_t*> data;       // one array of sample_count values per channel
  const uint64_t* ptp_timestamps = nullptr;  // PTP: per-sample ns timestamps (optional, see WriteNsx)
};

struct WriterSpec {
  Version version = Version::k23;
  std::string file_id;  // 3.0 only: "BRSMPGRP" (default when empty) or "NEURALCD"
  bool ptp = false;     // 3.0 only: one-sample packets with ns timestamps; timestamp_resolution must be 1e9
  std::string label;    // <= 16 bytes
  std::string comment;  // <= 256 bytes
  uint32_t period = 1;
  uint32_t timestamp_resolution = 30000;
  TimeOrigin time_origin;
  std::vector<WriterChannel> channels;
  std::vector<WriterSegment> segments;  // 2.1: exactly one
};

// Writes `spec` to `path` atomically (temp file + fsync + rename). PTP segments without ptp_timestamps get
// timestamp + floor(i * period * resolution / 30000) for sample i. Returns the file size.
// Throws FormatError(ERR_WRITE) for I/O failures and std::invalid_argument for a spec the format cannot
// hold (the TS layer validates first).
uint64_t WriteNsx(const std::string& path, const WriterSpec& spec);

}  // namespace rpl::nsx

#endif  // RPLPIPE_IO_NSX_WRITER_H_
