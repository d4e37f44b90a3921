#pragma once
// The band average of paper 001 eq. 53, J = 1/(l2 - l1) int_{l1}^{l2} C_abs(l) dl, as a
// quadrature over sample wavelengths: weights that sum to one, so J = sum_i w_i C_abs(l_i).
#include <stdexcept>
#include <string>
#include <vector>

namespace dynaopt::nanosphere {

struct Band {
  double from = 400, to = 800;  // nm
  int samples = 801;
  enum class Rule { trapezoid, simpson } rule = Rule::simpson;
};

struct Quadrature {
  std::vector<double> wavelengths, weights;
};

// Equally spaced samples from `from` to `to` with trapezoid or composite Simpson weights
// (Simpson needs an odd number of samples), normalised to average over the band.
inline Quadrature band_quadrature(const Band& band) {
  if (!(band.to > band.from)) throw std::invalid_argument("band: 'to' must exceed 'from'");
  if (band.samples < 2) throw std::invalid_argument("band: at least 2 samples");
  if (band.rule == Band::Rule::simpson && band.samples % 2 == 0)
    throw std::invalid_argument("band: Simpson's rule needs an odd number of samples, got " +
                                std::to_string(band.samples));
  Quadrature q;
  const int n = band.samples;
  const double h = (band.to - band.from) / (n - 1);
  for (int i = 0; i < n; ++i) {
    q.wavelengths.push_back(band.from + h * i);
    double w = 1;
    if (band.rule == Band::Rule::trapezoid) w = (i == 0 || i == n - 1) ? 0.5 : 1.0;
    else w = (i == 0 || i == n - 1) ? 1.0 / 3 : (i % 2 == 1 ? 4.0 / 3 : 2.0 / 3);
    q.weights.push_back(w * h / (band.to - band.from));
  }
  return q;
}

}  // namespace dynaopt::nanosphere
