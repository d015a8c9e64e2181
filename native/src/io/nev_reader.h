// NEV data packets: digital (parallel port / SMA) events, spikes and comments, in file order, as columns.
//
// Rules (spec/nsx-format.md §3.3): packets are P = bytes_in_data_packets bytes from bytes_in_headers;
// a trailing partial packet is ignored. Unlike neo we never drop a packet because of its insertion reason or
// electrode range: the caller selects (the TS layer has neo's selections). Reading is two passes over the
// mapping: Census() counts, then Fill*() writes straight into caller-owned arrays (the JS typed arrays), so
// a multi-GB spike file is never held twice.
#ifndef RPLPIPE_IO_NEV_READER_H_
#define RPLPIPE_IO_NEV_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/mapped_file.h"
#include "io/nev_header.h"

namespace rpl::nev {

struct PacketCensus {
  uint64_t digital = 0;   // packet id 0
  uint64_t spikes = 0;    // packet id 1..16384
  uint64_t comments = 0;  // packet id 0xFFFF
  uint64_t other = 0;     // video sync, tracking, button, config, undocumented ids
  // Samples per spike row in FillSpikes: the most any spike packet holds (field bytes / bytes per sample);
  // rows with fewer samples (narrower electrodes) are zero-padded.
  uint32_t samples_per_waveform = 0;
};

struct Comment {
  uint64_t timestamp = 0;
  uint8_t char_set = 0;  // 0 latin-1, 1 UTF-16LE, 255 NeuroMotive ROI (latin-1)
  uint8_t flag = 0;
  uint32_t color = 0;
  std::string text;  // raw bytes, trailing NULs (UTF-16: NUL code units) removed
};

// Destination columns; each pointer holds Census() count entries (analog: 5 per event, may be null).
struct DigitalColumns {
  uint64_t* timestamps;
  double* seconds;
  uint8_t* reasons;
  uint16_t* values;
  int16_t* analog;
};
struct SpikeColumns {
  uint64_t* timestamps;
  double* seconds;
  uint16_t* electrodes;
  uint8_t* units;
  int16_t* waveforms;  // count x samples_per_waveform, row-major
};

class NevReader {
 public:
  explicit NevReader(const std::string& path);  // maps the file and validates the header

  const NevHeader& header() const { return header_; }
  const std::string& path() const { return file_.path(); }
  // 2.x packets carry five i16 analog/SMA values at 10..19 (needs P >= 20); 3.0 has none.
  bool has_analog() const { return !header_.is_v3() && header_.bytes_in_data_packets >= 20; }

  const PacketCensus& Census();  // one pass, cached; never throws for spike widths
  // Census() plus the spike-decoding check: ERR_BAD_FIELD when an electrode that has spikes declares an
  // impossible bytes-per-sample (so a bad NEUEVWAV never blocks reading events).
  const PacketCensus& SpikeCensus();
  void FillDigital(const DigitalColumns& out);
  void FillSpikes(const SpikeColumns& out);  // rows of SpikeCensus().samples_per_waveform
  std::vector<Comment> ReadComments();

 private:
  uint64_t PacketOffset(uint64_t i) const {
    return header_.bytes_in_headers + i * static_cast<uint64_t>(header_.bytes_in_data_packets);
  }
  uint64_t Timestamp(uint64_t off) const {
    return header_.is_v3() ? view_.U64(off, "packet timestamp") : view_.U32(off, "packet timestamp");
  }
  uint16_t PacketId(uint64_t off) const { return view_.U16(off + header_.timestamp_bytes(), "packet id"); }
  const std::vector<uint8_t>& BytesPerSample();  // indexed by electrode id 0..16384; 0 = impossible

  MappedFile file_;
  ByteView view_;
  NevHeader header_;
  bool census_done_ = false;
  PacketCensus census_;
  std::vector<uint8_t> bytes_per_sample_;
  uint16_t bad_electrode_ = 0;  // first spiking electrode with an impossible bytes-per-sample
};

}  // namespace rpl::nev

#endif  // RPLPIPE_IO_NEV_READER_H_
