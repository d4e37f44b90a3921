// Every optimizer's fused kernel against the independent scalar implementations of
// reference_optimizers.hpp: 250-300 steps on Rosenbrock and on a random quadratic, on every
// backend, float and double.
//
// Step sizes keep each run in its descent phase. Near a stationary point Dyna and its
// prototype divide by sqrt|g| and behave like sign descent, which amplifies a one-ulp
// difference (x/mu against x*(1/mu)) to 1e-4 within a hundred steps; there agreement to 1e-12
// would test rounding, not the equations.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "dynaopt/core/splitmix64.hpp"
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
  d.gamma = 0.002, d.damping = DampingSchedule::ramp(0.5, 1.0, 100), d.restart.on_increase = true;
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

  // Powers in the damping and the velocity; and eta = 1, dry friction D(p) = sgn(p) (paper 001
  // Sec. 3), the law without a power: the reference's p - c sgn(p) with sgn(0) = 0 (the first
  // step, from p = 0, is -h g alone), with and without a power in the velocity.
  NonlinearMomentumSettings m;
  m.step = 0.02;
  for (const auto [friction, eta, s] : {std::array<double, 3>{0.1, 1.5, 2.5}, {0.002, 1, 2}, {0.002, 1, 2.5}})
    for (const auto form : {MomentumForm::heavy_ball, MomentumForm::nesterov}) {
      SCOPED_TRACE("eta = " + std::to_string(eta) + ", s = " + std::to_string(s));
      m.form = form, m.friction = friction, m.damping_exponent = eta, m.kinetic_exponent = s;
      Ref ref(n, form == MomentumForm::heavy_ball ? Ref::heavy_ball : Ref::nesterov, 0.02, friction, eta, s);
      this->expect_match({"nonlinear", m}, ref, x0, f, steps);
    }

  m.form = MomentumForm::mirror, m.friction = 0.1, m.damping_exponent = 1.5, m.kinetic_exponent = 2.5;
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

// Driven hard onto both bounds, the box mirror's iterates stay strictly inside (in float and
// double: on the representable values next to the bounds, where the dual coordinate is still
// finite), and when the force turns they all come back.
TYPED_TEST(OptimizerTest, BoxMirrorIteratesNeverReachTheBoundsAndComeBack) {
  using S = typename TestFixture::S;
  const std::size_t n = 1000;
  long calls = 0;
  const long turn = 150, steps = 300;
  // A linear objective pushing odd coordinates up and even ones down, reversed after `turn` steps.
  const Objective<S> f = [&](const std::vector<S>& y, std::vector<S>& g) {
    const double sign = calls++ < turn ? 1 : -1;
    double value = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      g[i] = S(sign * (i % 2 ? -50.0 : 50.0) * (1 + double(i % 7)));
      value += double(g[i]) * double(y[i]);
    }
    return value;
  };
  NonlinearMomentumSettings m;
  m.form = MomentumForm::mirror, m.step = 0.5, m.friction = 0.1, m.damping_exponent = 1.8, m.kinetic_exponent = 1.8;
  m.mirror.kind = MirrorSpec::Kind::box, m.mirror.lower = 1, m.mirror.upper = 2;
  const std::vector<double> x0(n, 1.5);
  const auto pushed = this->library({"nonlinear_mirror", m}, x0, f, turn);
  const S inner_low = std::nextafter(S(1), S(2)), inner_high = std::nextafter(S(2), S(1));
  std::size_t on_inner = 0;
  for (const S v : pushed) {
    ASSERT_GT(v, S(1));
    ASSERT_LT(v, S(2));
    on_inner += (v == inner_low || v == inner_high);
  }
  EXPECT_GT(on_inner, n / 2) << "most coordinates must have been driven onto the bounds";
  calls = 0;
  const auto back = this->library({"nonlinear_mirror", m}, x0, f, steps);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_GT(back[i], S(1));
    EXPECT_LT(back[i], S(2));
    // Pushed the other way for as long, every coordinate has left the bound it was driven onto.
    EXPECT_NE(back[i], i % 2 ? inner_high : inner_low) << i;
  }
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


// ---- Dyna's strategies of paper 000 Sec. 4 ----

