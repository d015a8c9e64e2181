// Native reader tests, run under AddressSanitizer + UBSan by scripts/native-tests.sh:
//  1. round trips through the writers for every NSx and NEV version;
//  2. typed error codes for the malformed inputs the issue lists;
//  3. a mutation fuzzer: random byte changes, field overwrites and truncations of valid headers, each read
//     completely; the only acceptable outcomes are success or rpl::FormatError (anything else, or a
//     sanitizer report, fails);
//  4. the real recordings in ../shared/data/real when given as arguments.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "io/nev_reader.h"
#include "io/nsx_reader.h"
#include "seeds.h"

using namespace rpl;

namespace {

std::string g_tmp;

std::string Tmp(const std::string& name) { return g_tmp + "/" + name; }

std::vector<uint8_t> Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Reads everything an NSx offers (headers, every segment of every channel, raw and scaled).
void ReadAllNsx(const std::string& path) {
  nsx::Reader r(path, nsx::ReaderOptions{});
  const auto& h = r.header();
  std::vector<uint32_t> cols(h.channels.size());
  for (size_t i = 0; i < cols.size(); ++i) cols[i] = static_cast<uint32_t>(i);
  for (uint64_t s = 0; s < r.segments().size(); ++s) {
    uint64_t n = std::min<uint64_t>(r.segments()[s].sample_count, 4096);
    std::vector<std::vector<int16_t>> raw(cols.size(), std::vector<int16_t>(n));
    std::vector<std::vector<float>> sc(cols.size(), std::vector<float>(n));
    std::vector<int16_t*> rp;
    std::vector<float*> sp;
    for (size_t i = 0; i < cols.size(); ++i) {
      rp.push_back(raw[i].data());
      sp.push_back(sc[i].data());
    }
    r.ReadRaw(cols.data(), cols.size(), s, 0, n, rp.data());
    r.ReadScaled(cols.data(), cols.size(), s, 0, n, sp.data());
    if (r.ptp()) {
      std::vector<uint64_t> t(n);
      r.PtpTimestamps(s, 0, n, t.data());
    }
  }
}

void ReadAllNev(const std::string& path) {
  nev::NevReader r(path);
  const auto& c = r.Census();
  std::vector<uint64_t> ts(c.digital), sts(c.spikes);
  std::vector<double> sec(c.digital), ssec(c.spikes);
  std::vector<uint8_t> reasons(c.digital), units(c.spikes);
  std::vector<uint16_t> values(c.digital), el(c.spikes);
  std::vector<int16_t> analog(c.digital * 5), wf(c.spikes * c.samples_per_waveform);
  r.FillDigital({ts.data(), sec.data(), reasons.data(), values.data(), r.has_analog() ? analog.data() : nullptr});
  r.FillSpikes({sts.data(), ssec.data(), el.data(), units.data(), wf.data()});
  r.ReadComments();
}

template <typename F>
std::string ErrorCode(F f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.code();
  }
  return "";
}

