// The force pass of the nanosphere design: band quadrature, and the batched band-averaged
// absorption with its gradient (one team per design) against host evaluations of the same
// quadrature and five-point differences.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "dynaopt/problems/nanosphere/absorption_batch.hpp"
#include "dynaopt/problems/nanosphere/band.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"
#include "test_backends.hpp"

namespace dynaopt::test {
namespace {

using namespace nanosphere;

TEST(BandQuadrature, ExactForPolynomialsOfItsOrder) {
  const auto simpson = band_quadrature(Band{400, 800, 9, Band::Rule::simpson});
  const auto trapezoid = band_quadrature(Band{400, 800, 9, Band::Rule::trapezoid});
  double cubic = 0, linear = 0, s_sum = 0, t_sum = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    const double l = simpson.wavelengths[i];
    cubic += simpson.weights[i] * (l * l * l - 3 * l), linear += trapezoid.weights[i] * (2 * l + 1);
    s_sum += simpson.weights[i], t_sum += trapezoid.weights[i];
  }
  // Averages over [400, 800]: of l^3 - 3l it is (800^4 - 400^4)/(4*400) - 3*600; of 2l + 1, 1201.
  EXPECT_NEAR(cubic, (std::pow(800.0, 4) - std::pow(400.0, 4)) / 1600 - 1800, 1e-12 * 3e8);
  EXPECT_NEAR(linear, 1201, 1e-12 * 1201);
  EXPECT_NEAR(s_sum, 1, 1e-15);
  EXPECT_NEAR(t_sum, 1, 1e-15);
  EXPECT_THROW(band_quadrature(Band{400, 800, 10, Band::Rule::simpson}), std::invalid_argument);
}

template <class B>
struct BandAbsorptionTest : ::testing::Test {};
TYPED_TEST_SUITE(BandAbsorptionTest, DoubleBackends, BackendName);

// Host band average of Cabs for Ag(Drude) / SiO2(Malitson) / Ag thicknesses t.
double host_band(const std::vector<double>& t, const Quadrature& q) {
  constexpr double pi = 3.14159265358979323846;
  double sum = 0;
  for (std::size_t i = 0; i < q.wavelengths.size(); ++i) {
    const double l = q.wavelengths[i];
    const Complex<double> ag = DrudeMetal{}.index(l), m[3] = {ag, SilicaMalitson{}.index(l), ag};
    const double x[3] = {2 * pi * t[0] / l, 2 * pi * (t[0] + t[1]) / l, 2 * pi * (t[0] + t[1] + t[2]) / l};
    const double r = t[0] + t[1] + t[2];
    sum += q.weights[i] * multilayer_efficiencies<double, 128>(3, m, x).qabs * pi * r * r;
  }
  return sum;
}

// Runs the force pass over `designs` (thicknesses in nm) with the first `active` of them
// listed as active, in reverse order so that team and design numbers differ.
template <class D>
std::pair<std::vector<double>, std::vector<std::vector<double>>> band_pass(
    const std::vector<std::vector<double>>& designs, const Quadrature& q, std::size_t active, double unit = 1,
    double sense = 1) {
  const std::size_t n = designs.size(), w = q.wavelengths.size();
  Kokkos::View<double*, D> wavelengths("l", w), weights("w", w);
  Kokkos::deep_copy(wavelengths, Kokkos::View<const double*, Kokkos::HostSpace>(q.wavelengths.data(), w));
  Kokkos::deep_copy(weights, Kokkos::View<const double*, Kokkos::HostSpace>(q.weights.data(), w));
  Kokkos::View<Complex<double>**, Kokkos::LayoutRight, D> index("index", w, 3);
  auto ih = Kokkos::create_mirror_view(index);
  for (std::size_t i = 0; i < w; ++i) {
    ih(i, 0) = ih(i, 2) = DrudeMetal{}.index(q.wavelengths[i]);
    ih(i, 1) = SilicaMalitson{}.index(q.wavelengths[i]);
  }
  Kokkos::deep_copy(index, ih);
  Kokkos::View<int*, D> list("designs", active);
  auto lh = Kokkos::create_mirror_view(list);
  for (std::size_t a = 0; a < active; ++a) lh(a) = int(active - 1 - a);
  Kokkos::deep_copy(list, lh);
  Kokkos::View<double**, Kokkos::LayoutRight, D> thickness("t", n, 3), gradient("g", n, 3);
  Kokkos::View<double*, D> objective("J", n);
  Kokkos::deep_copy(objective, -1.0);
  auto th = Kokkos::create_mirror_view(thickness);
  for (std::size_t d = 0; d < n; ++d)
    for (std::size_t l = 0; l < 3; ++l) th(d, l) = designs[d][l] / unit;
  Kokkos::deep_copy(thickness, th);
  using Pass = BandAbsorption<3, 96, D>;
  Kokkos::parallel_for("band", Kokkos::TeamPolicy<typename D::execution_space>(int(active), Kokkos::AUTO),
                       Pass{3, 1.0, AbsorptionMeasure::cabs, unit, sense, wavelengths, weights, index, list,
                            thickness, objective, gradient});
  auto J = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), objective);
  auto G = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), gradient);
  std::pair<std::vector<double>, std::vector<std::vector<double>>> out;
  for (std::size_t d = 0; d < n; ++d) {
    out.first.push_back(J(d));
    out.second.push_back({G(d, 0), G(d, 1), G(d, 2)});
  }
  return out;
}

TYPED_TEST(BandAbsorptionTest, BatchMatchesHostValuesAndFiniteDifferences) {
  using D = typename TypeParam::device;
  const Quadrature q = band_quadrature(Band{400, 800, 41, Band::Rule::simpson});
  const std::vector<std::vector<double>> designs = {{40, 20, 15}, {25, 30, 8}, {60, 5, 5}, {10, 10, 10}};
  // The last design is not active: the pass must leave it alone.
  const auto [J, G] = band_pass<D>(designs, q, 3);
  EXPECT_EQ(J[3], -1.0);
  for (std::size_t d = 0; d < 3; ++d) {
    const double expected = host_band(designs[d], q);
    EXPECT_NEAR(J[d], expected, 1e-12 * expected) << "design " << d;
    for (std::size_t l = 0; l < 3; ++l) {
      const double h = 1e-3;
      const auto at = [&](double step) {
        auto t = designs[d];
        t[l] += step;
        return host_band(t, q);
      };
      const double fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
      EXPECT_NEAR(G[d][l], fd, 1e-6 * std::max(1.0, std::fabs(fd))) << "design " << d << " layer " << l;
    }
  }
}

// In optimizer coordinates u = t / unit, minimising: -J and -dJ/du = -unit dJ/dt.
TYPED_TEST(BandAbsorptionTest, ScalesToOptimizerCoordinates) {
  using D = typename TypeParam::device;
  const Quadrature q = band_quadrature(Band{400, 800, 21, Band::Rule::simpson});
  const std::vector<std::vector<double>> design = {{40, 20, 15}};
  const auto [J, G] = band_pass<D>(design, q, 1);
  const auto [Ju, Gu] = band_pass<D>(design, q, 1, 100, -1);
  EXPECT_NEAR(Ju[0], -J[0], 1e-14 * J[0]);
  for (std::size_t l = 0; l < 3; ++l) EXPECT_NEAR(Gu[0][l], -100 * G[0][l], 1e-12 * std::fabs(100 * G[0][l]));
}

}  // namespace
}  // namespace dynaopt::test
