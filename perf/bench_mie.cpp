// Evaluations per second of one 3-layer Ag / SiO2 / Ag design (40 / 20 / 15 nm) at one
// wavelength, double, on one core: value only, and value + the 3-component thickness gradient
// by dual numbers. scattnlay's value-only evaluation takes about 20 us here (issue #4's anchor).
//
//   bench_mie [--seconds S (default 1)]
#include <Kokkos_Core.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>

#include "dynaopt/problems/nanosphere/dual.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"
#include "dynaopt/problems/nanosphere/mie.hpp"

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

}  // namespace

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard guard(argc, argv);
  double seconds = 1;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[++i]);
  const double value = microseconds_per_evaluation<double>(seconds);
  const double gradient = microseconds_per_evaluation<Dual<double, 3>>(seconds);
  std::printf("3-layer Ag/SiO2/Ag, one wavelength, one core, double\n");
  std::printf("value only          %8.3f us  (%.0f evaluations/s)\n", value, 1e6 / value);
  std::printf("value + gradient    %8.3f us  (%.0f evaluations/s)\n", gradient, 1e6 / gradient);
  return 0;
}