// Rescaling by f = 1 is no restart and by f = 0 is zeroing, bit for bit, on a run that restarts.
// A step given a wrong number of objectives is refused with the counts, not read out of bounds.
TYPED_TEST(OptimizerTest, DynaRefusesAnObjectiveCountOtherThanItsGroups) {
  using S = typename TestFixture::S;
  GroupTable table;
  table.add("w", 8, 4);
  table.add("b", 2, 1);
  ParameterSpace<S, typename TestFixture::D> space(table);
  auto optimizer = make_optimizer({"dyna", DynaSettings{}}, space);
  try {
    optimizer->step(space, {});
    FAIL() << "an empty objective list was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Dyna::step: 0 objective(s) for 2 group(s)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(optimizer->step(space, {1.0}), std::invalid_argument);
  EXPECT_NO_THROW(optimizer->step(space, {1.0, 1.0}));
}

TYPED_TEST(OptimizerTest, DynaRescaleByOneIsNoRestartAndByZeroIsZeroing) {
  DynaSettings plain;
  plain.gamma = 0.002, plain.damping = DampingSchedule::ramp(0.5, 1.0, 100);
  DynaSettings zero = plain, by_zero = plain, by_one = plain;
  zero.restart.on_increase = by_zero.restart.on_increase = by_one.restart.on_increase = true;
  by_zero.restart.mode = by_one.restart.mode = DynaRestart::Mode::rescale;
  by_one.restart.factor = 1;
  long restarts_zero = 0, restarts_by_zero = 0, restarts_by_one = 0, none = 0;
  const auto x_plain = this->library({"dyna", plain}, paper_start, rosenbrock<typename TestFixture::S>, 300, 1, &none);
  const auto x_zero = this->library({"dyna", zero}, paper_start, rosenbrock<typename TestFixture::S>, 300, 1, &restarts_zero);
  const auto x_by_zero =
      this->library({"dyna", by_zero}, paper_start, rosenbrock<typename TestFixture::S>, 300, 1, &restarts_by_zero);
  const auto x_by_one =
      this->library({"dyna", by_one}, paper_start, rosenbrock<typename TestFixture::S>, 300, 1, &restarts_by_one);
  EXPECT_GT(restarts_zero, 0) << "the run must restart";
  EXPECT_EQ(restarts_by_zero, restarts_zero);
  EXPECT_GT(restarts_by_one, 0) << "f = 1 is triggered as often, and changes nothing";
  EXPECT_EQ(none, 0);
  for (std::size_t i = 0; i < x_plain.size(); ++i) {
    EXPECT_EQ(x_by_zero[i], x_zero[i]) << i;
    EXPECT_EQ(x_by_one[i], x_plain[i]) << i;
  }
  EXPECT_NE(x_zero[0], x_plain[0]) << "zeroing must change the run";
}

// Three layers, the last of whose gradients vanish (1e-20 of the others): the library's
// restart by rescaling over windows, adaptive cut-off and noise against the rules applied by hand.
TYPED_TEST(OptimizerTest, DynaStrategiesMatchTheRulesAppliedByHand) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  using Reference = ReferenceLayeredDyna<S>;
  const std::vector<typename Reference::Layer> layers = {{6, 3, "layer1"}, {5, 5, "layer2"}, {4, 2, "layer3"}};
  const std::vector<double> scale = {1, 0.3, 1e-20};
  std::vector<double> x0, centre, stiffness;
  for (std::size_t k = 0; k < layers.size(); ++k)
    for (std::size_t i = 0; i < layers[k].size; ++i) {
      x0.push_back(0.1 * double(i) - 0.2 * double(k));
      centre.push_back(5.0 + 0.5 * double(i));  // far: 60 steps of the last layer do not reach it
      stiffness.push_back(scale[k] * (1.0 + 0.5 * double(i)));
    }
  const auto gradient = [&](const std::vector<S>& x, std::vector<S>& g) {
    double value = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double d = double(x[i]) - centre[i];
      g[i] = S(stiffness[i] * d);
      value += 0.5 * stiffness[i] * d * d;
    }
    return value;
  };
  // What the layers see: the objective with a bump every 7th step, so that the restart fires.
  const auto seen = [](double value, long t) { return value * (t % 7 == 0 ? 1.5 : 1.0); };
  const long steps = 60;

  DynaSettings settings;
  settings.gamma = 0.05, settings.beta = 0.9, settings.damping = DampingSchedule::constant(0.7);
  settings.restart = {true, DynaRestart::Mode::rescale, 0.5, 2};
  settings.adaptive_cutoff = {true, 0.01, 1e-30};
  settings.noise = {true, 0.05, 4, 0.3, 17};

  const auto library = [&](const DynaSettings& d, std::vector<double>& cutoff, std::vector<double>& noisy,
                           std::vector<long>& restarts) {
    GroupTable table;
    for (const auto& l : layers) table.add(l.name, l.size, l.fan_in);
    ParameterSpace<S, D> space(table);
    auto x = Kokkos::create_mirror_view(space.x);
    for (std::size_t i = 0; i < x0.size(); ++i) x(i) = S(x0[i]);
    Kokkos::deep_copy(space.x, x);
    Dyna<S, D> dyna(space, d);
    StatisticsView<D> statistics("statistics", layers.size());
    auto g = Kokkos::create_mirror_view(space.g);
    std::vector<S> y(x0.size()), gy(x0.size());
    for (long t = 1; t <= steps; ++t) {
      Kokkos::deep_copy(x, space.x);
      for (std::size_t i = 0; i < y.size(); ++i) y[i] = x(i);
      const double value = seen(gradient(y, gy), t);
      for (std::size_t i = 0; i < gy.size(); ++i) g(i) = gy[i];
      Kokkos::deep_copy(space.g, g);
      dyna.step(space, std::vector<double>(layers.size(), value), statistics);
      auto reduced = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), statistics);
      dyna.observe(std::vector<GroupStatistics>(reduced.data(), reduced.data() + reduced.extent(0)));
    }
    cutoff.clear(), noisy.clear();
    for (int k = 0; k < int(layers.size()); ++k) {
      const auto values = dyna.group_values(k);
      cutoff.push_back(values[0]), noisy.push_back(values[1]);
    }
    restarts = dyna.restarts();
    Kokkos::deep_copy(x, space.x);
    return std::vector<S>(x.data(), x.data() + x.extent(0));
  };

  std::vector<double> cutoff, noisy;
  std::vector<long> restarts;
  const auto ours = library(settings, cutoff, noisy, restarts);

  Reference by_hand(layers, 0.05, 0.9, 0.7, 1e-8);
  by_hand.restart_window = 2, by_hand.restart_factor = 0.5;
  by_hand.ratio = 0.01, by_hand.floor = 1e-30;
  by_hand.noise_window = 4, by_hand.noise_below = 0.05, by_hand.sigma = 0.3, by_hand.seed = 17;
  std::vector<S> theirs(x0.begin(), x0.end()), g(x0.size());
  for (long t = 1; t <= steps; ++t) by_hand.step(theirs, g, seen(gradient(theirs, g), t));

  const double tolerance = std::is_same<S, double>::value ? 1e-12 : 2e-5;
  EXPECT_LE(this->relative_difference(ours, theirs), tolerance);
  for (std::size_t k = 0; k < layers.size(); ++k) {
    EXPECT_NEAR(cutoff[k], by_hand.eps[k], tolerance * by_hand.eps[k]) << "layer " << k;
    EXPECT_EQ(restarts[k], by_hand.restarts[k]) << "layer " << k;
    EXPECT_GT(restarts[k], 0) << "the restart rule must fire";
    EXPECT_GT(noisy[k], 0) << "the noise rule must fire";
  }
  // The stiff layers keep omega_eps (their max omega is far above it); the vanishing layer's
  // cut-off follows its frequencies down, near 1% of them (the rule's fixed point r/(1-r)).
  EXPECT_EQ(cutoff[0], 1e-8);
  EXPECT_LT(cutoff[2], 1e-11);

  // What the cut-off is for: with the constant one the last layer hardly moves (without noise,
  // which would move it in both).
  DynaSettings adaptive = settings, constant = settings;
  adaptive.noise = constant.noise = {};
  constant.adaptive_cutoff = {};
  const auto kept = library(adaptive, cutoff, noisy, restarts);
  const auto held = library(constant, cutoff, noisy, restarts);
  double moved = 0, moved_held = 0;
  for (std::size_t i = 11; i < x0.size(); ++i)
    moved += std::fabs(double(kept[i]) - x0[i]), moved_held += std::fabs(double(held[i]) - x0[i]);
  EXPECT_GT(moved, 100 * moved_held) << "the adaptive cut-off must keep the last layer's effective step";
}

