// Evaluations per second of one 3-layer Ag / SiO2 / Ag design (40 / 20 / 15 nm) at one
// wavelength, double, on one core: value only, and value + the 3-component thickness gradient
// by dual numbers. scattnlay's value-only evaluation takes about 20 us here (issue #4's anchor).
// Then the throughput of the multi-start force pass on the default execution space (the GPU
// in a CUDA build): band-averaged Cabs and its gradient for batches of such designs.
//
//   bench_mie [--seconds S (default 1)] [--designs 24,1024 (default 24)] [--samples W (default 801)]
#include <Kokkos_Core.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "dynaopt/core/deck.hpp"
#include "dynaopt/problems/nanosphere/absorption_model.hpp"
#include "dynaopt/problems/nanosphere/dual.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"
#include "dynaopt/problems/nanosphere/mie.hpp"
#include "dynaopt/problems/registry.hpp"

namespace {

using namespace dynaopt::nanosphere;

// Cabs at wavelength `lambda` of thicknesses t, as T (double, or a dual seeded per thickness).
template <class T>
T cabs(const double* t, double lambda) {
  const auto ag = DrudeMetal{}.index(lambda);
  const Complex<double> index[3] = {ag, {1.45, 0}, ag};
  T thickness[3];
  for (int l = 0; l < 3; ++l) {
    if constexpr (std::is_same<T, double>::value) thickness[l] = t[l];
    else thickness[l] = T::variable(t[l], l);
  }
  return multilayer_absorption<T, 16, 64>(3, thickness, index, 1.0, lambda).cabs;
}

template <class T>
double microseconds_per_evaluation(double seconds) {
  const double t[3] = {40, 20, 15};
  volatile double sink = 0;
  long count = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 100; ++i, ++count) {
      const T c = cabs<T>(t, 500 + 0.001 * double(i));  // vary the wavelength so nothing is hoisted
      if constexpr (std::is_same<T, double>::value) sink = sink + c;
      else sink = sink + c.value + c.d[0];
    }
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  (void)sink;
  return elapsed / double(count) * 1e6;
}

// Seconds per force pass over `designs` 3-layer designs (thicknesses spread around 40 / 20 / 15
// nm) and the band's `samples` Simpson wavelengths: AbsorptionModel::band_average of the
// paper's deck (inputs/nanosphere_*.yaml), a team per design, value and gradient, the mean of
// the passes that fit in `seconds`.
double seconds_per_band_pass(int designs, int samples, double seconds) {
  using Device = Kokkos::DefaultExecutionSpace::device_type;
  const auto spec = std::get<dynaopt::NanosphereSpec>(dynaopt::read_problem(
      dynaopt::Deck("problem: {type: nanosphere, layers: [silver_drude, silica_malitson, silver_drude], "
                    "band: {from: 400, to: 800, samples: " + std::to_string(samples) + ", rule: simpson}}",
                    "bench_mie").root().section("problem")));
  const AbsorptionModel<Device> model(spec);
  Kokkos::View<int*, Device> list("designs", designs);
  Kokkos::View<double**, Kokkos::LayoutRight, Device> thickness("thickness", designs, 3), gradient("gradient", designs, 3);
  Kokkos::View<double*, Device> objective("objective", designs);
  auto list_host = Kokkos::create_mirror_view(list);
  auto thickness_host = Kokkos::create_mirror_view(thickness);
  for (int d = 0; d < designs; ++d) {
    list_host(d) = d;
    thickness_host(d, 0) = 40 + d % 11, thickness_host(d, 1) = 20 + d % 7, thickness_host(d, 2) = 15 + d % 5;
  }
  Kokkos::deep_copy(list, list_host);
  Kokkos::deep_copy(thickness, thickness_host);
  const auto pass = [&] {
    model.band_average(list, designs, thickness, 1.0, 1.0, AbsorptionMeasure::cabs, objective, gradient);
    Kokkos::fence();
  };
  pass();  // warm-up
  long count = 0;
  double elapsed = 0;
  const auto start = std::chrono::steady_clock::now();
  while (elapsed < seconds || count == 0) {
    pass();
    ++count;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return elapsed / double(count);
}

}  // namespace

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard guard(argc, argv);
  double seconds = 1;
  int samples = 801;  // the paper decks' band
  std::vector<int> batches = {24};
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds") seconds = std::atof(argv[++i]);
    else if (a == "--samples") samples = std::atoi(argv[++i]);
    else if (a == "--designs") {
      batches.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) batches.push_back(std::atoi(item.c_str()));
    }
  }
  const double value = microseconds_per_evaluation<double>(seconds);
  const double gradient = microseconds_per_evaluation<Dual<double, 3>>(seconds);
  std::printf("3-layer Ag/SiO2/Ag, one wavelength, one core, double\n");
  std::printf("value only          %8.3f us  (%.0f evaluations/s)\n", value, 1e6 / value);
  std::printf("value + gradient    %8.3f us  (%.0f evaluations/s)\n", gradient, 1e6 / gradient);
  std::printf("force pass on %s, %d wavelengths, value + gradient, double\n", Kokkos::DefaultExecutionSpace::name(),
              samples);
  for (const int designs : batches) {
    const double pass = seconds_per_band_pass(designs, samples, seconds);
    std::printf("%6d designs      %10.3f ms per pass  (%.0f evaluations/s)\n", designs, pass * 1e3,
                double(designs) * samples / pass);
  }
  return 0;
}
