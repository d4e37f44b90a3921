#include "dynaopt/problems/nanosphere/start_records.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "dynaopt/core/splitmix64.hpp"

namespace dynaopt {

std::vector<double> uniform_design(long seed, long start, int layers, double min_thickness, double max_radius) {
  // Exponential variates E_0..E_L normalised by their sum are Dirichlet(1, ..., 1): uniform on
  // the simplex; dropping the slack E_L leaves a uniform point of {u >= 0, sum u <= 1}.
  std::vector<double> e(static_cast<std::size_t>(layers) + 1);
  double sum = 0;
  std::uint64_t state = splitmix64(std::uint64_t(seed)) ^ splitmix64(~std::uint64_t(start));
  for (double& v : e) {
    state = splitmix64(state);
    v = -std::log(open_unit(state));
    sum += v;
  }
  const double budget = max_radius - layers * min_thickness;
  std::vector<double> t(static_cast<std::size_t>(layers));
  for (std::size_t l = 0; l < t.size(); ++l) t[l] = min_thickness + budget * e[l] / sum;
  return t;
}

std::vector<Optimum> distinct_optima(const std::vector<StartRecord>& records,
                                     const std::vector<std::vector<double>>& spectra, OptimumTolerance tolerance) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records[i].status == StartRecord::Status::converged && std::isfinite(records[i].objective)) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return records[a].objective > records[b].objective; });
  const auto same_spectrum = [&](const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t w = 0; w < a.size(); ++w)
      if (std::fabs(a[w] - b[w]) > tolerance.spectrum * std::max(std::fabs(a[w]), std::fabs(b[w]))) return false;
    return true;
  };
  std::vector<Optimum> optima;
  std::vector<std::size_t> founders;
  for (std::size_t i : order) {
    const StartRecord& r = records[i];
    std::size_t k = 0;
    for (; k < optima.size(); ++k)
      if (std::fabs(r.objective - optima[k].objective) <= tolerance.objective * std::fabs(optima[k].objective) &&
          same_spectrum(spectra[i], spectra[founders[k]]))
        break;
    if (k == optima.size()) {
      optima.push_back({r.objective, r.thickness, r.stationarity, r.start, 0, r.thickness, r.thickness});
      founders.push_back(i);
    }
    Optimum& o = optima[k];
    ++o.members;
    for (std::size_t l = 0; l < r.thickness.size(); ++l)
      o.lowest[l] = std::min(o.lowest[l], r.thickness[l]), o.highest[l] = std::max(o.highest[l], r.thickness[l]);
  }
  return optima;
}

}  // namespace dynaopt
