#include "io/nev_header.h"

#include <cstring>

namespace rpl::nev {

namespace {

// Text up to the first NUL. Used for the basic-header comment only: Central leaves garbage after the
// terminator and Ripple keeps a processor timestamp at 328 inside the same 256 bytes, so neo's
// "strip trailing NULs" would return those bytes as text.
std::string CutAtNul(const ByteView& v, uint64_t offset, uint64_t width, const char* what) {
  v.Need(offset, width, what);
  const char* p = reinterpret_cast<const char*>(v.data() + offset);
  return std::string(p, strnlen(p, width));
}

[[noreturn]] void BadMagic(const ByteView& v) {
  std::string id(reinterpret_cast<const char*>(v.data()), 8);
  std::string what = "not a NEV file (wrong file type id)";
  std::string hint = "Pass the .nev file of the recording.";
  if (id == "NEURALCD" || id == "NEURALSG" || id == "BRSMPGRP") {
    what = "this is an NSx continuous-data file, not a NEV event file";
    hint = "Open it with the NSx reader (openNsx), or pass the .nev file of the same recording.";
  } else if (id == "NEUCDFLT") {
    what = "this is a Ripple NFx float continuous file, not a NEV event file";
    hint = "Pass the .nev file of the same recording.";
  }
  throw FormatError(code::kBadMagic, v.file(), 0, what, "\"NEURALEV\" or \"BREVENTS\"", Printable(v.data(), 8),
                    hint);
}

void CheckVersion(const ByteView& v, uint8_t major, uint8_t minor) {
  bool ok = (major == 2 && minor >= 1 && minor <= 3) || (major == 3 && minor == 0);
  if (!ok) {
    throw FormatError(code::kUnsupportedVersion, v.file(), 8, "unsupported NEV file spec version",
                      "2.1, 2.2, 2.3 or 3.0", std::to_string(major) + "." + std::to_string(minor),
                      "Only the published Blackrock/Ripple NEV specs are supported; report the file if it is real.");
  }
}

void ParseExtended(const ByteView& v, NevHeader& h) {
  for (uint32_t i = 0; i < h.ext_header_count; ++i) {
    const uint64_t o = kBasicHeaderBytes + kExtHeaderBytes * i;
    v.Need(o, kExtHeaderBytes, "a NEV extended header");
    std::string id = v.Str(o, 8, "extended header id");
    if (id == "NEUEVWAV") {
      WaveformHeader w;
      w.electrode_id = v.U16(o + 8, "NEUEVWAV electrode id");
      w.physical_connector = v.U8(o + 10, "NEUEVWAV connector");
      w.connector_pin = v.U8(o + 11, "NEUEVWAV pin");
      w.digitization_factor = v.U16(o + 12, "NEUEVWAV digitization factor");
      w.energy_threshold = v.U16(o + 14, "NEUEVWAV energy threshold");
      w.high_threshold = v.I16(o + 16, "NEUEVWAV high threshold");
      w.low_threshold = v.I16(o + 18, "NEUEVWAV low threshold");
      w.sorted_units = v.U8(o + 20, "NEUEVWAV sorted units");
      w.bytes_per_sample = v.U8(o + 21, "NEUEVWAV bytes per sample");
      w.spike_width = v.U16(o + 22, "NEUEVWAV spike width");
      h.waveforms.push_back(w);
    } else if (id == "NEUEVLBL") {
      h.labels.push_back({v.U16(o + 8, "NEUEVLBL electrode id"), v.Str(o + 10, 16, "NEUEVLBL label")});
    } else if (id == "NEUEVFLT") {
      ElectrodeFilter f;
      f.electrode_id = v.U16(o + 8, "NEUEVFLT electrode id");
      f.high_freq_corner = v.U32(o + 10, "NEUEVFLT high corner");
      f.high_freq_order = v.U32(o + 14, "NEUEVFLT high order");
      f.high_freq_type = v.U16(o + 18, "NEUEVFLT high type");
      f.low_freq_corner = v.U32(o + 20, "NEUEVFLT low corner");
      f.low_freq_order = v.U32(o + 24, "NEUEVFLT low order");
      f.low_freq_type = v.U16(o + 28, "NEUEVFLT low type");
      h.filters.push_back(f);
    } else if (id == "DIGLABEL") {
      h.digital_labels.push_back({v.Str(o + 8, 16, "DIGLABEL label"), v.U8(o + 24, "DIGLABEL mode")});
    } else if (id == "NSASEXEV") {
      NsasExev n;
      n.frequency = v.U16(o + 8, "NSASEXEV frequency");
      n.digital_input_config = v.U8(o + 10, "NSASEXEV digital config");
      for (int k = 0; k < 5; ++k) {
        n.analog_config[k] = v.U8(o + 11 + 3 * k, "NSASEXEV analog config");
        n.analog_edge_detect[k] = v.U16(o + 12 + 3 * k, "NSASEXEV edge detect value");
      }
      h.nsas_exev.push_back(n);
    } else if (id == "ARRAYNME" || id == "ECOMMENT" || id == "CCOMMENT" || id == "MAPFILE") {
      h.text_headers.push_back({id, v.Str(o + 8, 24, "extended header text")});
    } else if (id == "VIDEOSYN") {
      h.video_sources.push_back(
          {v.U16(o + 8, "VIDEOSYN source id"), v.Str(o + 10, 16, "VIDEOSYN source"), v.F32(o + 26, "VIDEOSYN fps")});
    } else if (id == "TRACKOBJ") {
      h.trackable_objects.push_back({v.U16(o + 8, "TRACKOBJ type"), v.U16(o + 10, "TRACKOBJ id"),
                                     v.U16(o + 12, "TRACKOBJ point count"), v.Str(o + 14, 16, "TRACKOBJ source")});
    } else {
      h.unknown.push_back({id, o});
    }
  }
}

}  // namespace

NevHeader ParseNevHeader(const ByteView& v) {
  // Magic first, so a short file of another type is reported as the wrong type, not as truncated.
  v.Need(0, 8, "the NEV file type id");
  NevHeader h;
  h.file_id.assign(reinterpret_cast<const char*>(v.data()), 8);
  if (h.file_id != "NEURALEV" && h.file_id != "BREVENTS") BadMagic(v);
  v.Need(0, kBasicHeaderBytes, "the 336-byte NEV basic header");

  // Like neo, the version bytes (not the file id) decide 32- vs 64-bit timestamps.
  h.version_major = v.U8(8, "version major");
  h.version_minor = v.U8(9, "version minor");
  CheckVersion(v, h.version_major, h.version_minor);
  h.additional_flags = v.U16(10, "additional flags");
  h.bytes_in_headers = v.U32(12, "bytes in headers");
  h.bytes_in_data_packets = v.U32(16, "bytes in data packets");
  h.timestamp_resolution = v.U32(20, "timestamp resolution");
  h.sample_resolution = v.U32(24, "sample resolution");
  TimeOrigin& t = h.time_origin;
  uint16_t* fields[8] = {&t.year, &t.month, &t.day_of_week, &t.day, &t.hour, &t.minute, &t.second, &t.millisecond};
  for (int k = 0; k < 8; ++k) *fields[k] = v.U16(28 + 2 * k, "time origin");
  h.application = v.Str(44, 32, "application name");
  h.comment = CutAtNul(v, 76, 256, "comment");
  h.processor_timestamp = v.U32(328, "processor timestamp");
  h.ext_header_count = v.U32(332, "number of extended headers");
  h.file_size = v.size();

  const uint64_t want = kBasicHeaderBytes + kExtHeaderBytes * static_cast<uint64_t>(h.ext_header_count);
  if (h.bytes_in_headers != want) {
    throw FormatError(code::kHeaderLength, v.file(), 12, "bytes_in_headers contradicts the extended header count",
                      std::to_string(want) + " (336 + 32 x " + std::to_string(h.ext_header_count) + ")",
                      std::to_string(h.bytes_in_headers),
                      "The header is corrupt or the file is not a NEV file; it cannot be read safely.");
  }
  v.Need(kBasicHeaderBytes, want - kBasicHeaderBytes, "the NEV extended headers");

  const uint32_t p = h.bytes_in_data_packets;
  const uint32_t min_p = MinPacketBytes(h.is_v3());
  if (p < min_p) {
    throw FormatError(code::kBadField, v.file(), 16, "data packet size too small",
                      "at least " + std::to_string(min_p) + " bytes (timestamp, packet id and a digital word)",
                      std::to_string(p), "The header is corrupt; packet boundaries cannot be recovered.");
  }
  if (h.timestamp_resolution == 0) {
    throw FormatError(code::kBadField, v.file(), 20, "timestamp resolution is zero", "ticks per second > 0", "0",
                      "The header is corrupt; timestamps cannot be converted to seconds.");
  }
  ParseExtended(v, h);

  const uint64_t data_bytes = h.file_size - h.bytes_in_headers;
  h.packet_count = data_bytes / p;
  h.trailing_bytes = data_bytes % p;
  return h;
}

}  // namespace rpl::nev
