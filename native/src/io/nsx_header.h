// NSx (.ns1-.ns6) file headers: version detection, basic header, per-channel CC extended headers, and the
// per-channel scaling neo derives from them. Layouts: shared spec nsx-format.md §2.1-§2.4.
//
// Everything is read through ByteView, so a short or corrupt file gives a typed FormatError (never an
// out-of-bounds read). Strings keep neo's rule: only trailing NULs are stripped (§1).
#ifndef RPLPIPE_IO_NSX_HEADER_H_
#define RPLPIPE_IO_NSX_HEADER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/byte_cursor.h"

namespace rpl::nsx {

// File specs neo knows. 2.1 = NEURALSG; 2.2/2.3 = NEURALCD; 3.0 = BRSMPGRP or NEURALCD with major 3.
enum class Version { k21, k22, k23, k30 };
const char* VersionName(Version v);

inline constexpr uint64_t kBasicHeader21 = 32;    // NEURALSG header before the u32 electrode ids
inline constexpr uint64_t kBasicHeader = 314;     // 2.2+ basic header
inline constexpr uint64_t kExtHeader = 66;        // one CC header per channel
inline constexpr uint32_t kPtpResolution = 1000000000;  // 3.0 PTP files: nanosecond timestamps

struct Channel {
  std::string type;  // "CC" (2.2+); empty for 2.1
  uint32_t electrode_id = 0;
  std::string label;  // raw bytes, trailing NULs stripped
  uint8_t physical_connector = 0;
  uint8_t connector_pin = 0;
  // int16 in the file (2.2+). For 2.1 they are derived from the NEV digitization factor as neo does
  // (digital -/+1000, analog -/+factor), analog NaN when no factor is known.
  double min_digital = 0, max_digital = 0, min_analog = 0, max_analog = 0;
  std::string units;
  uint32_t hi_freq_corner = 0, hi_freq_order = 0;  // corner in mHz
  uint16_t hi_freq_type = 0;
  uint32_t lo_freq_corner = 0, lo_freq_order = 0;
  uint16_t lo_freq_type = 0;
  // neo's linear map raw -> units (§2.4). NaN when max_digital == min_digital (neo raises
  // ZeroDivisionError there; we keep the file readable as raw and refuse only scaled reads of that channel).
  double gain = 1, offset = 0;
};

struct TimeOrigin {
  uint16_t year = 0, month = 0, day_of_week = 0, day = 0, hour = 0, minute = 0, second = 0, millisecond = 0;
};

struct Header {
  std::string path;
  std::string file_id;  // "NEURALSG", "NEURALCD" or "BRSMPGRP"
  Version version = Version::k22;
  uint8_t ver_major = 0, ver_minor = 0;  // 2.1 has none in the file: reported as 2, 1
  std::string label;
  std::string comment;      // 256-byte comment up to its first NUL (Central leaves garbage after it)
  std::string comment_raw;  // all 256 bytes (Ripple: application, comment, processor timestamp at 252)
  uint32_t period = 1;
  uint32_t timestamp_resolution = 30000;  // 2.1: implicit 30000
  bool has_time_origin = false;           // false for 2.1
  TimeOrigin time_origin;
  uint64_t header_bytes = 0;  // offset of the first data byte
  uint64_t file_size = 0;
  std::vector<Channel> channels;

  // neo: sampling_rate = 30000 / period, never timestamp_resolution / period (§1).
  double sampling_rate() const { return 30000.0 / static_cast<double>(period); }
};

// Electrode id -> NEV NEUEVWAV digitization factor (nV/bit, raw u16 value as stored in the NEV).
using DigitizationMap = std::map<uint32_t, double>;

// Parses basic + extended headers of the file in `view`. `digitization` (may be null) scales 2.1 files.
// Throws FormatError: ERR_TRUNCATED, ERR_BAD_MAGIC, ERR_UNSUPPORTED_VERSION, ERR_NO_CHANNELS,
// ERR_HEADER_LENGTH, ERR_BAD_FIELD.
Header ParseHeader(const ByteView& view, const DigitizationMap* digitization);

// neo's gain/offset from the digital/analog ranges, in double, in neo's operation order.
void ComputeScaling(Channel& ch);

}  // namespace rpl::nsx

#endif  // RPLPIPE_IO_NSX_HEADER_H_
