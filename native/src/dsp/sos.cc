#include "dsp/sos.h"

#include <algorithm>
#include <cfloat>
#include <stdexcept>
#include <string>

namespace rpl::dsp {

using npc::C;

Sos SosFromRows(const double* rows, size_t n_sections) {
  if (n_sections == 0) throw std::invalid_argument("SOS: need at least one section");
  Sos sos(n_sections);
  for (size_t s = 0; s < n_sections; ++s) {
    const double* r = rows + 6 * s;
    for (int i = 0; i < 6; ++i)
      if (!std::isfinite(r[i]))
        throw std::invalid_argument("SOS: coefficient " + std::to_string(i) + " of section " + std::to_string(s) +
                                    " is not finite");
    if (r[3] != 1.0)
      throw std::invalid_argument("SOS: a0 of section " + std::to_string(s) + " must be 1, found " +
                                  std::to_string(r[3]));
    sos[s] = {r[0], r[1], r[2], r[4], r[5]};
  }
  return sos;
}

void SosToRows(const Sos& sos, double* rows) {
  for (size_t s = 0; s < sos.size(); ++s) {
    double* r = rows + 6 * s;
    r[0] = sos[s].b0, r[1] = sos[s].b1, r[2] = sos[s].b2, r[3] = 1.0, r[4] = sos[s].a1, r[5] = sos[s].a2;
  }
}

namespace {

constexpr double kTol = 100 * DBL_EPSILON;  // _cplxreal's default tolerance for float64

bool IsReal(C x) { return x.imag() == 0.0; }

// scipy _cplxreal: complex elements as one representative per conjugate pair (positive imaginary part, pairs
// averaged), then the real elements; both sorted by real part, then |imag|. The result order decides which
// pole zpk2sos meets first on ties, so every sort here is stable like np.lexsort.
std::vector<C> CplxReal(std::vector<C> z) {
  std::stable_sort(z.begin(), z.end(), [](C a, C b) {
    return a.real() < b.real() || (a.real() == b.real() && std::fabs(a.imag()) < std::fabs(b.imag()));
  });
  std::vector<C> zp, zn, zr;
  for (C x : z) {
    if (std::fabs(x.imag()) <= kTol * npc::Abs(x)) zr.push_back({x.real(), 0.0});
    else if (x.imag() > 0) zp.push_back(x);
    else zn.push_back(x);
  }
  if (zp.size() != zn.size()) throw std::invalid_argument("zpk2sos: complex value with no matching conjugate");
  // Runs of (nearly) equal real part are re-sorted by |imag| separately in zp and zn before pairing.
  size_t i = 0;
  while (i + 1 < zp.size()) {
    size_t j = i;
    while (j + 1 < zp.size() && zp[j + 1].real() - zp[j].real() <= kTol * npc::Abs(zp[j])) ++j;
    if (j > i) {
      auto by_imag = [](C a, C b) { return std::fabs(a.imag()) < std::fabs(b.imag()); };
      std::stable_sort(zp.begin() + i, zp.begin() + j + 1, by_imag);
      std::stable_sort(zn.begin() + i, zn.begin() + j + 1, by_imag);
    }
    i = j + 1;
  }
  std::vector<C> out;
  for (size_t m = 0; m < zp.size(); ++m) {
    C conj_n = std::conj(zn[m]);
    if (npc::Abs(zp[m] - conj_n) > kTol * npc::Abs(zn[m]))
      throw std::invalid_argument("zpk2sos: complex value with no matching conjugate");
    out.push_back(npc::Div(zp[m] + conj_n, C(2.0, 0.0)));
  }
  out.insert(out.end(), zr.begin(), zr.end());
  return out;
}

// argmin |1 - |p||: the pole nearest the unit circle (first one on ties, as np.argmin).
size_t IdxWorst(const std::vector<C>& p, const std::vector<size_t>& among) {
  size_t best = among[0];
  double best_d = std::fabs(1.0 - npc::Abs(p[best]));
  for (size_t i : among) {
    double d = std::fabs(1.0 - npc::Abs(p[i]));
    if (d < best_d) best = i, best_d = d;
  }
  return best;
}

enum class Which { kAny, kReal, kComplex };

// scipy _nearest_real_complex_idx: the element of `fro` nearest `to` among those of the wanted kind
// (stable argsort semantics: the lowest index wins a tie).
size_t Nearest(const std::vector<C>& fro, C to, Which which) {
  size_t best = fro.size();
  double best_d = 0;
  for (size_t i = 0; i < fro.size(); ++i) {
    if (which == Which::kReal && !IsReal(fro[i])) continue;
    if (which == Which::kComplex && IsReal(fro[i])) continue;
    double d = npc::Abs(fro[i] - to);
    if (best == fro.size() || d < best_d) best = i, best_d = d;
  }
  if (best == fro.size()) throw std::logic_error("zpk2sos: no zero of the requested kind");
  return best;
}

C Take(std::vector<C>& v, size_t i) {
  C x = v[i];
  v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
  return x;
}

// np.poly of up to two roots, real part (all our root pairs are conjugate or real): [1, -(r1 + r2), r1*r2].
std::vector<double> Poly(const std::vector<C>& r) {
  if (r.empty()) return {1.0};
  if (r.size() == 1) return {1.0, -r[0].real()};
  return {1.0, -r[1].real() + -r[0].real(), npc::Mul(-r[0], -r[1]).real()};
}

// scipy _single_zpksos: numerator and denominator right-aligned in [b0 b1 b2] and [a0 a1 a2].
Biquad Section(const std::vector<C>& z, const std::vector<C>& p) {
  std::vector<double> b = Poly(z), a = Poly(p);
  double row[6] = {0, 0, 0, 0, 0, 0};
  std::copy(b.begin(), b.end(), row + 3 - b.size());
  std::copy(a.begin(), a.end(), row + 6 - a.size());
  return {row[0], row[1], row[2], row[4], row[5]};
}

}  // namespace

Sos ZpkToSos(Zpk zpk) {
  std::vector<C>& z = zpk.z;
  std::vector<C>& p = zpk.p;
  if (z.empty() && p.empty()) return {{zpk.k, 0, 0, 0, 0}};
  while (p.size() < z.size()) p.push_back(0.0);
  while (z.size() < p.size()) z.push_back(0.0);
  size_t n_sections = (p.size() + 1) / 2;
  if (p.size() % 2 == 1) p.push_back(0.0), z.push_back(0.0);
  z = CplxReal(z);
  p = CplxReal(p);

  auto count_real = [](const std::vector<C>& v) { return std::count_if(v.begin(), v.end(), IsReal); };
  auto all_idx = [](const std::vector<C>& v) {
    std::vector<size_t> idx(v.size());
    for (size_t i = 0; i < v.size(); ++i) idx[i] = i;
    return idx;
  };

  Sos sos(n_sections);
  // Fill from the last section backwards so the poles nearest the unit circle end up last.
  for (size_t si = n_sections; si-- > 0;) {
    C p1 = Take(p, IdxWorst(p, all_idx(p)));
    if (IsReal(p1) && count_real(p) == 0) {
      // Special case 1: the last real pole takes the nearest real zero, each padded with a root at 0.
      C z1 = Take(z, Nearest(z, p1, Which::kReal));
      sos[si] = Section({z1, 0.0}, {p1, 0.0});
    } else if (p.size() + 1 == z.size() && !IsReal(p1) && count_real(p) == 1 && count_real(z) == 1) {
      // Special case 2: one real pole and one real zero remain; this complex pole must take a complex zero.
      C z1 = Take(z, Nearest(z, p1, Which::kComplex));
      sos[si] = Section({z1, std::conj(z1)}, {p1, std::conj(p1)});
    } else {
      C p2;
      if (IsReal(p1)) {
        std::vector<size_t> real_idx;
        for (size_t i = 0; i < p.size(); ++i)
          if (IsReal(p[i])) real_idx.push_back(i);
        p2 = Take(p, IdxWorst(p, real_idx));
      } else {
        p2 = std::conj(p1);
      }
      if (z.empty()) {
        sos[si] = Section({}, {p1, p2});
      } else {
        C z1 = Take(z, Nearest(z, p1, Which::kAny));
        if (!IsReal(z1)) {
          sos[si] = Section({z1, std::conj(z1)}, {p1, p2});
        } else if (!z.empty()) {
          C z2 = Take(z, Nearest(z, p1, Which::kReal));
          sos[si] = Section({z1, z2}, {p1, p2});
        } else {
          sos[si] = Section({z1}, {p1, p2});
        }
      }
    }
  }
  sos[0].b0 *= zpk.k, sos[0].b1 *= zpk.k, sos[0].b2 *= zpk.k;
  return sos;
}

std::vector<double> SosSteadyStateZi(const Sos& sos) {
  std::vector<double> zi(2 * sos.size());
  double scale = 1.0;
  for (size_t s = 0; s < sos.size(); ++s) {
    const Biquad& q = sos[s];
    // lfilter_zi solves (I - companion(a).T) zi = b[1:] - a[1:]*b0, here the 2x2 system
    //   [1 + a1  -1] [z0]   [b1 - a1*b0]
    //   [  a2     1] [z1] = [b2 - a2*b0]
    // by LU with partial pivoting, as numpy's solve (OpenBLAS gesv) does: reciprocal pivot for the multiplier,
    // fused multiply-adds in the elimination. Poles near z = 1 make this system ill-conditioned (det = sum(a)),
    // so matching the operation order keeps the steady state within an ulp or two of scipy's.
    double m[2][3] = {{1.0 + q.a1, -1.0, q.b1 - q.a1 * q.b0}, {q.a2, 1.0, q.b2 - q.a2 * q.b0}};
    if (std::fabs(m[1][0]) > std::fabs(m[0][0])) std::swap(m[0], m[1]);
    if (m[0][0] == 0.0) throw std::invalid_argument("sosfilt_zi: section " + std::to_string(s) + " is singular");
    double l = m[1][0] * (1.0 / m[0][0]);
    double u11 = std::fma(-l, m[0][1], m[1][1]);
    double y1 = std::fma(-l, m[0][2], m[1][2]);
    if (u11 == 0.0)
      throw std::invalid_argument("sosfilt_zi: section " + std::to_string(s) + " has a pole at z = 1");
    double z1 = y1 / u11;
    double z0 = std::fma(-z1, m[0][1], m[0][2]) / m[0][0];
    zi[2 * s] = scale * z0;
    zi[2 * s + 1] = scale * z1;
    scale *= ((q.b0 + q.b1) + q.b2) / ((1.0 + q.a1) + q.a2);
  }
  return zi;
}

size_t SosNumTaps(const Sos& sos) {
  size_t zb = 0, za = 0;
  for (const Biquad& q : sos) zb += q.b2 == 0.0, za += q.a2 == 0.0;
  return 2 * sos.size() + 1 - std::min(zb, za);
}

double SosMaxPoleRadius(const Sos& sos) {
  double r = 0.0;
  for (const Biquad& q : sos) {
    const double disc = q.a1 * q.a1 - 4.0 * q.a2;
    // Complex pair: |z|^2 = a2. Real roots: (-a1 +- sqrt(disc)) / 2, the larger magnitude (|a1| + sqrt) / 2.
    r = std::max(r, disc < 0.0 ? std::sqrt(q.a2) : 0.5 * (std::fabs(q.a1) + std::sqrt(disc)));
  }
  return r;
}

std::optional<Sos> PairBandPassZeros(const Sos& sos) {
  int at_one = 0, at_minus_one = 0;  // zeros at z = 1 and z = -1
  double gain = 1.0;
  for (const Biquad& q : sos) {
    if (q.b0 == 0.0 || q.b2 != (q.b1 == 0.0 ? -q.b0 : q.b0)) return std::nullopt;
    if (q.b1 == 2.0 * q.b0) at_minus_one += 2;
    else if (q.b1 == -2.0 * q.b0) at_one += 2;
    else if (q.b1 == 0.0) ++at_one, ++at_minus_one;
    else return std::nullopt;
    gain *= q.b0;
  }
  if (at_one != at_minus_one || !std::isfinite(gain) || gain == 0.0) return std::nullopt;
  Sos paired = sos;
  for (Biquad& q : paired) q.b0 = 1.0, q.b1 = 0.0, q.b2 = -1.0;
  paired[0].b0 = gain, paired[0].b2 = -gain;
  return paired;
}

}  // namespace rpl::dsp
