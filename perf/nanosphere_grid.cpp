// The lattice reference for a nanosphere deck's global optimum, through the force pass the
// optimizer uses (batched band averages on the default device):
//  1. every design of a lattice of spacing `step` nm over the feasible polytope
//     {t >= t_min, sum t <= R_max};
//  2. issue 13's recipe: lattices ten times finer over the box of +-2 spacings around the best so
//     far, down to `finest` nm;
//  3. every local maximum of the coarse lattice (no feasible neighbour, diagonals included, is
//     higher; the `seeds` highest) polished by projected gradient ascent with Barzilai-Borwein
//     steps and an Armijo backtracking line search to |G| <= `stationarity` |J| per nm.
// Step 2 alone misses an optimum on a ridge narrower than the coarse spacing whose crest runs
// between the lattice's planes (the three-layer Cabs design of docs/nanosphere.md): the
// refinement stays on the part of the ridge that a plane happens to cut. The polish is monotone
// and deterministic, a method none of the optimizers under test uses, with its own projection and
// |G| (not dynaopt::Bounds, so that the reference does not share the code it checks), and its
// seeds cover every basin the coarse lattice resolves.
// Prints each stage and the reference (the best of all); scripts/nanosphere_optima.sh compares
// every optimizer's multi-start with it.
//
//   nanosphere_grid deck.yaml [--step 5] [--finest 0.05] [--seeds 32] [--stationarity 1e-5]
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "dynaopt/core/deck.hpp"
#include "dynaopt/problems/nanosphere/absorption_model.hpp"
#include "dynaopt/problems/registry.hpp"

