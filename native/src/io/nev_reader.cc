#include "io/nev_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace rpl::nev {

namespace {

bool IsSpikeId(uint16_t id) { return id >= 1 && id <= kMaxSpikePacketId; }

// Sample i of a waveform stored with `bps` bytes per sample, widened (int8) or saturated (int32) to int16.
int16_t SampleAt(const uint8_t* p, uint32_t bps, uint32_t i) {
  if (bps == 1) return static_cast<int8_t>(p[i]);
  if (bps == 2) {
    int16_t s;
    std::memcpy(&s, p + 2 * i, 2);
    return s;
  }
  int32_t s;
  std::memcpy(&s, p + 4 * i, 4);
  return static_cast<int16_t>(std::clamp<int32_t>(s, std::numeric_limits<int16_t>::min(),
                                                  std::numeric_limits<int16_t>::max()));
}

}  // namespace

NevReader::NevReader(const std::string& path)
    : file_(path), view_(file_.view()), header_(ParseNevHeader(view_)) {}

// Bytes per waveform sample for each electrode id: additional_flags bit0 forces 2 for all; otherwise the
// NEUEVWAV value (0/1 -> int8, 2 -> int16, 4 -> int32, as neo). Electrodes without NEUEVWAV (which neo
// ignores) are read as int16, the only width Central and Trellis write. 0 marks an impossible value: it
// only matters (SpikeCensus throws) if that electrode has spikes.
const std::vector<uint8_t>& NevReader::BytesPerSample() {
  if (!bytes_per_sample_.empty()) return bytes_per_sample_;
  std::vector<uint8_t> table(kMaxSpikePacketId + 1, 2);
  if (!header_.waveforms_forced_int16()) {
    // Backwards, so the first NEUEVWAV of a repeated electrode wins (as in the TS helpers).
    for (size_t k = header_.waveforms.size(); k-- > 0;) {
      const WaveformHeader& w = header_.waveforms[k];
      const uint8_t b = w.bytes_per_sample;
      const bool ok = b == 0 || b == 1 || b == 2 || b == 4;
      if (w.electrode_id <= kMaxSpikePacketId) table[w.electrode_id] = !ok ? 0 : b <= 1 ? 1 : b;
    }
  }
  bytes_per_sample_ = std::move(table);
  return bytes_per_sample_;
}

const PacketCensus& NevReader::Census() {
  if (census_done_) return census_;
  const std::vector<uint8_t>& bps = BytesPerSample();
  const uint32_t field = header_.bytes_in_data_packets - header_.payload_offset() - 2;
  PacketCensus c;
  file_.AdviseSequential(header_.bytes_in_headers, header_.packet_count * header_.bytes_in_data_packets);
  for (uint64_t i = 0; i < header_.packet_count; ++i) {
    const uint16_t id = PacketId(PacketOffset(i));
    if (id == kDigitalPacketId) {
      ++c.digital;
    } else if (IsSpikeId(id)) {
      ++c.spikes;
      if (bps[id] == 0) {
        if (bad_electrode_ == 0) bad_electrode_ = id;
      } else {
        c.samples_per_waveform = std::max(c.samples_per_waveform, field / bps[id]);
      }
    } else if (id == kCommentPacketId) {
      ++c.comments;
    } else {
      ++c.other;
    }
  }
  if (c.samples_per_waveform == 0) c.samples_per_waveform = field / 2;
  census_ = c;
  census_done_ = true;
  return census_;
}

const PacketCensus& NevReader::SpikeCensus() {
  const PacketCensus& c = Census();
  if (bad_electrode_ == 0) return c;
  for (size_t k = 0; k < header_.waveforms.size(); ++k) {
    const WaveformHeader& w = header_.waveforms[k];
    if (w.electrode_id != bad_electrode_) continue;
    throw FormatError(code::kBadField, view_.file(), kBasicHeaderBytes + kExtHeaderBytes * k + 21,
                      "impossible waveform bytes per sample in the NEUEVWAV header of electrode " +
                          std::to_string(w.electrode_id) + ", which has spikes",
                      "0, 1, 2 or 4", std::to_string(w.bytes_per_sample),
                      "Spikes cannot be decoded; digital events and comments are still readable.");
  }
  return c;  // unreachable: a 0 entry always comes from a NEUEVWAV header
}

