// The multilayer Mie kernel against published and independently computed values, its exact
// gradients against finite differences, and its building blocks (complex and dual arithmetic,
// dispersion models); on the host and inside kernels on the default execution space.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "dynaopt/problems/nanosphere/dual.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"
#include "dynaopt/problems/nanosphere/mie.hpp"

namespace dynaopt::test {
namespace {

using nanosphere::Complex;
using nanosphere::Dual;
constexpr double pi = 3.14159265358979323846;

// Sphere in vacuum from outer radii (nm).
template <int MaxTerms = 256>
nanosphere::Efficiencies<double> sphere(std::vector<Complex<double>> m, std::vector<double> radii_nm, double lambda_nm,
                                        double* qabs_by_order = nullptr) {
  std::vector<double> x;
  for (double r : radii_nm) x.push_back(2 * pi * r / lambda_nm);
  return nanosphere::multilayer_efficiencies<double, MaxTerms>(int(m.size()), m.data(), x.data(), qabs_by_order);
}

double relative(double value, double reference) { return std::fabs(value - reference) / std::fabs(reference); }

TEST(Mie, HomogeneousSphere) {
  // m = 1.5 + 0.1i, r = 100 nm, lambda = 500 nm, vacuum.
  const Complex<double> m(1.5, 0.1);
  const double t = 100;
  const auto a = nanosphere::multilayer_absorption<double, 16, 64>(1, &t, &m, 1.0, 500);
  EXPECT_LT(relative(a.qabs, 0.36962133418724307), 1e-12);
  EXPECT_LT(relative(a.cabs, 11611.996680927007), 1e-12);
}

// Du, Appl. Opt. 43, 1951 (2004), Table 1, to the printed digits (half a unit in the last).
// The row x = 10000, m = 10 + 10i is left out: its internal size parameter |m x| = 141421 asks
// for 1.4e5 orders, more scratch than a test thread's stack should hold.
TEST(Mie, DuTable1) {
  struct Row {
    double x, n, k, qext, qsca;
  };
  const Row small[] = {{0.099, 0.75, 0, 7.417859e-06, 7.417859e-06}, {0.101, 0.75, 0, 8.033538e-06, 8.033538e-06},
                       {10, 0.75, 0, 2.232265, 2.232265},             {1, 10, 10, 2.532993, 2.049405},
                       {100, 1.5, 1, 2.097502, 1.283697},             {100, 1.33, 1e-5, 2.101321, 2.096594},
                       {1000, 0.75, 0, 1.997908, 1.997908},           {100, 10, 10, 2.071124, 1.836785}};
  for (const Row& r : small) {
    const Complex<double> m(r.n, r.k);
    const auto e = nanosphere::multilayer_efficiencies<double, 2048>(1, &m, &r.x);
    const double digit = r.qext < 1e-3 ? 5e-13 : 5e-7;
    EXPECT_NEAR(e.qext, r.qext, digit) << "x = " << r.x << ", m = " << r.n << " + " << r.k << "i";
    EXPECT_NEAR(e.qsca, r.qsca, digit) << "x = " << r.x << ", m = " << r.n << " + " << r.k << "i";
  }
  // x = 10000: |m x| up to 18028 orders, so a MaxTerms of 20000 (2 MB of scratch on this stack).
  const Row large[] = {{10000, 1.33, 1e-5, 2.004089, 1.723857}, {10000, 1.5, 1, 2.004368, 1.236574}};
  for (const Row& r : large) {
    const Complex<double> m(r.n, r.k);
    const auto e = nanosphere::multilayer_efficiencies<double, 20000>(1, &m, &r.x);
    EXPECT_NEAR(e.qext, r.qext, 5e-7) << "x = " << r.x << ", m = " << r.n << " + " << r.k << "i";
    EXPECT_NEAR(e.qsca, r.qsca, 5e-7) << "x = " << r.x << ", m = " << r.n << " + " << r.k << "i";
  }
}

TEST(Mie, EqualLayersAreOneSphere) {
  const Complex<double> m(1.5, 0.1);
  const auto one = sphere({m}, {100}, 500);
  const auto three = sphere({m, m, m}, {40, 70, 100}, 500);
  std::vector<double> radii;
  for (int l = 1; l <= 10; ++l) radii.push_back(10.0 * l);
  const auto ten = sphere(std::vector<Complex<double>>(10, m), radii, 500);
  for (const auto& e : {three, ten}) {
    EXPECT_LT(relative(e.qabs, one.qabs), 1e-12);
    EXPECT_LT(relative(e.qsca, one.qsca), 1e-12);
    EXPECT_LT(relative(e.qext, one.qext), 1e-12);
  }
}

// Ag (Drude, 3.7 / 9.1 eV / 0.018 eV) core r 40 / SiO2 (n 1.45) to 60 / Ag to 75 nm, vacuum.
TEST(Mie, SilverSilicaSilver) {
  const double lambda[] = {400, 500, 600, 700, 800};
  const double cabs[] = {1127.1100135110238, 13858.342832549115, 592.29198027359307, 4542.4109765005445,
                         2952.9555489583286};
  nanosphere::Material silver, silica;
  silver.kind = nanosphere::Material::Kind::drude;
  silica.constant = {1.45, 0};
  const nanosphere::Material stack[3] = {silver, silica, silver};
  const double t[3] = {40, 20, 15};
  for (int i = 0; i < 5; ++i) {
    Complex<double> index[3];
    for (int l = 0; l < 3; ++l) index[l] = stack[l].index(lambda[i]);
    const auto a = nanosphere::multilayer_absorption<double, 16, 64>(3, t, index, 1.0, lambda[i]);
    EXPECT_LT(relative(a.cabs, cabs[i]), 1e-10) << lambda[i] << " nm";
  }
}

// In a host of index n_h, a sphere of indices m_l at wavelength lambda is the vacuum sphere of
// indices m_l/n_h at lambda/n_h.
TEST(Mie, HostMediumScalesIndexAndWavelength) {
  const Complex<double> in_water[2] = {{0.05, 3.1}, {1.45, 0}}, in_vacuum[2] = {in_water[0] * (1 / 1.33), in_water[1] * (1 / 1.33)};
  const double t[2] = {30, 12};
  const auto water = nanosphere::multilayer_absorption<double, 16, 64>(2, t, in_water, 1.33, 520);
  const auto vacuum = nanosphere::multilayer_absorption<double, 16, 64>(2, t, in_vacuum, 1.0, 520 / 1.33);
  EXPECT_LT(relative(water.cabs, vacuum.cabs), 1e-13);
}

// Each order's absorption term is >= 0, they add up to Qabs, and Qabs agrees with
// Qext - Qsca where that difference is well conditioned (absorption comparable to scattering).
TEST(Mie, AbsorptionIsASumOfNonNegativeTerms) {
  const auto ag = nanosphere::DrudeMetal{}.index(450);
  double terms[256];
  const auto e = sphere({ag, {1.45, 0}, ag, {1.45, 0}, ag}, {30, 45, 47, 60, 61}, 450, terms);
  double sum = 0;
  for (int n = 0; n <= e.terms; ++n) {
    EXPECT_GE(terms[n], 0) << "order " << n;
    sum += terms[n];
  }
  EXPECT_LT(relative(sum, e.qabs), 1e-14);
  EXPECT_LT(relative(e.qext - e.qsca, e.qabs), 1e-12);

  const auto lossy = sphere({{1.5, 0.1}}, {100}, 500, terms);
  EXPECT_NEAR(lossy.qext - lossy.qsca, lossy.qabs, 1e-13);
  for (int n = 0; n <= lossy.terms; ++n) EXPECT_GE(terms[n], 0) << "order " << n;
}

// A weakly absorbing sphere far larger than the wavelength: Qabs ~ 7e-6 under Qext ~ 2, where
// the difference Qext - Qsca loses about six digits and the direct sum none. Absorption is
// then linear in k, which the direct sum must reproduce from much smaller k still.
TEST(Mie, WeakAbsorptionWithoutCancellation) {
  const Complex<double> m(1.33, 1e-8);
  const double x = 200;
  double terms[512];
  const auto e = nanosphere::multilayer_efficiencies<double, 512>(1, &m, &x, terms);
  for (int n = 0; n <= e.terms; ++n) EXPECT_GE(terms[n], 0) << "order " << n;
  // Small-k limit: Qabs ~ k dQabs/dk, the derivative from two further small k.
  const auto at = [&](double k) {
    const Complex<double> mk(1.33, k);
    return nanosphere::multilayer_efficiencies<double, 512>(1, &mk, &x).qabs;
  };
  EXPECT_LT(relative(e.qabs, 1e-8 * (at(2e-10) - at(1e-10)) / 1e-10), 1e-3);
  EXPECT_GT(e.qabs, 0);
}

TEST(Mie, OutOfRangeIsNaN) {
  const Complex<double> m[2] = {{1.5, 0.1}, {1.5, 0.1}};
  const double t[2] = {100, 100}, x = 500;
  EXPECT_TRUE(std::isnan(nanosphere::multilayer_absorption<double, 1, 64>(2, t, m, 1.0, 500).cabs));
  const auto e = nanosphere::multilayer_efficiencies<double, 64>(1, m, &x);
  EXPECT_TRUE(std::isnan(e.qabs));
  EXPECT_EQ(e.terms, 0);
}

TEST(Mie, SinglePrecision) {
  const Complex<float> m(1.5f, 0.1f);
  const float x = float(2 * pi * 100 / 500);
  const auto e = nanosphere::multilayer_efficiencies<float, 64>(1, &m, &x);
  EXPECT_LT(relative(e.qabs, 0.36962133418724307), 1e-5);
}

// Cabs (nm^2) of alternating Drude-silver / Malitson-silica layers of thicknesses t (core
// first), and its exact gradient by dual numbers seeded per thickness.
template <int L>
double cabs(const std::vector<double>& t, double lambda, double* gradient = nullptr) {
  using D = Dual<double, L>;
  Complex<double> index[L];
  D thickness[L];
  for (int l = 0; l < L; ++l) {
    index[l] = l % 2 == 0 ? nanosphere::DrudeMetal{}.index(lambda) : nanosphere::SilicaMalitson{}.index(lambda);
    thickness[l] = D::variable(t[std::size_t(l)], l);
  }
  const D c = nanosphere::multilayer_absorption<D, 16, 128>(L, thickness, index, 1.0, lambda).cabs;
  if (gradient)
    for (int l = 0; l < L; ++l) gradient[l] = c.d[l];
  return c.value;
}

// Dual-number gradients against the five-point central difference, step h = 1e-3 nm:
// truncation h^4 f^(5)/30 is ~1e-12 relative, rounding ~ 1e-16 Cabs / h ~ 1e-13 relative, so
// the dual gradients must agree to 1e-6 relative (of max(1, |dCabs/dt|) nm^2/nm) -- far below
// what an error in a derivative formula would give.
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
  expect_gradient<10>({15, 3, 1, 2, 1, 4, 1, 2, 1, 1}, 380);  // five 1 nm silver shells
}

// The 40 / 20 / 15 nm Ag (Drude) / n = 1.45 / Ag stack at 500 nm, value and gradient.
KOKKOS_INLINE_FUNCTION Dual<double, 3> silver_silica_silver_cabs() {
  using D = Dual<double, 3>;
  nanosphere::Material silver;
  silver.kind = nanosphere::Material::Kind::drude;
  const Complex<double> index[3] = {silver.index(500), {1.45, 0}, silver.index(500)};
  const D thickness[3] = {D::variable(40, 0), D::variable(20, 1), D::variable(15, 2)};
  return nanosphere::multilayer_absorption<D, 16, 64>(3, thickness, index, 1.0, 500).cabs;
}

// Indices may carry derivatives too (Complex<Dual> m): dQabs/d(Re m) of the silica shell
// against the five-point difference.
TEST(Mie, DerivativeWithRespectToAnIndex) {
  using D = Dual<double, 1>;
  const auto ag = nanosphere::DrudeMetal{}.index(520);
  const double r[3] = {30, 45, 52};
  const auto qabs = [&](D shell) {
    const Complex<D> m[3] = {{D(ag.re), D(ag.im)}, {shell, D(0)}, {D(ag.re), D(ag.im)}};
    D x[3];
    for (int l = 0; l < 3; ++l) x[l] = D(2 * pi * r[l] / 520);
    return nanosphere::multilayer_efficiencies<D, 64>(3, m, x).qabs;
  };
  const double h = 1e-4;
  const auto at = [&](double step) { return qabs(D(1.45 + step)).value; };
  const double fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
  EXPECT_NEAR(qabs(D::variable(1.45, 0)).d[0], fd, 1e-7 * std::fabs(fd));
}

// One evaluation of each kind on the default execution space (a functor: nvcc admits no
// extended lambda inside gtest's private TestBody).
struct MieOnDevice {
  Kokkos::View<double*> result;
  KOKKOS_INLINE_FUNCTION void operator()(int) const {
    const Complex<double> m(1.5, 0.1);
    const double t = 100;
    result(0) = nanosphere::multilayer_absorption<double, 16, 64>(1, &t, &m, 1.0, 500).qabs;
    const auto c = silver_silica_silver_cabs();
    result(1) = c.value;
    for (int l = 0; l < 3; ++l) result(2 + l) = c.d[l];
  }
};

TEST(Mie, RunsInsideAKernel) {
  const MieOnDevice kernel{Kokkos::View<double*>("result", 5)};
  Kokkos::parallel_for("mie", Kokkos::RangePolicy<>(0, 1), kernel);
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), kernel.result);
  EXPECT_LT(relative(h(0), 0.36962133418724307), 1e-12);
  EXPECT_LT(relative(h(1), 13858.342832549115), 1e-10);
  const auto host = silver_silica_silver_cabs();
  for (int l = 0; l < 3; ++l) EXPECT_NEAR(h(2 + l), host.d[l], 1e-12 * std::fabs(host.d[l])) << "thickness " << l + 1;
}

