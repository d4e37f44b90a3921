// The exhaustive reference for a nanosphere deck's global optimum: every design of a lattice of
// spacing `step` nm over the feasible polytope {t >= t_min, sum t <= R_max}, then lattices ten
// times finer over the box of +-2 spacings around the best so far, down to `finest` nm, all
// through the force pass the optimizer uses (batched band averages on the default device).
// Prints the evaluations and the best design of each level; scripts/nanosphere_optima.sh
// compares every optimizer's multi-start with it.
//
//   nanosphere_grid deck.yaml [--step 5] [--finest 0.05]
#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "dynaopt/core/deck.hpp"
#include "dynaopt/problems/nanosphere/absorption_model.hpp"
#include "dynaopt/problems/registry.hpp"

namespace {

using Device = Kokkos::DefaultExecutionSpace::device_type;
using dynaopt::NanosphereSpec;

struct Best {
  double objective = -HUGE_VAL;
  std::vector<double> thickness;
  long evaluations = 0;
};

// Evaluates `designs` (rows of thicknesses, nm) in batches and keeps the best.
void evaluate(const dynaopt::nanosphere::AbsorptionModel<Device>& model, const NanosphereSpec& spec,
              const std::vector<std::vector<double>>& designs, Best& best) {
  const std::size_t layers = spec.layers.size(), batch = 4096;
  for (std::size_t first = 0; first < designs.size(); first += batch) {
    const std::size_t n = std::min(batch, designs.size() - first);
    Kokkos::View<int*, Device> list("list", n);
    Kokkos::View<double**, Kokkos::LayoutRight, Device> t("t", n, layers), g("g", n, layers);
    Kokkos::View<double*, Device> j("j", n);
    auto th = Kokkos::create_mirror_view(t);
    auto lh = Kokkos::create_mirror_view(list);
    for (std::size_t d = 0; d < n; ++d) {
      lh(d) = int(d);
      for (std::size_t l = 0; l < layers; ++l) th(d, l) = designs[first + d][l];
    }
    Kokkos::deep_copy(t, th);
    Kokkos::deep_copy(list, lh);
    model.band_average(list, int(n), t, 1.0, 1.0, spec.objective, j, g);
    const auto jh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), j);
    for (std::size_t d = 0; d < n; ++d)
      if (jh(d) > best.objective) best.objective = jh(d), best.thickness = designs[first + d];
    best.evaluations += long(n);
  }
}

// Every lattice point t_l = origin_l + k_l spacing (k_l >= 0, t_l <= limit_l) in the set.
std::vector<std::vector<double>> lattice(const NanosphereSpec& spec, const std::vector<double>& origin,
                                         const std::vector<double>& limit, double spacing) {
  std::vector<std::vector<double>> out;
  std::vector<double> t(origin.size());
  const std::function<void(std::size_t, double)> fill = [&](std::size_t l, double sum) {
    if (l == t.size()) return out.push_back(t);
    for (long k = 0;; ++k) {
      t[l] = origin[l] + double(k) * spacing;
      if (t[l] > limit[l] + 1e-9 || sum + t[l] > spec.max_radius + 1e-9) break;
      if (t[l] >= spec.min_thickness - 1e-9) fill(l + 1, sum + t[l]);
    }
  };
  fill(0, 0.0);
  return out;
}

}  // namespace

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: nanosphere_grid deck.yaml [--step 5] [--refine 0.5]\n");
    return 1;
  }
  double step = 5, finest = 0.05;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--step") step = std::atof(argv[i + 1]);
    else if (std::string(argv[i]) == "--finest") finest = std::atof(argv[i + 1]);
  }
  const dynaopt::Deck deck = dynaopt::Deck::from_file(argv[1]);
  const NanosphereSpec spec = std::get<NanosphereSpec>(dynaopt::read_job(deck).problem);
  const dynaopt::nanosphere::AbsorptionModel<Device> model(spec);
  const std::size_t layers = spec.layers.size();
  Best best;
  std::vector<double> origin(layers, spec.min_thickness), limit(layers, spec.max_radius);
  for (double spacing = step; spacing >= finest * (1 - 1e-9); spacing /= 10) {
    const long before = best.evaluations;
    evaluate(model, spec, lattice(spec, origin, limit, spacing), best);
    std::printf("lattice %g nm: %ld designs, best %.12e at", spacing, best.evaluations - before, best.objective);
    for (double t : best.thickness) std::printf(" %.3f", t);
    std::printf("\n");
    for (std::size_t l = 0; l < layers; ++l)
      origin[l] = std::max(spec.min_thickness, best.thickness[l] - 2 * spacing), limit[l] = best.thickness[l] + 2 * spacing;
  }
  std::printf("evaluations: %ld\n", best.evaluations);
  return 0;
}
