// The force pass of the nanosphere design: band quadrature, and the batched band-averaged
// absorption with its gradient (one team per design) against host evaluations of the same
// quadrature and five-point differences.
#include <gtest/gtest.h>

#include <cmath>

#include "dynaopt/problems/nanosphere/absorption_batch.hpp"
#include "dynaopt/problems/nanosphere/band.hpp"
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

TYPED_TEST(BandAbsorptionTest, BatchMatchesHostValuesAndFiniteDifferences) {
  using D = typename TypeParam::device;
  const Quadrature q = band_quadrature(Band{400, 800, 41, Band::Rule::simpson});
  const std::vector<std::vector<double>> designs = {{40, 20, 15}, {25, 30, 8}, {60, 5, 5}};
  Kokkos::View<Material*, D> materials("materials", 3);
  auto m = Kokkos::create_mirror_view(materials);
  m(0).kind = m(2).kind = Material::Kind::drude;
  m(1).kind = Material::Kind::silica_malitson;
  Kokkos::deep_copy(materials, m);
  Kokkos::View<double*, D> wavelengths("l", q.wavelengths.size()), weights("w", q.weights.size());
  Kokkos::deep_copy(wavelengths, Kokkos::View<const double*, Kokkos::HostSpace>(q.wavelengths.data(), q.wavelengths.size()));
  Kokkos::deep_copy(weights, Kokkos::View<const double*, Kokkos::HostSpace>(q.weights.data(), q.weights.size()));
  Kokkos::View<double**, Kokkos::LayoutRight, D> thickness("t", designs.size(), 3), gradient("g", designs.size(), 3);
  Kokkos::View<double*, D> objective("J", designs.size());
  auto th = Kokkos::create_mirror_view(thickness);
  for (std::size_t d = 0; d < designs.size(); ++d)
    for (int l = 0; l < 3; ++l) th(d, std::size_t(l)) = designs[d][std::size_t(l)];
  Kokkos::deep_copy(thickness, th);

  using Pass = BandAbsorption<4, 96, D>;
  Kokkos::parallel_for("band", Kokkos::TeamPolicy<typename D::execution_space>(int(designs.size()), Kokkos::AUTO),
                       Pass{3, 1.0, materials, wavelengths, weights, thickness, objective, gradient});
  auto J = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), objective);
  auto G = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), gradient);
  for (std::size_t d = 0; d < designs.size(); ++d) {
    const double expected = host_band(designs[d], q);
    EXPECT_NEAR(J(d), expected, 1e-12 * expected) << "design " << d;
    for (std::size_t l = 0; l < 3; ++l) {
      const double h = 1e-3;
      const auto at = [&](double step) {
        auto t = designs[d];
        t[l] += step;
        return host_band(t, q);
      };
      const double fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
      EXPECT_NEAR(G(d, l), fd, 1e-6 * std::max(1.0, std::fabs(fd))) << "design " << d << " layer " << l;
    }
  }
}

}  // namespace
}  // namespace dynaopt::test
