// The multilayer Mie kernel against published and independently computed values, on the host
// and inside a kernel on the default execution space.
#include <gtest/gtest.h>

#include <cmath>

#include "dynaopt/problems/nanosphere/dual.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"
#include "dynaopt/problems/nanosphere/mie.hpp"

namespace dynaopt::test {
namespace {

using nanosphere::Complex;
constexpr double pi = 3.14159265358979323846;

template <int MaxTerms = 256>
nanosphere::Efficiencies<double> sphere(std::vector<Complex<double>> m, std::vector<double> radii_nm, double lambda_nm) {
  std::vector<double> x;
  for (double r : radii_nm) x.push_back(2 * pi * r / lambda_nm);
  return nanosphere::multilayer_efficiencies<double, MaxTerms>(int(m.size()), m.data(), x.data());
}

TEST(Mie, HomogeneousSphere) {
  // m = 1.5 + 0.1i, r = 100 nm, lambda = 500 nm, vacuum.
  const auto e = sphere({{1.5, 0.1}}, {100}, 500);
  EXPECT_NEAR(e.qabs, 0.36962133418724307, 1e-12 * 0.37);
  EXPECT_NEAR(e.qabs * pi * 100 * 100, 11611.996680927007, 1e-12 * 11612);
  // The non-negative terms agree with Qext - Qsca where that difference is well conditioned.
  EXPECT_NEAR(e.qext - e.qsca, e.qabs, 1e-13);
}

// Du, Appl. Opt. 43, 1951 (2004), Table 1, to the printed digits.
TEST(Mie, DuTable1) {
  struct Row {
    double x, n, k, qext, qsca;
  };
  for (const Row& r : {Row{100, 1.5, 1, 2.097502, 1.283697}, Row{1, 10, 10, 2.532993, 2.049405},
                       Row{10, 0.75, 0, 2.232265, 2.232265}, Row{100, 1.33, 1e-5, 2.101321, 2.096594}}) {
    const Complex<double> m(r.n, r.k);
    const auto e = nanosphere::multilayer_efficiencies<double, 256>(1, &m, &r.x);
    EXPECT_NEAR(e.qext, r.qext, 6e-7) << "x = " << r.x;
    EXPECT_NEAR(e.qsca, r.qsca, 6e-7) << "x = " << r.x;
    EXPECT_GE(e.qabs, 0);
  }
}

TEST(Mie, EqualLayersAreOneSphere) {
  const auto one = sphere({{1.5, 0.1}}, {100}, 500);
  const auto three = sphere({{1.5, 0.1}, {1.5, 0.1}, {1.5, 0.1}}, {40, 70, 100}, 500);
  EXPECT_NEAR(three.qabs, one.qabs, 1e-12 * one.qabs);
  EXPECT_NEAR(three.qsca, one.qsca, 1e-12 * one.qsca);
}

// Ag (Drude, 3.7 / 9.1 eV / 0.018 eV) core r 40 / SiO2 (n 1.45) to 60 / Ag to 75 nm, vacuum.
TEST(Mie, SilverSilicaSilver) {
  const double lambda[] = {400, 500, 600, 700, 800};
  const double cabs[] = {1127.1100135110238, 13858.342832549115, 592.29198027359307, 4542.4109765005445,
                         2952.9555489583286};
  const nanosphere::DrudeMetal silver;
  for (int i = 0; i < 5; ++i) {
    const auto ag = silver.index(lambda[i]);
    const auto e = sphere({ag, {1.45, 0}, ag}, {40, 60, 75}, lambda[i]);
    EXPECT_NEAR(e.qabs * pi * 75 * 75, cabs[i], 1e-10 * cabs[i]) << lambda[i] << " nm";
  }
}

TEST(Mie, MalitsonSilica) {
  // n(589.3 nm) = 1.4584, n(1000 nm) = 1.4504 for fused silica (Malitson 1965).
  EXPECT_NEAR(nanosphere::SilicaMalitson{}.index(589.3).re, 1.4584, 1e-4);
  EXPECT_NEAR(nanosphere::SilicaMalitson{}.index(1000).re, 1.4504, 1e-4);
}

// Cabs (nm^2) of a Drude-silver / silica stack of thicknesses t (core radius first), and its
// exact gradient by dual numbers.
template <int L>
double cabs(const std::vector<double>& t, double lambda, double* gradient = nullptr) {
  using D = nanosphere::Dual<double, L>;
  const auto ag = nanosphere::DrudeMetal{}.index(lambda);
  const auto silica = nanosphere::SilicaMalitson{}.index(lambda);
  Complex<D> m[L];
  D x[L];
  D radius(0);
  for (int l = 0; l < L; ++l) {
    radius = radius + D::variable(t[std::size_t(l)], l);
    const auto idx = l % 2 == 0 ? ag : silica;
    m[l] = Complex<D>(D(idx.re), D(idx.im));
    x[l] = D(2 * pi / lambda) * radius;
  }
  const auto e = nanosphere::multilayer_efficiencies<D, 128>(L, m, x);
  const D c = e.qabs * D(pi) * radius * radius;
  if (gradient)
    for (int l = 0; l < L; ++l) gradient[l] = c.d[l];
  return c.value;
}

// Dual-number gradients against the five-point central difference (step h = 1e-3 nm:
// truncation O(h^4) ~ 1e-12, rounding of Cabs ~ 1e-9 nm^2 / h ~ 1e-6) for 1, 3 and 10 layers,
// including 1 nm silver shells.
template <int L>
void expect_gradient(const std::vector<double>& t, double lambda) {
  double gradient[L];
  cabs<L>(t, lambda, gradient);
  for (int l = 0; l < L; ++l) {
    const double h = 1e-3;
    const auto at = [&](double step) {
      auto moved = t;
      moved[std::size_t(l)] += step;
      return cabs<L>(moved, lambda);
    };
    const double fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
    EXPECT_NEAR(gradient[l], fd, 1e-6 * std::max(1.0, std::fabs(fd))) << L << " layers, thickness " << l + 1;
  }
}

TEST(Mie, DualGradientsMatchFiniteDifferences) {
  expect_gradient<1>({55}, 420);
  expect_gradient<3>({40, 20, 15}, 500);
  expect_gradient<3>({30, 10, 1}, 650);  // a 1 nm silver shell
  expect_gradient<10>({20, 8, 1, 6, 5, 7, 1, 9, 3, 4}, 560);
}

TEST(Mie, RunsInsideAKernel) {
  Kokkos::View<double*> qabs("qabs", 1);
  Kokkos::parallel_for(
      "mie", Kokkos::RangePolicy<>(0, 1), KOKKOS_LAMBDA(int) {
        const Complex<double> m(1.5, 0.1);
        const double x = 2 * 3.14159265358979323846 * 100 / 500;
        qabs(0) = nanosphere::multilayer_efficiencies<double, 64>(1, &m, &x).qabs;
      });
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), qabs);
  EXPECT_NEAR(h(0), 0.36962133418724307, 1e-12 * 0.37);
}

}  // namespace
}  // namespace dynaopt::test