namespace {

using Device = Kokkos::DefaultExecutionSpace::device_type;
using dynaopt::NanosphereSpec;

using Design = std::vector<double>;  // thicknesses, nm

// A lattice point: t_l = t_min + k_l spacing.
using Point = std::vector<long>;

double coordinate(const NanosphereSpec& spec, long k, double spacing) { return spec.min_thickness + double(k) * spacing; }

bool feasible(const NanosphereSpec& spec, const Point& k, double spacing) {
  double sum = 0;
  for (long kl : k) {
    if (kl < 0) return false;
    sum += coordinate(spec, kl, spacing);
  }
  return sum <= spec.max_radius + 1e-9;
}

// J and dJ/dt of every design, in batches through the force pass's kernel.
using Evaluation = dynaopt::nanosphere::AbsorptionModel<Device>::Values;
Evaluation evaluate(const dynaopt::nanosphere::AbsorptionModel<Device>& model, const NanosphereSpec& spec,
                    const std::vector<Design>& designs, long& evaluations) {
  evaluations += long(designs.size());
  return model.evaluate(designs, spec.objective);
}

double norm(const Design& v) {
  double sum = 0;
  for (double x : v) sum += x * x;
  return std::sqrt(sum);
}

// The Euclidean projection onto {t >= t_min, sum t <= R_max}: clip, or clip(y - theta) with the
// threshold theta >= 0 that puts the sum on R_max (bisection; the sum is monotone in theta).
Design project(const NanosphereSpec& spec, const Design& y) {
  const auto clipped = [&](double theta) {
    Design t(y.size());
    double sum = 0;
    for (std::size_t l = 0; l < y.size(); ++l) sum += t[l] = std::max(spec.min_thickness, y[l] - theta);
    return std::make_pair(t, sum);
  };
  auto [t, sum] = clipped(0);
  if (sum <= spec.max_radius) return t;
  double low = 0, high = *std::max_element(y.begin(), y.end()) - spec.min_thickness;
  for (int i = 0; i < 200 && high - low > 1e-15 * (1 + high); ++i) {
    const double mid = 0.5 * (low + high);
    (clipped(mid).second > spec.max_radius ? low : high) = mid;
  }
  return clipped(high).first;
}

// |G|, G = (P(t + tau g) - t) / tau for a small tau: the projected gradient (issue 13's measure).
double stationarity(const NanosphereSpec& spec, const Design& t, const Design& g) {
  const double tau = 1e-7 / std::max(1.0, norm(g));
  Design y = t;
  for (std::size_t l = 0; l < t.size(); ++l) y[l] += tau * g[l];
  const Design p = project(spec, y);
  Design step(t.size());
  for (std::size_t l = 0; l < t.size(); ++l) step[l] = (p[l] - t[l]) / tau;
  return norm(step);
}

// The next offset of {lo..hi}^n in odometer order; false after the last.
bool next_offset(Point& offset, long lo, long hi) {
  std::size_t l = 0;
  while (l < offset.size() && offset[l] == hi) offset[l++] = lo;
  if (l == offset.size()) return false;
  ++offset[l];
  return true;
}

struct Level {
  double spacing;
  std::vector<Point> points;
  Evaluation values;
};

std::vector<Design> coordinates(const NanosphereSpec& spec, const Level& level) {
  std::vector<Design> out;
  for (const Point& k : level.points) {
    Design t;
    for (long kl : k) t.push_back(coordinate(spec, kl, level.spacing));
    out.push_back(t);
  }
  return out;
}

// The designs of `level` that no feasible neighbour (every offset in {-1, 0, 1}^n) exceeds.
std::vector<std::size_t> local_maxima(const NanosphereSpec& spec, const Level& level) {
  std::map<Point, std::size_t> index;
  for (std::size_t p = 0; p < level.points.size(); ++p) index[level.points[p]] = p;
  const std::size_t n = spec.layers.size();
  std::vector<std::size_t> out;
  for (std::size_t p = 0; p < level.points.size(); ++p) {
    bool highest = true;
    Point offset(n, -1), k(n);
    do {
      for (std::size_t l = 0; l < n; ++l) k[l] = level.points[p][l] + offset[l];
      const auto it = index.find(k);
      if (it != index.end() && level.values.objective[it->second] > level.values.objective[p]) highest = false;
    } while (next_offset(offset, -1, 1));
    if (highest) out.push_back(p);
  }
  return out;
}

// Projected gradient ascent with Barzilai-Borwein steps and an Armijo backtracking line search
// from every seed, all seeds in one batch per iteration: monotone, so each ends at (or on its way
// to) the stationary point above its seed; stops at |G| <= tolerance |J| per nm.
struct Polished {
  Design t;
  double objective, stationarity;
  long iterations;
};
std::vector<Polished> polish(const dynaopt::nanosphere::AbsorptionModel<Device>& model, const NanosphereSpec& spec,
                             std::vector<Design> t, double tolerance, long max_iterations, long& evaluations) {
  const std::size_t seeds = t.size();
  Evaluation at = evaluate(model, spec, t, evaluations);
  std::vector<double> rate(seeds, 1e-4);
  std::vector<Polished> out(seeds);
  std::vector<std::size_t> active;
  for (std::size_t s = 0; s < seeds; ++s) active.push_back(s);
  for (long iteration = 0; !active.empty() && iteration < max_iterations; ++iteration) {
    std::vector<std::size_t> moving;
    for (std::size_t s : active) {
      out[s] = {t[s], at.objective[s], stationarity(spec, t[s], at.gradient[s]), iteration};
      if (out[s].stationarity > tolerance * std::fabs(at.objective[s])) moving.push_back(s);
    }
    std::vector<Design> trial;
    for (std::size_t s : moving) {
      Design y = t[s];
      for (std::size_t l = 0; l < y.size(); ++l) y[l] += rate[s] * at.gradient[s][l];
      trial.push_back(project(spec, y));
    }
    const Evaluation next = evaluate(model, spec, trial, evaluations);
    for (std::size_t m = 0; m < moving.size(); ++m) {
      const std::size_t s = moving[m];
      double rise = 0;
      for (std::size_t l = 0; l < trial[m].size(); ++l) rise += at.gradient[s][l] * (trial[m][l] - t[s][l]);
      if (next.objective[m] >= at.objective[s] + 1e-4 * rise) {
        // The next trial step is Barzilai-Borwein's |s|^2 / |s.y| (s the step, y the change of
        // g): the inverse curvature along the step, which a narrow ridge needs; doubled where
        // the step met no concavity.
        double ss = 0, sy = 0;
        for (std::size_t l = 0; l < trial[m].size(); ++l) {
          const double step = trial[m][l] - t[s][l];
          ss += step * step, sy += step * (next.gradient[m][l] - at.gradient[s][l]);
        }
        rate[s] = sy < 0 ? std::min(ss / -sy, 1e3) : 2 * rate[s];
        t[s] = trial[m], at.objective[s] = next.objective[m], at.gradient[s] = next.gradient[m];
      } else {
        rate[s] /= 2;
      }
    }
    active = moving;
  }
  for (std::size_t s : active) out[s] = {t[s], at.objective[s], stationarity(spec, t[s], at.gradient[s]), max_iterations};
  return out;
}

// Every point of the lattice of `spacing` in the feasible polytope.
std::vector<Point> whole_lattice(const NanosphereSpec& spec, double spacing) {
  std::vector<Point> out;
  Point k(spec.layers.size());
  const std::function<void(std::size_t)> fill = [&](std::size_t l) {
    if (l == k.size()) return out.push_back(k);
    for (k[l] = 0;; ++k[l]) {
      Point head(k.begin(), k.begin() + long(l) + 1);
      if (!feasible(spec, head, spacing)) break;
      fill(l + 1);
    }
  };
  fill(0);
  return out;
}

// The designs c + o spacing, o in {-20..20}^n (the box of +-2 spacings of the level before), in
// the feasible set.
std::vector<Design> box(const NanosphereSpec& spec, const Design& centre, double spacing) {
  std::vector<Design> out;
  const std::size_t n = centre.size();
  Point offset(n, -20);
  do {
    Design t(n);
    double sum = 0;
    bool inside = true;
    for (std::size_t l = 0; l < n; ++l) {
      sum += t[l] = centre[l] + double(offset[l]) * spacing;
      inside = inside && t[l] >= spec.min_thickness - 1e-9;
    }
    if (inside && sum <= spec.max_radius + 1e-9) out.push_back(t);
  } while (next_offset(offset, -20, 20));
  return out;
}

void print_design(const char* what, double objective, const Design& t) {
  std::printf("%s %.12e at", what, objective);
  for (double x : t) std::printf(" %.3f", x);
}

}  // namespace

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  double step = 5, finest = 0.05, tolerance = 1e-5;
  long seeds = 32, max_iterations = 10000;
  bool usage = argc < 2 || argc % 2 != 0;
  for (int i = 2; !usage && i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--step") step = std::atof(argv[i + 1]);
    else if (key == "--finest") finest = std::atof(argv[i + 1]);
    else if (key == "--seeds") seeds = std::atol(argv[i + 1]);
    else if (key == "--stationarity") tolerance = std::atof(argv[i + 1]);
    else usage = true;
  }
  if (usage || !(step > 0 && finest > 0 && seeds >= 0 && tolerance > 0)) {
    std::fprintf(stderr, "usage: nanosphere_grid deck.yaml [--step 5] [--finest 0.05] [--seeds 32] [--stationarity 1e-5]\n");
    return 1;
  }
  const dynaopt::Deck deck = dynaopt::Deck::from_file(argv[1]);
  const NanosphereSpec spec = std::get<NanosphereSpec>(dynaopt::read_job(deck).problem);
  const dynaopt::nanosphere::AbsorptionModel<Device> model(spec);
  long evaluations = 0;

  Level lattice{step, whole_lattice(spec, step), {}};
  const std::vector<Design> points = coordinates(spec, lattice);
  lattice.values = evaluate(model, spec, points, evaluations);
  const auto& j = lattice.values.objective;
  std::size_t top = std::size_t(std::max_element(j.begin(), j.end()) - j.begin());
  double reference = j[top];
  Design reference_design = points[top];
  std::printf("lattice %g nm: %zu designs, ", step, points.size());
  print_design("best", reference, reference_design);
  std::printf("\n");

  // The recipe: lattices ten times finer over the box of +-2 spacings around the best.
  double best = reference;
  Design best_design = reference_design;
  for (double spacing = step / 10; spacing >= finest * (1 - 1e-9); spacing /= 10) {
    const std::vector<Design> designs = box(spec, best_design, spacing);
    const Evaluation values = evaluate(model, spec, designs, evaluations);
    for (std::size_t d = 0; d < designs.size(); ++d)
      if (values.objective[d] > best) best = values.objective[d], best_design = designs[d];
    std::printf("lattice %g nm: %zu designs around the best, ", spacing, designs.size());
    print_design("best", best, best_design);
    std::printf("\n");
    std::fflush(stdout);
  }
  if (best > reference) reference = best, reference_design = best_design;

  // Every local maximum of the coarse lattice (the `seeds` highest), polished to stationarity.
  std::vector<std::size_t> maxima = local_maxima(spec, lattice);
  std::sort(maxima.begin(), maxima.end(), [&](std::size_t a, std::size_t b) { return j[a] > j[b]; });
  std::printf("local maxima of the %g nm lattice: %zu, polishing the %zu highest\n", step, maxima.size(),
              std::min(maxima.size(), std::size_t(seeds)));
  std::fflush(stdout);
  if (maxima.size() > std::size_t(seeds)) maxima.resize(std::size_t(seeds));
  std::vector<Design> starts;
  for (std::size_t p : maxima) starts.push_back(points[p]);
  std::vector<Polished> polished = polish(model, spec, starts, tolerance, max_iterations, evaluations);
  std::sort(polished.begin(), polished.end(), [](const Polished& a, const Polished& b) { return a.objective > b.objective; });
  for (std::size_t k = 0; k < polished.size() && k < 8; ++k) {
    print_design("polished", polished[k].objective, polished[k].t);
    std::printf(", |G|/|J| %.1e, %ld iterations\n", polished[k].stationarity / std::fabs(polished[k].objective),
                polished[k].iterations);
  }
  if (!polished.empty() && polished.front().objective > reference)
    reference = polished.front().objective, reference_design = polished.front().t;
  print_design("reference: best", reference, reference_design);
  std::printf(", %ld evaluations\n", evaluations);
  return 0;
}