void NevReader::FillDigital(const DigitalColumns& out) {
  const uint32_t po = header_.payload_offset();
  const double res = header_.timestamp_resolution;
  const bool analog = out.analog != nullptr && has_analog();
  uint64_t n = 0;
  for (uint64_t i = 0; i < header_.packet_count; ++i) {
    const uint64_t off = PacketOffset(i);
    if (PacketId(off) != kDigitalPacketId) continue;
    const uint64_t ts = Timestamp(off);
    out.timestamps[n] = ts;
    out.seconds[n] = static_cast<double>(ts) / res;
    out.reasons[n] = view_.U8(off + po, "insertion reason");
    out.values[n] = view_.U16(off + po + 2, "digital input word");
    if (analog) {
      for (int k = 0; k < 5; ++k) out.analog[5 * n + k] = view_.I16(off + 10 + 2 * k, "analog input value");
    }
    ++n;
  }
}

void NevReader::FillSpikes(const SpikeColumns& out) {
  const PacketCensus& c = SpikeCensus();
  const std::vector<uint8_t>& bps = BytesPerSample();
  const uint32_t po = header_.payload_offset();
  const uint32_t field = header_.bytes_in_data_packets - po - 2;
  const uint32_t w = c.samples_per_waveform;
  const double res = header_.timestamp_resolution;
  uint64_t n = 0;
  for (uint64_t i = 0; i < header_.packet_count; ++i) {
    const uint64_t off = PacketOffset(i);
    const uint16_t id = PacketId(off);
    if (!IsSpikeId(id)) continue;
    const uint64_t ts = Timestamp(off);
    out.timestamps[n] = ts;
    out.seconds[n] = static_cast<double>(ts) / res;
    out.electrodes[n] = id;
    out.units[n] = view_.U8(off + po, "spike unit");
    const uint64_t wf = off + po + 2;
    view_.Need(wf, field, "spike waveform");
    const uint32_t b = bps[id];
    const uint32_t samples = field / b;
    int16_t* row = out.waveforms + n * static_cast<uint64_t>(w);
    for (uint32_t k = 0; k < samples; ++k) row[k] = SampleAt(view_.data() + wf, b, k);
    for (uint32_t k = samples; k < w; ++k) row[k] = 0;
    ++n;
  }
}

std::vector<Comment> NevReader::ReadComments() {
  std::vector<Comment> out;
  const uint32_t po = header_.payload_offset();
  const uint32_t p = header_.bytes_in_data_packets;
  for (uint64_t i = 0; i < header_.packet_count; ++i) {
    const uint64_t off = PacketOffset(i);
    if (PacketId(off) != kCommentPacketId) continue;
    Comment c;
    c.timestamp = Timestamp(off);
    c.char_set = view_.U8(off + po, "comment char set");
    c.flag = view_.U8(off + po + 1, "comment flag");
    // The smallest legal packet (10/14 bytes) has no room for colour and text: leave them empty.
    if (p >= po + 6) c.color = view_.U32(off + po + 2, "comment colour");
    if (p > po + 6) {
      const uint64_t len = p - (po + 6);
      view_.Need(off + po + 6, len, "comment text");
      const char* s = reinterpret_cast<const char*>(view_.data() + off + po + 6);
      uint64_t n = len;
      if (c.char_set == 1) {
        n -= n % 2;
        while (n >= 2 && s[n - 1] == 0 && s[n - 2] == 0) n -= 2;
      } else {
        while (n > 0 && s[n - 1] == 0) --n;
      }
      c.text.assign(s, n);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace rpl::nev
