// Every optimizer's fused kernel against the independent scalar implementations of
// reference_optimizers.hpp: 250-300 steps on Rosenbrock and on a random quadratic, on every
// backend, float and double.
//
// Step sizes keep each run in its descent phase. Near a stationary point Dyna and its
// prototype divide by sqrt|g| and behave like sign descent, which amplifies a one-ulp
// difference (x/mu against x*(1/mu)) to 1e-4 within a hundred steps; there agreement to 1e-12
// would test rounding, not the equations.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <random>

#include "dynaopt/optim/make_optimizer.hpp"
#include "reference_optimizers.hpp"
#include "test_backends.hpp"

namespace dynaopt::test {
namespace {

// Objective value at y, gradient into g.
template <class T>
using Objective = std::function<double(const std::vector<T>& y, std::vector<T>& g)>;

// Paper 001 eq. 51 with the plus sign.
template <class T>
double rosenbrock(const std::vector<T>& y, std::vector<T>& g) {
  double value = 0;
  std::fill(g.begin(), g.end(), T(0));
  for (std::size_t i = 0; i + 1 < y.size(); ++i) {
    const T bend = y[i + 1] - y[i] * y[i];
    value += 100.0 * double(bend) * double(bend) + double(y[i] - 1) * double(y[i] - 1);
    g[i] += T(-400) * y[i] * bend + T(2) * (y[i] - T(1));
    g[i + 1] += T(200) * bend;
  }
  return value;
}

// V(x) = 1/2 x'Ax - b'x with A = Q diag(lambda) Q', eigenvalues in [0.5, 5], fixed seed.
template <class T>
Objective<T> random_quadratic(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> q(n * n), a(n * n, 0), b(n);
  for (auto& v : q) v = u(rng);
  for (std::size_t j = 0; j < n; ++j) {  // Gram-Schmidt for an orthogonal Q
    for (std::size_t k = 0; k < j; ++k) {
      double d = 0;
      for (std::size_t i = 0; i < n; ++i) d += q[i * n + j] * q[i * n + k];
      for (std::size_t i = 0; i < n; ++i) q[i * n + j] -= d * q[i * n + k];
    }
    double norm = 0;
    for (std::size_t i = 0; i < n; ++i) norm += q[i * n + j] * q[i * n + j];
    for (std::size_t i = 0; i < n; ++i) q[i * n + j] /= std::sqrt(norm);
  }
  for (std::size_t k = 0; k < n; ++k) {
    const double lambda = 0.5 + 4.5 * double(k) / double(n - 1);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) a[i * n + j] += lambda * q[i * n + k] * q[j * n + k];
  }
  for (auto& v : b) v = 2 * u(rng);
  return [n, a, b](const std::vector<T>& y, std::vector<T>& g) {
    double value = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double ay = 0;
      for (std::size_t j = 0; j < n; ++j) ay += a[i * n + j] * double(y[j]);
      g[i] = T(ay - b[i]);
      value += 0.5 * double(y[i]) * ay - b[i] * double(y[i]);
    }
    return value;
  };
}

template <class B>
struct OptimizerTest : ::testing::Test {
  using S = typename B::scalar;
  using D = typename B::device;

  // The library: a one-group space stepped by the optimizer `spec` builds. `restarts` receives
  // the warm restarts it took.
  static std::vector<S> library(const OptimizerSpec& spec, const std::vector<double>& x0, const Objective<S>& f,
                                long steps, double fan_in = 1, long* restarts = nullptr) {
    GroupTable table;
    table.add("x", x0.size(), fan_in);
    ParameterSpace<S, D> space(table);
    auto x = Kokkos::create_mirror_view(space.x);
    for (std::size_t i = 0; i < x0.size(); ++i) x(i) = S(x0[i]);
    Kokkos::deep_copy(space.x, x);
    auto optimizer = make_optimizer(spec, space);
    std::vector<S> y(x0.size()), g(x0.size());
    auto g_host = Kokkos::create_mirror_view(space.g);
    for (long t = 0; t < steps; ++t) {
      auto point = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), optimizer->evaluation_point(space));
      for (std::size_t i = 0; i < y.size(); ++i) y[i] = point(i);
      const double objective = f(y, g);
      for (std::size_t i = 0; i < g.size(); ++i) g_host(i) = g[i];
      Kokkos::deep_copy(space.g, g_host);
      optimizer->step(space, {objective});
    }
    Kokkos::deep_copy(x, space.x);
    if (restarts) *restarts = optimizer->restarts().empty() ? 0 : optimizer->restarts()[0];
    return std::vector<S>(x.data(), x.data() + x.extent(0));
  }

  static std::vector<S> reference(ReferenceOptimizer<S>& r, const std::vector<double>& x0, const Objective<S>& f,
                                  long steps) {
    std::vector<S> x(x0.begin(), x0.end()), g(x0.size());
    for (long t = 0; t < steps; ++t) {
      const double objective = f(r.point(x), g);
      r.step(x, g, objective);
    }
    return x;
  }

  // max |a - b| / max |b|
  static double relative_difference(const std::vector<S>& a, const std::vector<S>& b) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      diff = std::max(diff, std::fabs(double(a[i]) - double(b[i])));
      scale = std::max(scale, std::fabs(double(b[i])));
    }
    return diff / scale;
  }

  // Runs both and requires agreement and real progress (the objective must have dropped by a
  // tenth of its starting magnitude, so a pair of optimizers that never move fails).
  static void expect_match(const OptimizerSpec& spec, ReferenceOptimizer<S>& ref, const std::vector<double>& x0,
                           const Objective<S>& f, long steps, double fan_in = 1, long* restarts = nullptr) {
    const auto ours = library(spec, x0, f, steps, fan_in, restarts);
    const auto theirs = reference(ref, x0, f, steps);
    const double tolerance = std::is_same<S, double>::value ? 1e-12 : 2e-5;
    EXPECT_LE(relative_difference(ours, theirs), tolerance) << spec.type;
    std::vector<S> g(x0.size()), start(x0.begin(), x0.end());
    const double v0 = f(start, g), v1 = f(ours, g);
    EXPECT_LT(v1, v0 - 0.1 * std::fabs(v0)) << spec.type << " made no progress";
  }
};

