#include "dsp/butter.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

namespace rpl::dsp {

using npc::C;

namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// buttap: p_m = -exp(i*pi*m/(2N)), m = -N+1, -N+3, ..., N-1; no zeros, gain 1. numpy evaluates the angle as
// (pi*m) * (1/(2N)) (complex division by a real), so we do too.
std::vector<C> ButtapPoles(int n) {
  std::vector<C> p;
  const double inv = 1.0 / (2.0 * n);
  for (int m = -n + 1; m < n; m += 2) {
    double re = m < 0 ? -0.0 : 0.0;  // 1j*pi*m has a signed zero real part
    C e = std::exp(C(re * inv, (M_PI * m) * inv));
    p.push_back(-e);
  }
  return p;
}

C Prod(const std::vector<C>& v, bool negate) {
  C acc = negate ? -v[0] : v[0];
  for (size_t i = 1; i < v.size(); ++i) acc = npc::Mul(acc, negate ? -v[i] : v[i]);
  return acc;
}

// The two roots s of s^2 - 2*c*s + wo^2 = 0 for every c: c +- sqrt(c^2 - wo^2) (lp2bp_zpk / lp2bs_zpk).
std::vector<C> SplitRoots(const std::vector<C>& c, double wo) {
  std::vector<C> plus, minus;
  for (C x : c) {
    C sq = npc::Mul(x, x);
    C d = std::sqrt(C(sq.real() - wo * wo, sq.imag()));
    plus.push_back(x + d);
    minus.push_back(x - d);
  }
  plus.insert(plus.end(), minus.begin(), minus.end());
  return plus;
}

Zpk Transform(BandType type, const std::vector<C>& proto, double w0, double w1) {
  const size_t n = proto.size();
  Zpk out;
  switch (type) {
    case BandType::kLowpass: {  // lp2lp_zpk: s -> s/wo
      for (C x : proto) out.p.push_back(npc::Mul(x, C(w0, 0.0)));
      out.k = std::pow(w0, static_cast<double>(n));
      break;
    }
    case BandType::kHighpass: {  // lp2hp_zpk: s -> wo/s, zeros at s = 0
      for (C x : proto) out.p.push_back(npc::Div(C(w0, 0.0), x));
      out.z.assign(n, C(0.0, 0.0));
      out.k = npc::Div(C(1.0, 0.0), Prod(proto, true)).real();
      break;
    }
    case BandType::kBandpass: {  // lp2bp_zpk: s -> (s^2 + wo^2) / (s*bw), n zeros at s = 0
      double bw = w1 - w0, wo = std::sqrt(w0 * w1);
      std::vector<C> c;
      for (C x : proto) c.push_back(npc::Div(npc::Mul(x, C(bw, 0.0)), C(2.0, 0.0)));
      out.p = SplitRoots(c, wo);
      out.z.assign(n, C(0.0, 0.0));
      out.k = std::pow(bw, static_cast<double>(n));
      break;
    }
    case BandType::kBandstop: {  // lp2bs_zpk: s -> (s*bw) / (s^2 + wo^2), zeros at +-j*wo
      double bw = w1 - w0, wo = std::sqrt(w0 * w1);
      std::vector<C> c;
      for (C x : proto) c.push_back(npc::Div(C(bw / 2, 0.0), x));
      out.p = SplitRoots(c, wo);
      out.z.assign(n, C(0.0, wo));
      out.z.insert(out.z.end(), n, C(-0.0, -wo));
      out.k = npc::Div(C(1.0, 0.0), Prod(proto, true)).real();
      break;
    }
  }
  return out;
}

// bilinear_zpk with fs = 2: z = (4 + s) / (4 - s); zeros at infinity map to z = -1.
Zpk Bilinear(const Zpk& a) {
  const double fs2 = 4.0;
  Zpk d;
  for (C x : a.z) d.z.push_back(npc::Div(C(fs2 + x.real(), x.imag()), C(fs2 - x.real(), -x.imag())));
  for (C x : a.p) d.p.push_back(npc::Div(C(fs2 + x.real(), x.imag()), C(fs2 - x.real(), -x.imag())));
  std::vector<C> nz, np;
  for (C x : a.z) nz.push_back(C(fs2 - x.real(), -x.imag()));
  for (C x : a.p) np.push_back(C(fs2 - x.real(), -x.imag()));
  C num = nz.empty() ? C(1.0, 0.0) : Prod(nz, false);
  d.k = a.k * npc::Div(num, Prod(np, false)).real();
  d.z.insert(d.z.end(), a.p.size() - a.z.size(), C(-1.0, 0.0));
  return d;
}

void Validate(int order, BandType type, double f_low, double f_high, double fs) {
  if (order < 1 || order > kMaxButterOrder)
    throw std::invalid_argument("butter: order must be an integer from 1 to " + std::to_string(kMaxButterOrder) +
                                ", got " + std::to_string(order));
  if (!(std::isfinite(fs) && fs > 0)) throw std::invalid_argument("butter: fs must be finite and > 0, got " + Num(fs));
  const bool band = type == BandType::kBandpass || type == BandType::kBandstop;
  const double nyq = fs / 2;
  const double corners[2] = {f_low, f_high};
  for (int i = 0; i < (band ? 2 : 1); ++i) {
    const double f = corners[i];
    if (!(f > 0 && f < nyq))
      throw std::invalid_argument("butter: corner frequency " + Num(f) + " must be > 0 and < fs/2 = " + Num(nyq));
  }
  if (band && !(f_low < f_high))
    throw std::invalid_argument("butter: low corner " + Num(f_low) + " must be below the high corner " + Num(f_high));
}

}  // namespace

Zpk ButterZpk(int order, BandType type, double f_low, double f_high, double fs) {
  Validate(order, type, f_low, f_high, fs);
  const double nyq = fs / 2;
  const double wn0 = f_low / nyq, wn1 = f_high / nyq;
  if (!(wn0 > 0 && wn0 < 1) || ((type == BandType::kBandpass || type == BandType::kBandstop) && !(wn1 < 1)))
    throw std::invalid_argument("butter: normalised corner outside (0, 1)");
  // Pre-warp so the digital corners land exactly on the requested frequencies: 2*fs*tan(pi*Wn/fs), fs = 2.
  const double w0 = 4.0 * std::tan(M_PI * wn0 / 2.0);
  const double w1 = (type == BandType::kBandpass || type == BandType::kBandstop) ? 4.0 * std::tan(M_PI * wn1 / 2.0)
                                                                                  : 0.0;
  return Bilinear(Transform(type, ButtapPoles(order), w0, w1));
}

Sos Butter(int order, BandType type, double f_low, double f_high, double fs) {
  return ZpkToSos(ButterZpk(order, type, f_low, f_high, fs));
}

}  // namespace rpl::dsp