void TestRoundTrips() {
  for (auto v : {nsx::Version::k22, nsx::Version::k23, nsx::Version::k30}) {
    std::string p = Tmp("rt.ns5");
    auto data = test::WriteNsxSeed(p, v, 5, {100, 1, 250});
    nsx::Reader r(p, nsx::ReaderOptions{});
    CHECK(r.header().channels.size() == 5);
    CHECK(r.segments().size() == 3);
    CHECK(r.segments()[2].timestamp == 10);  // clock reset kept as its own segment
    for (uint64_t s = 0; s < 3; ++s) {
      uint64_t n = r.segments()[s].sample_count;
      CHECK(n == data[s][0].size());
      for (uint32_t c = 0; c < 5; ++c) {
        std::vector<int16_t> out(n);
        int16_t* o = out.data();
        r.ReadRaw(&c, 1, s, 0, n, &o);
        CHECK(out == data[s][c]);
      }
    }
  }
  {
    std::string p = Tmp("rt-ptp.ns5");
    auto data = test::WriteNsxSeed(p, nsx::Version::k30, 3, {50, 70}, true);
    nsx::Reader r(p, nsx::ReaderOptions{});
    CHECK(r.ptp());
    CHECK(r.segments().size() == 2);
  }
  for (auto mm : std::vector<std::pair<int, int>>{{2, 2}, {2, 3}, {3, 0}}) {
    std::string p = Tmp("rt.nev");
    test::WriteNevSeed(p, static_cast<uint8_t>(mm.first), static_cast<uint8_t>(mm.second), 30, 20);
    nev::NevReader r(p);
    const auto& c = r.Census();
    CHECK(c.digital == 30);
    CHECK(c.spikes == 20);
    std::vector<uint64_t> ts(30);
    std::vector<double> sec(30);
    std::vector<uint8_t> reasons(30);
    std::vector<uint16_t> values(30);
    std::vector<int16_t> analog(150);
    r.FillDigital({ts.data(), sec.data(), reasons.data(), values.data(), r.has_analog() ? analog.data() : nullptr});
    CHECK(reasons[1] == 3);  // several reason bits: kept
    CHECK(ts[29] == 5 + 29 * 6);
  }
}

void TestErrors() {
  std::string good = Tmp("good.ns5");
  test::WriteNsxSeed(good, nsx::Version::k23, 4, {200});
  auto bytes = Slurp(good);
  std::string bad = Tmp("bad.ns5");

  auto b = bytes;
  std::memcpy(b.data(), "NEUCDFLT", 8);
  Spit(bad, b);
  std::string code = ErrorCode([&] { ReadAllNsx(bad); });
  CHECK(code == code::kBadMagic || code == code::kUnsupportedVersion);

  b = bytes;
  b[8] = 9;  // version 9.3
  Spit(bad, b);
  CHECK(ErrorCode([&] { ReadAllNsx(bad); }) == code::kUnsupportedVersion);

  b = bytes;
  b[310] = b[311] = b[312] = b[313] = 0;  // zero channels
  Spit(bad, b);
  std::string zc = ErrorCode([&] { ReadAllNsx(bad); });
  CHECK(zc == code::kNoChannels);

  b = bytes;
  b[10] += 66;  // bytes_in_headers says one more channel header than channel_count
  Spit(bad, b);
  CHECK(ErrorCode([&] { ReadAllNsx(bad); }) == code::kHeaderLength);

  b.assign(bytes.begin(), bytes.begin() + 200);  // truncated inside the basic header
  Spit(bad, b);
  CHECK(ErrorCode([&] { ReadAllNsx(bad); }) == code::kTruncated);

  b.assign(bytes.begin(), bytes.end() - 10);  // data block runs past end of file
  Spit(bad, b);
  CHECK(ErrorCode([&] { ReadAllNsx(bad); }) == code::kBlockPastEof);

  CHECK(ErrorCode([&] { ReadAllNsx(Tmp("does-not-exist.ns5")); }) == code::kFileOpen);
  CHECK(ErrorCode([&] { ReadAllNev(good); }) == code::kBadMagic);  // an NSx given as NEV
}

