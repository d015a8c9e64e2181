#include "io/nsx_header.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "common/format_error.h"

namespace rpl::nsx {

namespace {

// Forces a double to be rounded and stored, so the compiler cannot fuse `a * b + c` into one FMA (neo's
// numpy computes the product and the sum with two roundings; -ffp-contract would otherwise differ on FMA
// targets).
double Rounded(double v) {
  volatile double r = v;
  return r;
}

bool MagicIs(const ByteView& v, const char* magic) { return std::memcmp(v.data(), magic, 8) == 0; }

[[noreturn]] void BadMagic(const ByteView& v, const std::string& what, const std::string& hint) {
  throw FormatError(code::kBadMagic, v.file(), 0, what, "\"NEURALSG\", \"NEURALCD\" or \"BRSMPGRP\"",
                    Printable(v.data(), 8), hint);
}

Version DetectVersion(const ByteView& v, Header& h) {
  v.Need(0, 8, "the 8-byte file type id");
  h.file_id = std::string(reinterpret_cast<const char*>(v.data()), 8);
  if (MagicIs(v, "NEURALSG")) {
    h.ver_major = 2;
    h.ver_minor = 1;
    return Version::k21;
  }
  if (MagicIs(v, "NEUCDFLT"))
    BadMagic(v, "Ripple Trellis float continuous file (.nfX, NEUCDFLT) is not supported: it is not an int16 NSx file",
             "rplpipe reads int16 NSx files only (neo cannot read .nfX either); export the stream from Trellis "
             "as .nsX, or read the float file with Ripple's own tools.");
  if (MagicIs(v, "NEURALEV") || MagicIs(v, "BREVENTS"))
    BadMagic(v, "this is a NEV event file, not an NSx continuous file", "Open it with the NEV reader.");
  if (!MagicIs(v, "NEURALCD") && !MagicIs(v, "BRSMPGRP"))
    BadMagic(v, "unknown file type id", "This is not a Blackrock/Ripple NSx file (or its first bytes are damaged).");
  h.ver_major = v.U8(8, "the major version byte");
  h.ver_minor = v.U8(9, "the minor version byte");
  if (h.ver_major == 2 && h.ver_minor == 2) return Version::k22;
  if (h.ver_major == 2 && h.ver_minor == 3) return Version::k23;
  if (h.ver_major == 3 && h.ver_minor == 0) return Version::k30;
  throw FormatError(code::kUnsupportedVersion, v.file(), 8, "unsupported NSx file spec version",
                    "2.2, 2.3 or 3.0 (or NEURALSG = 2.1)",
                    std::to_string(h.ver_major) + "." + std::to_string(h.ver_minor),
                    "neo supports the same four versions; a newer Central may write a spec this reader does not "
                    "know yet: please report it with the file's first 314 bytes.");
}

void CheckPeriod(const ByteView& v, uint64_t offset, uint32_t period) {
  if (period == 0)
    throw FormatError(code::kBadField, v.file(), offset, "sampling period of 0 ticks", "a period >= 1 (30000/Hz)",
                      "0", "The header is damaged; the sampling rate cannot be derived.");
}

void ParseHeader21(const ByteView& v, const DigitizationMap* dig, Header& h) {
  h.label = v.Str(8, 16, "the sampling group label");
  h.period = v.U32(24, "the sampling period");
  const uint32_t n = v.U32(28, "the channel count");
  if (n == 0)
    throw FormatError(code::kNoChannels, v.file(), 28, "NSx 2.1 file declares no channels", "channel_count >= 1",
                      "0", "There is no data to read in this file.");
  CheckPeriod(v, 24, h.period);
  h.header_bytes = kBasicHeader21 + 4ull * n;
  v.Need(kBasicHeader21, 4ull * n, "the electrode id list (4 bytes per channel)");
  h.channels.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Channel& c = h.channels[i];
    c.electrode_id = v.U32(kBasicHeader21 + 4ull * i, "an electrode id");
    // neo's labels for 2.1 (no label in the file): chan<id> for neural, ainp<k> for analog inputs.
    c.label = c.electrode_id < 129 ? "chan" + std::to_string(c.electrode_id)
                                   : "ainp" + std::to_string(c.electrode_id - 128);
    c.min_digital = -1000;
    c.max_digital = 1000;
    auto it = dig != nullptr ? dig->find(c.electrode_id) : DigitizationMap::const_iterator{};
    if (dig != nullptr && it != dig->end()) {
      // NPMK/neo workaround: Cerebus overflowed the factor to 21516 for 152592.547 nV/bit.
      double f = it->second == 21516 ? 152592.547 : it->second;
      c.min_analog = -f;
      c.max_analog = f;
      c.units = "uV";
      ComputeScaling(c);
    } else {
      // neo without a NEV: gain 1, offset 0, units "" (and a warning). Analog range unknown.
      c.min_analog = c.max_analog = std::numeric_limits<double>::quiet_NaN();
      c.gain = 1;
      c.offset = 0;
    }
  }
}

void ParseHeader22(const ByteView& v, Header& h) {
  v.Need(0, kBasicHeader, "the 314-byte basic header");
  const uint32_t bytes_in_headers = v.U32(10, "bytes_in_headers");
  h.label = v.Str(14, 16, "the sampling group label");
  v.Need(30, 256, "the comment");
  h.comment_raw.assign(reinterpret_cast<const char*>(v.data()) + 30, 256);
  h.comment = h.comment_raw.substr(0, h.comment_raw.find('\0'));
  h.period = v.U32(286, "the sampling period");
  h.timestamp_resolution = v.U32(290, "the timestamp resolution");
  h.has_time_origin = true;
  TimeOrigin& t = h.time_origin;
  uint16_t* fields[8] = {&t.year, &t.month, &t.day_of_week, &t.day, &t.hour, &t.minute, &t.second, &t.millisecond};
  for (int i = 0; i < 8; ++i) *fields[i] = v.U16(294 + 2 * i, "the time origin");
  const uint32_t n = v.U32(310, "the channel count");
  if (n == 0)
    throw FormatError(code::kNoChannels, v.file(), 310, "NSx file declares no channels", "channel_count >= 1", "0",
                      "There is no data to read in this file.");
  const uint64_t expected = kBasicHeader + kExtHeader * n;
  if (bytes_in_headers != expected)
    throw FormatError(code::kHeaderLength, v.file(), 10, "bytes_in_headers contradicts the channel count",
                      "314 + 66 x " + std::to_string(n) + " channels = " + std::to_string(expected),
                      std::to_string(bytes_in_headers),
                      "The header is damaged (or the file is not an NSx file); the data offset cannot be trusted.");
  CheckPeriod(v, 286, h.period);
  if (h.timestamp_resolution == 0)
    throw FormatError(code::kBadField, v.file(), 290, "timestamp resolution of 0 Hz", "30000 or 1000000000 (PTP)",
                      "0", "The header is damaged; block timestamps cannot be converted to seconds.");
  h.header_bytes = expected;
  v.Need(kBasicHeader, kExtHeader * n, "the channel (CC) extended headers");
  h.channels.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t o = kBasicHeader + kExtHeader * i;
    Channel& c = h.channels[i];
    c.type = v.Str(o, 2, "a CC header type");
    c.electrode_id = v.U16(o + 2, "an electrode id");
    c.label = v.Str(o + 4, 16, "an electrode label");
    c.physical_connector = v.U8(o + 20, "a physical connector");
    c.connector_pin = v.U8(o + 21, "a connector pin");
    c.min_digital = v.I16(o + 22, "min_digital_val");
    c.max_digital = v.I16(o + 24, "max_digital_val");
    c.min_analog = v.I16(o + 26, "min_analog_val");
    c.max_analog = v.I16(o + 28, "max_analog_val");
    c.units = v.Str(o + 30, 16, "the units");
    c.hi_freq_corner = v.U32(o + 46, "hi_freq_corner");
    c.hi_freq_order = v.U32(o + 50, "hi_freq_order");
    c.hi_freq_type = v.U16(o + 54, "hi_freq_type");
    c.lo_freq_corner = v.U32(o + 56, "lo_freq_corner");
    c.lo_freq_order = v.U32(o + 60, "lo_freq_order");
    c.lo_freq_type = v.U16(o + 64, "lo_freq_type");
    ComputeScaling(c);
  }
}

}  // namespace

const char* VersionName(Version v) {
  switch (v) {
    case Version::k21: return "2.1";
    case Version::k22: return "2.2";
    case Version::k23: return "2.3";
    default: return "3.0";
  }
}

void ComputeScaling(Channel& c) {
  // neo blackrockrawio: values are cast to float first (int16 fields would overflow), then
  // gain = (maxA - minA) / (maxD - minD); offset = -minD * gain + minA.
  const double digital_span = c.max_digital - c.min_digital;
  if (digital_span == 0) {
    c.gain = c.offset = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  c.gain = Rounded((c.max_analog - c.min_analog) / digital_span);
  c.offset = Rounded(Rounded(-c.min_digital * c.gain) + c.min_analog);
}

Header ParseHeader(const ByteView& view, const DigitizationMap* digitization) {
  Header h;
  h.path = view.file();
  h.file_size = view.size();
  h.version = DetectVersion(view, h);
  if (h.version == Version::k21) {
    ParseHeader21(view, digitization, h);
  } else {
    ParseHeader22(view, h);
  }
  return h;
}

}  // namespace rpl::nsx