// ---- building blocks ---------------------------------------------------------------------

template <class T>
void expect_complex_arithmetic(double tolerance) {
  const Complex<T> a(T(1.5), T(-2)), b(T(-0.25), T(3));
  const std::complex<double> sa(1.5, -2), sb(-0.25, 3);
  const auto expect = [&](const Complex<T>& z, const std::complex<double>& ref) {
    EXPECT_NEAR(double(nanosphere::real(z)), ref.real(), tolerance * std::abs(ref));
    EXPECT_NEAR(double(nanosphere::imag(z)), ref.imag(), tolerance * std::abs(ref));
  };
  expect(a + b, sa + sb);
  expect(a - b, sa - sb);
  expect(a * b, sa * sb);
  expect(a / b, sa / sb);
  expect(b / a, sb / sa);
  expect(nanosphere::conj(a), std::conj(sa));
  expect(nanosphere::exp_i(b), std::exp(std::complex<double>(0, 1) * sb));
  EXPECT_NEAR(double(nanosphere::abs2(a)), std::norm(sa), tolerance * std::norm(sa));
}

TEST(Complex, ArithmeticInDoubleAndFloat) {
  expect_complex_arithmetic<double>(1e-15);
  expect_complex_arithmetic<float>(1e-6);
  // Smith's division neither overflows nor underflows where |b|^2 would.
  const Complex<double> big(1e300, 1e300), q = big / Complex<double>(2e300, 1e300);
  EXPECT_NEAR(q.re, 0.6, 1e-15);
  EXPECT_NEAR(q.im, 0.2, 1e-15);
  const Complex<float> tiny(1e-30f, 1e-30f), r = tiny / Complex<float>(1e-30f, -1e-30f);
  EXPECT_NEAR(r.re, 0, 1e-7);
  EXPECT_NEAR(r.im, 1, 1e-6);
}

