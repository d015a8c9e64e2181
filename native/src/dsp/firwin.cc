#include "dsp/firwin.h"

#include <cmath>
#include <stdexcept>

#include "dsp/kaiser.h"

namespace rpl::dsp {

namespace {

constexpr double kPi = 3.141592653589793238462643383279502884;  // == numpy.pi

// numpy.sinc(x) = sin(y) / y with y = pi * x, and y = eps where x == 0 (so sinc(0) == 1 exactly).
double NumpySinc(double x) {
  double y = kPi * x;
  if (y == 0.0) y = 2.220446049250313e-16;
  return std::sin(y) / y;
}

}  // namespace

double NumpyPairwiseSum(const double* a, std::size_t n) {
  if (n < 8) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return NumpyPairwiseSum(a, n2) + NumpyPairwiseSum(a + n2, n - n2);
}

std::vector<double> FirwinLowpass(std::size_t numtaps, double cutoff, const std::vector<double>& window) {
  if (numtaps == 0) throw std::invalid_argument("firwin: numtaps must be >= 1");
  if (!(cutoff > 0.0 && cutoff < 1.0)) throw std::invalid_argument("firwin: cutoff must be in (0, 1)");
  if (window.size() != numtaps) throw std::invalid_argument("firwin: window length differs from numtaps");
  // scipy: m = arange(numtaps) - alpha; h = right * sinc(right * m) (the left edge 0 adds exactly 0);
  // h *= win; h /= sum(h * cos(0)).
  const double alpha = 0.5 * static_cast<double>(numtaps - 1);
  std::vector<double> h(numtaps);
  for (std::size_t n = 0; n < numtaps; ++n) {
    const double m = static_cast<double>(n) - alpha;
    h[n] = cutoff * NumpySinc(cutoff * m) * window[n];
  }
  const double s = NumpyPairwiseSum(h.data(), h.size());
  for (double& v : h) v /= s;
  return h;
}

std::vector<double> FirwinKaiser(std::size_t numtaps, double cutoff, double beta) {
  return FirwinLowpass(numtaps, cutoff, KaiserWindow(numtaps, beta));
}

}  // namespace rpl::dsp
