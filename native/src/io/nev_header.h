// NEV (.nev) basic header (336 bytes) and 32-byte extended headers: typed structs and the parser.
//
// Layouts: spec/nsx-format.md §3.1–3.2. The parser validates everything a later packet read depends on
// (file id, version, header length, packet size), so NevReader can trust the header afterwards. Strings
// are raw bytes (the JS layer decodes them as latin-1, so no byte is lost or replaced).
#ifndef RPLPIPE_IO_NEV_HEADER_H_
#define RPLPIPE_IO_NEV_HEADER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/byte_cursor.h"

namespace rpl::nev {

inline constexpr uint64_t kBasicHeaderBytes = 336;
inline constexpr uint64_t kExtHeaderBytes = 32;
inline constexpr uint16_t kDigitalPacketId = 0;
inline constexpr uint16_t kCommentPacketId = 0xFFFF;
// Every electrode-like id Blackrock (NSP 2+: up to 16384) and Ripple (recording 1..512, stim 5121..,
// analog I/O 10241..) use. neo keeps only 1..255 (2.1/2.2) or 1..2048 (2.3/3.0); the TS layer offers that
// selection, the core keeps everything.
inline constexpr uint16_t kMaxSpikePacketId = 16384;

struct TimeOrigin {
  uint16_t year = 0, month = 0, day_of_week = 0, day = 0, hour = 0, minute = 0, second = 0, millisecond = 0;
};

// NEUEVWAV. On Ripple files bytes 22..25 hold a float stim digitization factor where Blackrock 2.3+ has
// spike_width (u16 at 22); like neo we read spike_width and only use it for 2.3/3.0.
struct WaveformHeader {
  uint16_t electrode_id = 0;
  uint8_t physical_connector = 0, connector_pin = 0;
  uint16_t digitization_factor = 0, energy_threshold = 0;
  int16_t high_threshold = 0, low_threshold = 0;
  uint8_t sorted_units = 0, bytes_per_sample = 0;
  uint16_t spike_width = 0;
};
struct ElectrodeLabel {  // NEUEVLBL
  uint16_t electrode_id = 0;
  std::string label;
};
struct ElectrodeFilter {  // NEUEVFLT; corners in mHz
  uint16_t electrode_id = 0;
  uint32_t high_freq_corner = 0, high_freq_order = 0;
  uint16_t high_freq_type = 0;
  uint32_t low_freq_corner = 0, low_freq_order = 0;
  uint16_t low_freq_type = 0;
};
struct DigitalLabel {  // DIGLABEL; mode 0 serial, 1 parallel
  std::string label;
  uint8_t mode = 0;
};
struct NsasExev {  // NSASEXEV (2.1/2.2): periodic sampling and analog edge detection
  uint16_t frequency = 0;
  uint8_t digital_input_config = 0;
  uint8_t analog_config[5] = {0, 0, 0, 0, 0};
  uint16_t analog_edge_detect[5] = {0, 0, 0, 0, 0};
};
struct TextHeader {  // ARRAYNME, ECOMMENT, CCOMMENT, MAPFILE: 24-byte text
  std::string id;
  std::string text;
};
struct VideoSource {  // VIDEOSYN
  uint16_t source_id = 0;
  std::string source;
  float frame_rate = 0;
};
struct TrackableObject {  // TRACKOBJ (neo's layout: 10 is a u16 id)
  uint16_t type = 0, id = 0, point_count = 0;
  std::string source;
};
struct UnknownHeader {  // kept, not an error: later specs add ids
  std::string id;
  uint64_t offset = 0;
};

struct NevHeader {
  std::string file_id;  // "NEURALEV" or "BREVENTS"
  uint8_t version_major = 0, version_minor = 0;
  uint16_t additional_flags = 0;
  uint32_t bytes_in_headers = 0, bytes_in_data_packets = 0;
  uint32_t timestamp_resolution = 0, sample_resolution = 0;
  TimeOrigin time_origin;
  std::string application;
  std::string comment;               // up to the first NUL (see nev_header.cc)
  uint32_t processor_timestamp = 0;  // Ripple: u32 at 328 (inside Blackrock's comment field)
  uint32_t ext_header_count = 0;

  std::vector<WaveformHeader> waveforms;
  std::vector<ElectrodeLabel> labels;
  std::vector<ElectrodeFilter> filters;
  std::vector<DigitalLabel> digital_labels;
  std::vector<NsasExev> nsas_exev;
  std::vector<TextHeader> text_headers;
  std::vector<VideoSource> video_sources;
  std::vector<TrackableObject> trackable_objects;
  std::vector<UnknownHeader> unknown;

  uint64_t file_size = 0;
  uint64_t packet_count = 0;    // floor((file_size - bytes_in_headers) / P)
  uint64_t trailing_bytes = 0;  // partial packet at the end, ignored

  bool is_v3() const { return version_major >= 3; }
  uint32_t timestamp_bytes() const { return is_v3() ? 8 : 4; }
  uint32_t payload_offset() const { return is_v3() ? 10 : 6; }  // first byte after packet id
  std::string version_string() const {
    return std::to_string(version_major) + "." + std::to_string(version_minor);
  }
  bool waveforms_forced_int16() const { return (additional_flags & 1) != 0; }
};

// Smallest packet: timestamp + packet id + reason/unit byte + reserved byte + the u16 digital word.
inline uint32_t MinPacketBytes(bool v3) { return v3 ? 14 : 10; }

// Parses and validates the header; throws FormatError (ERR_TRUNCATED, ERR_BAD_MAGIC,
// ERR_UNSUPPORTED_VERSION, ERR_HEADER_LENGTH, ERR_BAD_FIELD).
NevHeader ParseNevHeader(const ByteView& v);

}  // namespace rpl::nev

#endif  // RPLPIPE_IO_NEV_HEADER_H_