TYPED_TEST_SUITE(OptimizerTest, AllBackends, BackendName);

const std::vector<double> paper_start = {-2.0, 3.0};  // paper 001, Fig. 1

TYPED_TEST(OptimizerTest, NonlinearHeavyBallOnRosenbrock) {
  using S = typename TestFixture::S;
  NonlinearMomentumSettings m;  // paper 001 Fig. 1: h = 0.0002, gamma h = 0.02, eta = s = 1.9
  m.step = 2e-4, m.friction = 0.02, m.damping_exponent = 1.9, m.kinetic_exponent = 1.9;
  ReferenceNonlinearMomentum<S> ref(2, ReferenceNonlinearMomentum<S>::heavy_ball, 2e-4, 0.02, 1.9, 1.9);
  this->expect_match({"nonlinear_heavy_ball", m}, ref, paper_start, rosenbrock<S>, 300);
}

TYPED_TEST(OptimizerTest, NonlinearNesterovOnRosenbrock) {
  using S = typename TestFixture::S;
  NonlinearMomentumSettings m;  // paper 001 Fig. 1: h = 0.001, gamma h = 0.02, eta = s = 1.98
  m.form = MomentumForm::nesterov;
  m.step = 1e-3, m.friction = 0.02, m.damping_exponent = 1.98, m.kinetic_exponent = 1.98;
  ReferenceNonlinearMomentum<S> ref(2, ReferenceNonlinearMomentum<S>::nesterov, 1e-3, 0.02, 1.98, 1.98);
  this->expect_match({"nonlinear_nesterov", m}, ref, paper_start, rosenbrock<S>, 300);
}

TYPED_TEST(OptimizerTest, DynaOnRosenbrockWithRampAndRestart) {
  using S = typename TestFixture::S;
  DynaSettings d;
  d.gamma = 0.002, d.damping = DampingSchedule::ramp(0.5, 1.0, 100), d.restart_on_increase = true;
  ReferenceDyna<S> ref(2, 0.002, 0.9, 0.5, 1.0, 100, 1e-8, true, 1);
  long restarts = 0;
  this->expect_match({"dyna", d}, ref, paper_start, rosenbrock<S>, 300, 1, &restarts);
  EXPECT_GT(restarts, 0) << "the run must exercise the warm restart";
}

TYPED_TEST(OptimizerTest, DynaPrototypeOnRosenbrock) {
  using S = typename TestFixture::S;
  DynaPrototypeSettings d;
  d.lr = 0.01;
  ReferenceDynaPrototype<S> ref(2, 0.01, 0.9, 0.999, 1e-8);
  this->expect_match({"dyna_prototype", d}, ref, paper_start, rosenbrock<S>, 300);
}

TYPED_TEST(OptimizerTest, AdamOnRosenbrock) {
  using S = typename TestFixture::S;
  AdamSettings a;
  a.lr = 0.02;
  ReferenceAdam<S> ref(2, 0.02, 0.9, 0.999, 1e-8, 0, false);
  this->expect_match({"adam", a}, ref, paper_start, rosenbrock<S>, 300);
}