TEST(Dual, ElementaryFunctionsCarryExactDerivatives) {
  using D = Dual<double, 2>;
  const D u = D::variable(0.7, 0), v = D::variable(1.9, 1);
  const D f = nanosphere::sqrt(u * v) + nanosphere::exp(u) / v - nanosphere::log(v) * nanosphere::sin(u) +
              nanosphere::cos(v) * nanosphere::pow(u, 2.5) - 3.0 * u;
  const double x = 0.7, y = 1.9;
  EXPECT_NEAR(f.value, std::sqrt(x * y) + std::exp(x) / y - std::log(y) * std::sin(x) + std::cos(y) * std::pow(x, 2.5) - 3 * x,
              1e-15);
  EXPECT_NEAR(f.d[0], 0.5 * std::sqrt(y / x) + std::exp(x) / y - std::log(y) * std::cos(x) + 2.5 * std::cos(y) * std::pow(x, 1.5) - 3,
              1e-14);
  EXPECT_NEAR(f.d[1], 0.5 * std::sqrt(x / y) - std::exp(x) / (y * y) - std::sin(x) / y - std::sin(y) * std::pow(x, 2.5), 1e-14);
  // Comparisons see values only.
  EXPECT_TRUE(u < v && v > u && u <= u && u >= u && u == D(0.7) && u != v);
  EXPECT_EQ(nanosphere::abs(-u).d[0], 1);
}

