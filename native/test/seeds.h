// Valid NSx and NEV files of every version, written with the project's own writers, as seeds for the native
// tests and the mutation fuzzer.
#ifndef RPLPIPE_TEST_SEEDS_H_
#define RPLPIPE_TEST_SEEDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "io/nev_writer.h"
#include "io/nsx_writer.h"

namespace rpl::test {

// Writes an NSx of `version` with `nch` channels and segments of the given lengths (a later segment with a
// smaller timestamp = a clock reset). Returns the samples written, channel-major per segment.
inline std::vector<std::vector<std::vector<int16_t>>> WriteNsxSeed(const std::string& path, nsx::Version version,
                                                                  uint32_t nch, std::vector<uint64_t> lengths,
                                                                  bool ptp = false) {
  nsx::WriterSpec spec;
  spec.version = version;
  spec.ptp = ptp;
  spec.label = "30 kS/s";
  spec.comment = "rplpipe native test";
  spec.timestamp_resolution = ptp ? nsx::kPtpResolution : 30000;
  spec.time_origin = {2018, 11, 1, 5, 10, 0, 0, 0};
  for (uint32_t c = 0; c < nch; ++c) {
    nsx::WriterChannel ch;
    ch.electrode_id = 1 + c * 3;  // non-contiguous ids
    ch.label = "raw " + std::to_string(ch.electrode_id);
    ch.physical_connector = static_cast<uint8_t>(c / 32);
    ch.connector_pin = static_cast<uint8_t>(1 + c % 32);
    spec.channels.push_back(ch);
  }
  std::vector<std::vector<std::vector<int16_t>>> data;
  std::vector<std::vector<uint64_t>> ptp_ts;
  uint64_t ts = 1000;
  for (size_t s = 0; s < lengths.size(); ++s) {
    std::vector<std::vector<int16_t>> seg(nch, std::vector<int16_t>(lengths[s]));
    for (uint32_t c = 0; c < nch; ++c)
      for (uint64_t i = 0; i < lengths[s]; ++i) seg[c][i] = static_cast<int16_t>((i * 37 + c * 1001 + s * 7) % 65536);
    data.push_back(std::move(seg));
  }
  for (size_t s = 0; s < lengths.size(); ++s) {
    nsx::WriterSegment seg;
    // Second segment after a pause; third one (if any) after a clock reset (smaller timestamp).
    seg.timestamp = s == 2 ? 10 : ts;
    seg.sample_count = lengths[s];
    for (uint32_t c = 0; c < nch; ++c) seg.data.push_back(data[s][c].data());
    if (ptp) {
      std::vector<uint64_t> t(lengths[s]);
      for (uint64_t i = 0; i < lengths[s]; ++i) t[i] = 1700000000000000000ull + (ts + i) * 33333;
      ptp_ts.push_back(std::move(t));
    }
    ts += lengths[s] + 3000;
    spec.segments.push_back(seg);
  }
  for (size_t s = 0; s < ptp_ts.size(); ++s) spec.segments[s].ptp_timestamps = ptp_ts[s].data();
  nsx::WriteNsx(path, spec);
  return data;
}

// Writes a NEV with `n_digital` parallel-port events (reasons cycling 1, 3, 129) and `n_spikes` spikes.
inline void WriteNevSeed(const std::string& path, uint8_t major, uint8_t minor, uint64_t n_digital,
                         uint64_t n_spikes) {
  nev::NevWriteSpec spec;
  nev::NevHeader& h = spec.header;
  h.file_id = major >= 3 ? "BREVENTS" : "NEURALEV";
  h.version_major = major;
  h.version_minor = minor;
  h.additional_flags = 1;
  const uint32_t samples = 48;
  h.bytes_in_data_packets = (major >= 3 ? 12 : 8) + 2 * samples;
  h.timestamp_resolution = 30000;
  h.sample_resolution = 30000;
  h.application = "rplpipe test";
  for (uint16_t e = 1; e <= 4; ++e) {
    nev::WaveformHeader w;
    w.electrode_id = e;
    w.physical_connector = 1;
    w.connector_pin = static_cast<uint8_t>(e);
    w.digitization_factor = 250;
    w.bytes_per_sample = 2;
    w.spike_width = samples;
    h.waveforms.push_back(w);
  }
  std::vector<uint64_t> dts(n_digital), sts(n_spikes);
  std::vector<uint8_t> reasons(n_digital), units(n_spikes);
  std::vector<uint16_t> values(n_digital), electrodes(n_spikes);
  std::vector<int16_t> wf(n_spikes * samples);
  const uint8_t cycle[3] = {1, 3, 129};
  for (uint64_t i = 0; i < n_digital; ++i) {
    dts[i] = 5 + i * 6;
    reasons[i] = cycle[i % 3];
    values[i] = static_cast<uint16_t>(i % 2 ? 0 : 11 + i % 30);
  }
  for (uint64_t i = 0; i < n_spikes; ++i) {
    sts[i] = 7 + i * 11;
    electrodes[i] = static_cast<uint16_t>(1 + i % 4);
    units[i] = static_cast<uint8_t>(i % 3);
    for (uint32_t k = 0; k < samples; ++k) wf[i * samples + k] = static_cast<int16_t>(k * 10 - 200 + i);
  }
  spec.digital = {n_digital, dts.data(), reasons.data(), values.data(), nullptr};
  spec.spikes = {n_spikes, sts.data(), electrodes.data(), units.data(), wf.data(), samples};
  nev::WriteNev(path, spec);
}

}  // namespace rpl::test

#endif  // RPLPIPE_TEST_SEEDS_H_