// Noise that never fires leaves the trajectory as it was, bit for bit; noise that fires moves a
// parameter at rest with zero gradient by exactly sigma alpha / (2 zeta) times its draw, and the
// draws are zero-mean with unit variance.
TYPED_TEST(OptimizerTest, DynaNoiseIsOffUntilItFiresAndThenHasItsStatedScale) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  DynaSettings plain;
  plain.gamma = 0.002, plain.damping = DampingSchedule::ramp(0.5, 1.0, 100);
  DynaSettings silent = plain;
  silent.noise = {true, -1e300, 3, 0.5, 1};
  const auto a = this->library({"dyna", plain}, paper_start, rosenbrock<S>, 300);
  const auto b = this->library({"dyna", silent}, paper_start, rosenbrock<S>, 300);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;

  const std::size_t n = 40000;
  GroupTable table;
  table.add("layer", n, 100.0);
  ParameterSpace<S, D> space(table);
  DynaSettings noisy;
  noisy.damping = DampingSchedule::constant(0.8);
  noisy.noise = {true, 0.01, 1, 0.5, 3};
  Dyna<S, D> dyna(space, noisy);
  // A flat objective: step 2 finds no decrease, so step 3 is noisy; the gradient is 0 throughout.
  for (int t = 0; t < 3; ++t) dyna.step(space, {1.0});
  auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), space.x);
  const double step = 0.5 * (2 * 1.0 / 100.0) / (2 * 0.8);  // sigma alpha / (2 zeta)
  const std::uint64_t stream = splitmix64(splitmix64(3 ^ fnv1a("layer")) + 3);
  const double tolerance = std::is_same<S, double>::value ? 1e-12 : 1e-6;
  double sum = 0, sum_sq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double expected = step * unit_noise(stream, i);
    ASSERT_NEAR(double(x(i)), expected, tolerance * step) << i;
    sum += double(x(i)) / step, sum_sq += (double(x(i)) / step) * (double(x(i)) / step);
  }
  const double mean = sum / double(n), variance = sum_sq / double(n) - mean * mean;
  EXPECT_LT(std::fabs(mean), 4 / std::sqrt(double(n)));  // 4 standard errors
  EXPECT_NEAR(variance, 1.0, 0.03);                      // about 7 standard errors of a uniform's
  EXPECT_EQ(dyna.group_values(0)[1], 1.0) << "one noisy step";
}

}  // namespace
}  // namespace dynaopt::test
