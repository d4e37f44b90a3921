#include "dynaopt/problems/nanosphere/start_records.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace dynaopt {
namespace {

// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): a counter-based generator, so that start s
// draws the same numbers whichever rank runs it.
std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(sum);
}

}  // namespace

std::vector<double> uniform_design(long seed, long start, int layers, double min_thickness, double max_radius) {
  // Exponential variates E_0..E_L normalised by their sum are Dirichlet(1, ..., 1): uniform on
  // the simplex; dropping the slack E_L leaves a uniform point of {u >= 0, sum u <= 1}.
  std::vector<double> e(static_cast<std::size_t>(layers) + 1);
  double sum = 0;
  std::uint64_t state = splitmix64(std::uint64_t(seed)) ^ splitmix64(~std::uint64_t(start));
  for (double& v : e) {
    state = splitmix64(state);
    const double uniform = (double(state >> 11) + 0.5) * 0x1p-53;  // in (0, 1)
    v = -std::log(uniform);
    sum += v;
  }
  const double budget = max_radius - layers * min_thickness;
  std::vector<double> t(static_cast<std::size_t>(layers));
  for (std::size_t l = 0; l < t.size(); ++l) t[l] = min_thickness + budget * e[l] / sum;
  return t;
}

std::vector<Optimum> distinct_optima(std::vector<StartRecord> records, double radius) {
  records.erase(std::remove_if(records.begin(), records.end(),
                               [](const StartRecord& r) {
                                 return r.status == StartRecord::Status::failed || !std::isfinite(r.objective);
                               }),
                records.end());
  std::stable_sort(records.begin(), records.end(),
                   [](const StartRecord& a, const StartRecord& b) { return a.objective > b.objective; });
  std::vector<Optimum> optima;
  for (const StartRecord& r : records) {
    auto near = std::find_if(optima.begin(), optima.end(),
                             [&](const Optimum& o) { return distance(o.thickness, r.thickness) <= radius; });
    if (near != optima.end()) ++near->members;
    else optima.push_back({r.objective, r.thickness, r.start, 1});
  }
  return optima;
}

}  // namespace dynaopt