TEST(Materials, MalitsonSilica) {
  // n(589.3 nm) = 1.4584, n(1000 nm) = 1.4504 for fused silica (Malitson 1965).
  EXPECT_NEAR(nanosphere::SilicaMalitson{}.index(589.3).re, 1.4584, 1e-4);
  EXPECT_NEAR(nanosphere::SilicaMalitson{}.index(1000).re, 1.4504, 1e-4);
}

TEST(Materials, DrudeAndRakicSilver) {
  // The models evaluated independently with std::complex; index = sqrt(eps) on the k >= 0 branch.
  for (double lambda : {300.0, 400.0, 550.0, 800.0, 1200.0}) {
    const double e = 1239.8419843320026 / lambda;
    const std::complex<double> i(0, 1);
    const std::complex<double> drude = 3.7 - 9.1 * 9.1 / (e * e + i * 0.018 * e);
    const double f[5] = {0.065, 0.124, 0.011, 0.840, 5.646}, g[5] = {3.886, 0.452, 0.065, 0.916, 2.419},
                 w[5] = {0.816, 4.481, 8.185, 9.083, 20.29};
    std::complex<double> rakic = 1.0 - 0.845 * 9.01 * 9.01 / (e * (e + i * 0.048));
    for (int j = 0; j < 5; ++j) rakic += f[j] * 9.01 * 9.01 / (w[j] * w[j] - e * e - i * e * g[j]);
    for (const auto& [model, eps] : {std::pair<nanosphere::Material::Kind, std::complex<double>>{nanosphere::Material::Kind::drude, drude},
                                     {nanosphere::Material::Kind::silver_rakic, rakic}}) {
      nanosphere::Material silver;
      silver.kind = model;
      const auto m = silver.index(lambda);
      const std::complex<double> root = std::sqrt(eps);
      EXPECT_NEAR(m.re, root.real(), 1e-13 * std::abs(root)) << lambda << " nm";
      EXPECT_NEAR(m.im, root.imag(), 1e-13 * std::abs(root)) << lambda << " nm";
      EXPECT_GT(m.im, 0);
    }
    // A free-electron metal in the visible and near infrared: Re eps < 0.
    if (lambda >= 400) {
      EXPECT_LT(rakic.real(), 0);
    }
  }
  nanosphere::Material glass;
  glass.constant = {1.45, 0.01};
  EXPECT_EQ(glass.index(500).re, 1.45);
  EXPECT_EQ(glass.index(500).im, 0.01);
}

}  // namespace
}  // namespace dynaopt::test