// Every optimizer on a 12-dimensional random quadratic, with Dyna on a 3-input "layer".
TYPED_TEST(OptimizerTest, EveryOptimizerOnRandomQuadratic) {
  using S = typename TestFixture::S;
  using Ref = ReferenceNonlinearMomentum<S>;
  const std::size_t n = 12;
  const auto f = random_quadratic<S>(n, 7);
  std::vector<double> x0(n);
  for (std::size_t i = 0; i < n; ++i) x0[i] = 1.5 + 0.25 * double(i % 5);  // positive: inside the box below
  const long steps = 250;

  DynaSettings dyna;
  dyna.gamma = 0.01, dyna.beta = 0.8, dyna.damping = DampingSchedule::constant(0.7);
  ReferenceDyna<S> ref_dyna(n, 0.01, 0.8, 0.7, 0.7, 0, 1e-8, false, 12);
  this->expect_match({"dyna", dyna}, ref_dyna, x0, f, steps, 12);

  DynaPrototypeSettings proto;
  proto.lr = 0.002, proto.damping_ratio = 0.6;
  ReferenceDynaPrototype<S> ref_proto(n, 0.002, 0.9, 0.6, 1e-8);
  this->expect_match({"dyna_prototype", proto}, ref_proto, x0, f, steps);

  for (const bool decoupled : {false, true}) {
    AdamSettings adam;
    adam.lr = 0.03, adam.weight_decay = 0.01, adam.decoupled = decoupled;
    ReferenceAdam<S> ref_adam(n, 0.03, 0.9, 0.999, 1e-8, 0.01, decoupled);
    this->expect_match({"adam", adam}, ref_adam, x0, f, steps);
  }

  ReferenceSgd<S> ref_sgd(0.05);
  this->expect_match({"sgd", SgdSettings{0.05}}, ref_sgd, x0, f, steps);

  NonlinearMomentumSettings m;
  m.step = 0.02, m.friction = 0.1, m.damping_exponent = 1.5, m.kinetic_exponent = 2.5;
  for (const auto form : {MomentumForm::heavy_ball, MomentumForm::nesterov}) {
    m.form = form;
    Ref ref(n, form == MomentumForm::heavy_ball ? Ref::heavy_ball : Ref::nesterov, 0.02, 0.1, 1.5, 2.5);
    this->expect_match({"nonlinear", m}, ref, x0, f, steps);
  }

  m.form = MomentumForm::mirror;
  m.mirror.kind = MirrorSpec::Kind::lp, m.mirror.p = 3;
  Ref ref_lp(n, Ref::mirror_lp, 0.02, 0.1, 1.5, 2.5);
  ref_lp.lp = 3;
  this->expect_match({"nonlinear_mirror", m}, ref_lp, x0, f, steps);
}

// The box mirror map keeps every iterate strictly inside its bounds, even when the unconstrained
// minimum lies outside.
TYPED_TEST(OptimizerTest, BoxMirrorStaysInsideItsBounds) {
  using S = typename TestFixture::S;
  using Ref = ReferenceNonlinearMomentum<S>;
  const std::size_t n = 12;
  const auto f = random_quadratic<S>(n, 11);
  const std::vector<double> x0(n, 1.2);
  NonlinearMomentumSettings m;
  m.form = MomentumForm::mirror, m.step = 0.02, m.friction = 0.1, m.damping_exponent = 1.8, m.kinetic_exponent = 1.8;
  m.mirror.kind = MirrorSpec::Kind::box, m.mirror.lower = 1, m.mirror.upper = 2;
  Ref ref(n, Ref::mirror_box, 0.02, 0.1, 1.8, 1.8);
  ref.lower = 1, ref.upper = 2;
  const auto ours = this->library({"nonlinear_mirror", m}, x0, f, 250);
  const auto theirs = this->reference(ref, x0, f, 250);
  const double tolerance = std::is_same<S, double>::value ? 1e-12 : 2e-5;
  EXPECT_LE(this->relative_difference(ours, theirs), tolerance);
  int at_a_bound = 0;
  for (const S v : ours) {
    EXPECT_GE(v, S(1));
    EXPECT_LE(v, S(2));
    at_a_bound += (v < S(1.01) || v > S(1.99));
  }
  EXPECT_GT(at_a_bound, 0) << "the test needs a minimum outside the box";
}

// With eta = s = 2 the family is classical heavy ball and Nesterov (lr h, momentum 1 - c),
// bit for bit on the host.
TYPED_TEST(OptimizerTest, QuadraticMembersAreClassicalMomentum) {
  using S = typename TestFixture::S;
  const std::size_t n = 12;
  const auto f = random_quadratic<S>(n, 3);
  const std::vector<double> x0(n, 0.5);
  for (const bool nesterov : {false, true}) {
    NonlinearMomentumSettings m;
    m.form = nesterov ? MomentumForm::nesterov : MomentumForm::heavy_ball;
    m.step = 0.05, m.friction = 0.15;
    ReferenceClassicalMomentum<S> classical(n, nesterov, 0.05, 1 - 0.15);
    const auto ours = this->library({"classical", m}, x0, f, 300);
    const auto theirs = this->reference(classical, x0, f, 300);
    if (detail::runs_on_host<typename TestFixture::D::execution_space>)
      for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(ours[i], theirs[i]) << "nesterov=" << nesterov << " i=" << i;
    else
      EXPECT_LE(this->relative_difference(ours, theirs), 1e-13);
  }
}

}  // namespace
}  // namespace dynaopt::test
