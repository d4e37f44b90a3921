#include "dynaopt/problems/nanosphere/mlsl.hpp"

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <limits>
#include <numeric>

#include "dynaopt/core/splitmix64.hpp"

namespace dynaopt {

long MlslSpec::round_capacity() const {
  return searches_per_round > 0 ? searches_per_round : reduced_sample_size(reduced_fraction, samples);
}

DesignSequence::DesignSequence(int layers, double min_thickness, double max_radius, long seed)
    : layers_(layers), min_thickness_(min_thickness), budget_(max_radius - layers * min_thickness) {
  // A random digital shift (each coordinate's bits XORed with a fixed random word) keeps every
  // (t, m, s)-net property of the sequence and makes the seed choose among equally good ones.
  std::uint64_t state = splitmix64(~std::uint64_t(seed));
  for (int l = 0; l < layers; ++l) shift_.push_back(state = splitmix64(state));
}

std::vector<std::vector<double>> DesignSequence::draw(long first, long count) const {
  boost::random::sobol sobol(static_cast<std::size_t>(layers_));
  sobol.seed(static_cast<boost::random::sobol::result_type>(first));
  std::vector<std::vector<double>> points;
  std::vector<double> u(static_cast<std::size_t>(layers_));
  for (long i = 0; i < count; ++i) {
    for (std::size_t l = 0; l < u.size(); ++l) u[l] = open_unit(sobol() ^ shift_[l]);
    // The spacings of L sorted uniforms are uniform on {s >= 0, sum s <= 1} (the order
    // statistics' map is measure-preserving from each of the cube's L! simplices), so a
    // well-spread point set in the cube stays well spread in the design set.
    std::sort(u.begin(), u.end());
    std::vector<double> t(u.size());
    for (std::size_t l = 0; l < u.size(); ++l) t[l] = min_thickness_ + budget_ * (u[l] - (l ? u[l - 1] : 0.0));
    points.push_back(std::move(t));
  }
  return points;
}

double design_set_volume(int layers, double min_thickness, double max_radius) {
  return std::exp(layers * std::log(max_radius - layers * min_thickness) - std::lgamma(layers + 1.0));
}

double critical_distance(int dimension, double volume, double sigma, long samples) {
  constexpr double pi = 3.14159265358979323846;
  const double n = dimension, k_n = double(samples);
  // In logarithms: Gamma(1 + n/2) and vol(S) overflow long before their product's root does.
  const double log_inner = std::lgamma(1 + n / 2) + std::log(sigma) + std::log(volume) + std::log(std::log(k_n)) -
                           std::log(k_n);
  return std::exp(log_inner / n - 0.5 * std::log(pi));
}

double expected_optima(long found, long trials) {
  if (trials <= found + 2) return std::numeric_limits<double>::infinity();
  return double(found) * double(trials - 1) / double(trials - found - 2);
}

long reduced_sample_size(double reduced_fraction, long samples) {
  return std::min(samples, long(std::ceil(reduced_fraction * double(samples))));
}

long rule_trials(long reduced_sample, long converged_searches, long ended_searches) {
  if (ended_searches <= 0) return reduced_sample;
  return long(double(reduced_sample) * double(converged_searches) / double(ended_searches));
}

std::vector<long> mlsl_starts(const std::vector<DesignPoint>& samples, const std::vector<char>& started,
                              const std::vector<DesignPoint>& optima, double reduced_fraction, double radius,
                              long limit) {
  const auto distance_sq = [](const std::vector<double>& a, const std::vector<double>& b) {
    double d = 0;
    for (std::size_t l = 0; l < a.size(); ++l) d += (a[l] - b[l]) * (a[l] - b[l]);
    return d;
  };
  std::vector<long> order(samples.size());
  std::iota(order.begin(), order.end(), 0L);
  // NaN objectives (a sample the model could not evaluate) sort last and never start.
  const auto better = [&](long a, long b) {
    const double ja = samples[std::size_t(a)].objective, jb = samples[std::size_t(b)].objective;
    if (std::isnan(jb)) return !std::isnan(ja);
    return ja > jb;
  };
  std::stable_sort(order.begin(), order.end(), better);
  const long reduced = reduced_sample_size(reduced_fraction, long(samples.size()));
  const double r2 = radius * radius;
  std::vector<long> chosen;
  for (long i = 0; i < reduced && long(chosen.size()) < limit; ++i) {
    const auto s = std::size_t(order[std::size_t(i)]);
    const DesignPoint& x = samples[s];
    if (started[s] || !std::isfinite(x.objective)) continue;
    bool linked = false;
    for (long j = 0; j < i && !linked; ++j) {  // the samples ranked above x: every better one
      const DesignPoint& z = samples[std::size_t(order[std::size_t(j)])];
      linked = z.objective > x.objective && distance_sq(z.thickness, x.thickness) <= r2;
    }
    for (std::size_t o = 0; o < optima.size() && !linked; ++o)
      linked = optima[o].objective > x.objective && distance_sq(optima[o].thickness, x.thickness) <= r2;
    if (!linked) chosen.push_back(long(s));
  }
  return chosen;
}

}  // namespace dynaopt
