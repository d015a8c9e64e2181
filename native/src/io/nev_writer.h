// NEV writer (spec 2.1, 2.2, 2.3, 3.0): basic header, extended headers, digital, spike and comment packets.
//
// Used for test fixtures and for re-writing recordings (e.g. after fixing a header); it writes exactly what
// NevReader reads back. Packet columns are borrowed views (the JS typed arrays), never copied. The file is
// written under a temporary name in the same directory, fsynced and renamed, so a crash or a full disk
// never leaves a half-written .nev under the final name.
#ifndef RPLPIPE_IO_NEV_WRITER_H_
#define RPLPIPE_IO_NEV_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "io/nev_header.h"

namespace rpl::nev {

struct DigitalEventsIn {
  uint64_t count = 0;
  const uint64_t* timestamps = nullptr;
  const uint8_t* reasons = nullptr;
  const uint16_t* values = nullptr;
  const int16_t* analog = nullptr;  // optional, 5 per event (2.x only; needs packets of >= 20 bytes)
};

struct SpikesIn {
  uint64_t count = 0;
  const uint64_t* timestamps = nullptr;
  const uint16_t* electrodes = nullptr;  // packet ids 1..16384
  const uint8_t* units = nullptr;
  const int16_t* waveforms = nullptr;  // count x samples_per_waveform
  uint32_t samples_per_waveform = 0;
};

struct CommentIn {
  uint64_t timestamp = 0;
  uint8_t char_set = 0, flag = 0;
  uint32_t color = 0;
  std::string text;  // already encoded bytes (latin-1 or UTF-16LE)
};

struct NevWriteSpec {
  // Used fields: file_id, version_major/minor, additional_flags, bytes_in_data_packets, timestamp and sample
  // resolution, time_origin, application, comment, processor_timestamp and all extended-header vectors
  // except `unknown`. bytes_in_headers and the extended-header count are computed.
  NevHeader header;
  DigitalEventsIn digital;
  SpikesIn spikes;
  std::vector<CommentIn> comments;
};

// Throws FormatError: ERR_RANGE for data that does not fit the format (a 2.x timestamp >= 2^32, a waveform
// longer than the packet, an int8 electrode sample outside -128..127, ...), ERR_BAD_FIELD /
// ERR_UNSUPPORTED_VERSION for an impossible header, ERR_WRITE when the file cannot be written.
void WriteNev(const std::string& path, const NevWriteSpec& spec);

}  // namespace rpl::nev

#endif  // RPLPIPE_IO_NEV_WRITER_H_