// Mutates a valid file `iterations` times and reads each mutant completely.
int Fuzz(const std::string& seed, bool is_nsx, int iterations, uint32_t rng_seed) {
  std::vector<uint8_t> orig = Slurp(seed);
  std::mt19937_64 rng(rng_seed);
  // Headers: NSx 2.2+ = 314 + 66 N, NEV = 336 + 32 n; mutate mostly there, sometimes in the first packets.
  const size_t header_span = std::min<size_t>(orig.size(), is_nsx ? 314 + 66 * 5 + 32 : 336 + 32 * 4 + 256);
  int typed = 0;
  std::string path = Tmp(is_nsx ? "fuzz.ns5" : "fuzz.nev");
  for (int it = 0; it < iterations; ++it) {
    std::vector<uint8_t> b = orig;
    switch (rng() % 4) {
      case 0: {  // flip 1..4 random bytes in the header
        int n = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < n; ++k) b[rng() % header_span] = static_cast<uint8_t>(rng());
        break;
      }
      case 1: {  // overwrite an aligned-or-not u32 field with an extreme value
        const uint32_t extremes[] = {0u, 1u, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 65535u, 66u, 314u};
        uint32_t v = rng() % 2 ? extremes[rng() % 8] : static_cast<uint32_t>(rng());
        size_t off = rng() % (header_span - 4);
        std::memcpy(b.data() + off, &v, 4);
        break;
      }
      case 2:  // truncate anywhere
        b.resize(rng() % (b.size() + 1));
        break;
      default: {  // both: mutate then truncate near the header end
        b[rng() % header_span] ^= static_cast<uint8_t>(1u << (rng() % 8));
        b.resize(std::min(b.size(), header_span + rng() % 512));
        break;
      }
    }
    Spit(path, b);
    try {
      if (is_nsx)
        ReadAllNsx(path);
      else
        ReadAllNev(path);
    } catch (const FormatError&) {
      ++typed;
    } catch (const std::exception& e) {
      ++g_failures;
      std::fprintf(stderr, "fuzz %s iteration %d: untyped exception: %s\n", seed.c_str(), it, e.what());
    }
    ++g_checks;
  }
  return typed;
}

}  // namespace

int main(int argc, char** argv) {
  char tmpl[] = "/tmp/rplpipe-native-XXXXXX";
  g_tmp = mkdtemp(tmpl);
  int iterations = 2000;
  if (const char* e = std::getenv("RPL_FUZZ_ITERATIONS")) iterations = std::atoi(e);

  TestRoundTrips();
  TestErrors();

  // Seeds: every NSx version (2.1 included), PTP, NEV 2.2/2.3/3.0; then the real files given as arguments.
  std::vector<std::pair<std::string, bool>> seeds;
  const std::pair<nsx::Version, const char*> versions[] = {
      {nsx::Version::k21, "v21.ns5"}, {nsx::Version::k22, "v22.ns5"}, {nsx::Version::k23, "v23.ns5"},
      {nsx::Version::k30, "v30.ns5"}};
  for (auto& [v, name] : versions) {
    test::WriteNsxSeed(Tmp(name), v, 5, v == nsx::Version::k21 ? std::vector<uint64_t>{64}
                                                               : std::vector<uint64_t>{40, 1, 30});
    seeds.push_back({Tmp(name), true});
  }
  test::WriteNsxSeed(Tmp("ptp.ns5"), nsx::Version::k30, 3, {20, 20}, true);
  seeds.push_back({Tmp("ptp.ns5"), true});
  test::WriteNevSeed(Tmp("v22.nev"), 2, 2, 20, 10);
  test::WriteNevSeed(Tmp("v23.nev"), 2, 3, 20, 10);
  test::WriteNevSeed(Tmp("v30.nev"), 3, 0, 20, 10);
  for (const char* n : {"v22.nev", "v23.nev", "v30.nev"}) seeds.push_back({Tmp(n), false});
  for (int i = 1; i < argc; ++i) {
    std::string p = argv[i];
    bool is_nsx = p.size() > 4 && p.substr(p.size() - 4) != ".nev";
    seeds.push_back({p, is_nsx});
  }
  long total = 0;
  uint32_t s = 1;
  for (auto& [path, is_nsx] : seeds) {
    int typed = Fuzz(path, is_nsx, iterations, s++);
    total += iterations;
    std::printf("fuzz %-60s %d mutants, %d typed errors, rest read fine\n", path.c_str(), iterations, typed);
  }
  std::printf("native reader tests: %d checks, %ld fuzz mutants, %d failures\n", g_checks, total, g_failures);
  std::printf("%d passed, %d failed\n", g_checks - g_failures, g_failures);
  std::string cmd = "rm -rf " + g_tmp;
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", g_tmp.c_str());
  return g_failures == 0 ? 0 : 1;
}
