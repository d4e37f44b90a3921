// Bound constraints and the constraint pass (core/bounds.hpp), against independent references:
// the projection against the variational inequality at every vertex of the feasible polytope,
// the velocity's projection onto the tangent cone against a brute force over active sets, the
// stationarity measure against the gradient mapping of a small step, and every registered
// optimizer driven through the integrator to the KKT vertex of a quadratic over a capped
// simplex, where positions-only projection leaves sign-like methods stalled on the face.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "dynaopt/core/bounds.hpp"
#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/deck.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/optim/optimizer_spec.hpp"
#include "dynaopt/problems/integrator.hpp"
#include "integrate.hpp"

namespace dynaopt::test {
namespace {

using Device = Kokkos::DefaultExecutionSpace::device_type;
using Space = ParameterSpace<double, Device>;
const double inf = std::numeric_limits<double>::infinity();

// A motion with given step sizes and velocities, for the pass alone.
struct GivenMotion {
  using coefficients = int;
  static constexpr bool has_velocity = true;
  Kokkos::View<double*, Device> h, w;
  KOKKOS_INLINE_FUNCTION int group_coefficients(int) const { return 0; }
  KOKKOS_INLINE_FUNCTION double step_size(int, std::size_t i) const { return h(i); }
  KOKKOS_INLINE_FUNCTION double velocity(int, std::size_t i) const { return w(i); }
  KOKKOS_INLINE_FUNCTION void set_velocity(int, std::size_t i, double v) const { w(i) = v; }
};

Kokkos::View<double*, Device> device_copy(const std::vector<double>& v, const std::string& label) {
  Kokkos::View<double*, Device> d(label, v.size());
  Kokkos::deep_copy(d, Kokkos::View<const double*, Kokkos::HostSpace>(v.data(), v.size()));
  return d;
}
std::vector<double> host_copy(const Kokkos::View<double*, Device>& d) {
  std::vector<double> v(d.extent(0));
  Kokkos::deep_copy(Kokkos::View<double*, Kokkos::HostSpace>(v.data(), v.size()), d);
  return v;
}

// The vertices of {lower <= z <= upper, sum z <= max_sum} (bounded: finite lower, and a
// finite upper or sum): every coordinate at a bound, or all but one with the sum binding.
std::vector<std::vector<double>> vertices(int n, const GroupBounds& b) {
  std::vector<std::vector<double>> out;
  std::vector<double> levels = {b.lower};
  if (std::isfinite(b.upper)) levels.push_back(b.upper);
  const int choices = int(levels.size());
  int combinations = 1;
  for (int i = 0; i < n; ++i) combinations *= choices;
  for (int free = -1; free < n; ++free)
    for (int c = 0; c < combinations; ++c) {
      std::vector<double> z(static_cast<std::size_t>(n));
      double sum = 0;
      for (int i = 0, code = c; i < n; ++i, code /= choices) z[std::size_t(i)] = levels[std::size_t(code % choices)];
      for (int i = 0; i < n; ++i)
        if (i != free) sum += z[std::size_t(i)];
      if (free >= 0) {
        if (!b.has_sum) continue;
        z[std::size_t(free)] = b.max_sum - sum;
        if (z[std::size_t(free)] < b.lower || z[std::size_t(free)] > b.upper) continue;
      } else if (b.has_sum && sum > b.max_sum) {
        continue;
      }
      out.push_back(z);
    }
  return out;
}

GroupBounds random_bounds(std::mt19937& rng, int n) {
  std::uniform_real_distribution<double> u(0, 1);
  GroupBounds b;
  b.lower = -1 + 2 * u(rng);
  const int kind = int(rng() % 3);  // box, sum, both
  if (kind != 1) b.upper = b.lower + 0.2 + 2 * u(rng);
  if (kind != 0) b.max_sum = n * b.lower + (0.1 + u(rng)) * n;
  b.has_sum = kind != 0;
  return b;
}

// The projection of a step in the metric of its step sizes is the minimiser of
// sum (y - v)^2 / h over the polytope: (v - y) H^-1 (z - y) <= 0 at every vertex z.
TEST(Bounds, ProjectionInTheStepMetricSatisfiesTheVariationalInequality) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 600; ++trial) {
    const int n = 1 + trial % 5;
    GroupTable table;
    table.add("g", std::size_t(n));
    Space space(table);
    const GroupBounds b = random_bounds(rng, n);
    Bounds<double, Device> bounds(space.groups, {b}, "test");
    std::vector<double> v(static_cast<std::size_t>(n)), h(v);
    for (int i = 0; i < n; ++i) v[std::size_t(i)] = -3 + 6 * u(rng), h[std::size_t(i)] = 0.05 + 3 * u(rng);
    Kokkos::deep_copy(space.x, Kokkos::View<const double*, Kokkos::HostSpace>(v.data(), v.size()));
    bounds.constrain(space, GivenMotion{device_copy(h, "h"), device_copy(std::vector<double>(v.size(), 0.0), "w")});
    const std::vector<double> y = host_copy(space.x);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      EXPECT_GE(y[std::size_t(i)], b.lower);
      EXPECT_LE(y[std::size_t(i)], b.upper);
      sum += y[std::size_t(i)];
    }
    if (b.has_sum) EXPECT_LE(sum, b.max_sum + 1e-12 * std::fabs(b.max_sum) + 1e-14);
    for (const auto& z : vertices(n, b)) {
      double inner = 0;
      for (int i = 0; i < n; ++i)
        inner += (v[std::size_t(i)] - y[std::size_t(i)]) / h[std::size_t(i)] * (z[std::size_t(i)] - y[std::size_t(i)]);
      EXPECT_LE(inner, 1e-10) << "trial " << trial;
    }
  }
}

// The velocity after the pass is the projection of the step's displacement h w onto the
// tangent cone at the projected point, in the same metric: the brute force solves every
// choice of active constraints in closed form and keeps the nearest admissible one.
TEST(Bounds, VelocityIsProjectedOntoTheTangentConeOfTheFacesItLiesOn) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  int sum_faces = 0;
  for (int trial = 0; trial < 600; ++trial) {
    const int n = 1 + trial % 5;
    GroupTable table;
    table.add("g", std::size_t(n));
    Space space(table);
    const GroupBounds b = random_bounds(rng, n);
    Bounds<double, Device> bounds(space.groups, {b}, "test");
    std::vector<double> v(static_cast<std::size_t>(n)), h(v), w(v);
    for (int i = 0; i < n; ++i)
      v[std::size_t(i)] = -3 + 6 * u(rng), h[std::size_t(i)] = 0.05 + 3 * u(rng), w[std::size_t(i)] = -2 + 4 * u(rng);
    Kokkos::deep_copy(space.x, Kokkos::View<const double*, Kokkos::HostSpace>(v.data(), v.size()));
    const auto velocity = device_copy(w, "w");
    bounds.constrain(space, GivenMotion{device_copy(h, "h"), velocity});
    const std::vector<double> y = host_copy(space.x), got = host_copy(velocity);
    // The faces y lies on: bounds hit exactly, the sum bound when it moved y.
    double y_sum = 0, v_sum = 0;
    for (int i = 0; i < n; ++i) y_sum += y[std::size_t(i)], v_sum += std::min(std::max(v[std::size_t(i)], b.lower), b.upper);
    const bool sum_face = b.has_sum && v_sum > b.max_sum;
    sum_faces += sum_face;
    // Brute force: minimise sum h (z - w)^2 over z with z_i >= 0 at lower faces, <= 0 at upper
    // ones, and sum h z <= 0 on the sum face.
    double best = inf;
    std::vector<double> expected;
    for (int pinned = 0; pinned < (1 << n); ++pinned)
      for (int binding = 0; binding < 1 + sum_face; ++binding) {
        std::vector<double> z = w;
        double free_weight = 0, free_sum = 0;
        for (int i = 0; i < n; ++i)
          if (pinned & (1 << i)) z[std::size_t(i)] = 0;
          else free_weight += h[std::size_t(i)], free_sum += h[std::size_t(i)] * w[std::size_t(i)];
        if (binding) {
          if (free_weight == 0) continue;
          const double theta = free_sum / free_weight;
          for (int i = 0; i < n; ++i)
            if (!(pinned & (1 << i))) z[std::size_t(i)] -= theta;
        }
        bool admissible = true;
        double displacement = 0, distance = 0;
        for (int i = 0; i < n; ++i) {
          const double zi = z[std::size_t(i)];
          if (y[std::size_t(i)] <= b.lower && zi < -1e-12) admissible = false;
          if (y[std::size_t(i)] >= b.upper && zi > 1e-12) admissible = false;
          displacement += h[std::size_t(i)] * zi;
          distance += h[std::size_t(i)] * (zi - w[std::size_t(i)]) * (zi - w[std::size_t(i)]);
        }
        if (sum_face && displacement > 1e-12) admissible = false;
        if (admissible && distance < best) best = distance, expected = z;
      }
    ASSERT_FALSE(expected.empty());
    for (int i = 0; i < n; ++i) EXPECT_NEAR(got[std::size_t(i)], expected[std::size_t(i)], 1e-9) << "trial " << trial;
    (void)y_sum;
  }
  EXPECT_GT(sum_faces, 100);  // the sum face was exercised
}

// An element inside the bounds is left bit for bit, velocity and all.
TEST(Bounds, LeavesAnInteriorStateBitForBit) {
  GroupTable table;
  table.add("g", 3);
  Space space(table);
  GroupBounds b;
  b.lower = 0, b.max_sum = 10;
  Bounds<double, Device> bounds(space.groups, {b}, "test");
  const std::vector<double> v = {0.1 / 3, 2.0 / 7, 3.0 / 11}, w = {-1.0 / 3, 1.0 / 7, 5.0 / 13};
  Kokkos::deep_copy(space.x, Kokkos::View<const double*, Kokkos::HostSpace>(v.data(), 3));
  const auto velocity = device_copy(w, "w");
  bounds.constrain(space, GivenMotion{device_copy({0.5, 0.25, 2}, "h"), velocity});
  EXPECT_EQ(host_copy(space.x), v);
  EXPECT_EQ(host_copy(velocity), w);
}

// The stationarity measure is the limit of the gradient mapping (x - P(x - tau g)) / tau:
// at points on faces and vertices it matches tau = 1e-7 through the Euclidean projection, and
// it is zero at a KKT point.
TEST(Bounds, StationarityIsTheGradientMappingOfASmallStep) {
  GroupTable table;
  table.add("g", 3);
  Space space(table);
  GroupBounds b;
  b.lower = 0, b.upper = 2, b.max_sum = 3;
  Bounds<double, Device> bounds(space.groups, {b}, "test");
  struct Case {
    std::vector<double> x, g;
    double expected;  // |G|^2 by hand, or < 0 for "compare with the small step"
  };
  const std::vector<Case> cases = {
      {{1, 1, 0.5}, {1, 2, 3}, 14},        // interior: G = -g
      {{1, 1, 1}, {-1, -2, 0}, 2},         // sum face: -g = (1, 2, 0) less its mean over the face: (0, 1, -1)
      {{1, 1, 1}, {-1, -1, -1}, 0},        // KKT on the sum face: -g is its normal
      {{2, 1, 0}, {-3, -1, 1}, 0},         // KKT at a vertex (upper, sum and lower faces)
      {{2, 0.5, 0}, {-1, 1, 2}, -1},       // upper and lower faces
      {{0, 1.5, 1.5}, {0.5, -1, 0.2}, -1}  // lower and sum faces
  };
  Kokkos::View<double*, Device> out("G", 1);
  for (const Case& c : cases) {
    Kokkos::deep_copy(space.x, Kokkos::View<const double*, Kokkos::HostSpace>(c.x.data(), 3));
    Kokkos::deep_copy(space.g, Kokkos::View<const double*, Kokkos::HostSpace>(c.g.data(), 3));
    bounds.stationarity(space.x, space.g, space, out);
    const double got = host_copy(out)[0];
    double expected = c.expected;
    if (expected < 0) {
      const double tau = 1e-7;
      std::vector<double> probe(3);
      for (int i = 0; i < 3; ++i) probe[std::size_t(i)] = c.x[std::size_t(i)] - tau * c.g[std::size_t(i)];
      Kokkos::View<double*, Device> p = device_copy(probe, "probe");
      bounds.project(p, space);
      const std::vector<double> projected = host_copy(p);
      expected = 0;
      for (int i = 0; i < 3; ++i) {
        const double gi = (c.x[std::size_t(i)] - projected[std::size_t(i)]) / tau;
        expected += gi * gi;
      }
    }
    EXPECT_NEAR(got, expected, 1e-6 * std::max(1.0, expected)) << "x = " << c.x[0] << ", " << c.x[1] << ", " << c.x[2];
  }
}

TEST(Bounds, RefusesEmptySetsAndSplitSums) {
  GroupTable table;
  table.add("design", 3);
  GroupBounds b;
  b.lower = 2, b.max_sum = 5;
  EXPECT_THROW((Bounds<double, Device>(table, {b}, "problem.bounds")), std::invalid_argument);
  GroupTable split;
  split.add("x", 3, 1.0, 0, 6);  // this rank holds half of it
  b.lower = 0;
  EXPECT_THROW((Bounds<double, Device>(split, {b}, "problem.bounds")), std::invalid_argument);
  b.max_sum = inf;
  EXPECT_NO_THROW((Bounds<double, Device>(split, {b}, "problem.bounds")));
}

// f(x) = 1/2 [(x1 - 3)^2 + (x2 - 0.5)^2] over {x >= 0, x1 + x2 <= 1}. Its KKT point is the
// vertex (1, 0): -g = (2, 0.5) = 2 (1, 1) + 1.5 (0, -1), both multipliers positive. From
// (0.5, 0.1) a path meets the sum face where both gradient components are negative, so a
// sign-like step pushes both coordinates out by about the same amount; the tangential
// gradient there is not zero, and the way to the vertex is along the face.
class CappedSimplexQuadratic : public Problem<double, Device> {
 public:
  CappedSimplexQuadratic() {
    GroupTable table;
    table.add("x", 2);
    space_ = space_type(table);
    const std::vector<double> x0 = {0.5, 0.1};
    Kokkos::deep_copy(space_.x, Kokkos::View<const double*, Kokkos::HostSpace>(x0.data(), 2));
    GroupBounds b;
    b.lower = 0, b.max_sum = 1;
    bounds_ = Bounds<double, Device>(space_.groups, {b}, "test");
  }
  std::string name() const override { return "capped_simplex_quadratic"; }
  space_type& space() override { return space_; }
  const Bounds<double, Device>* bounds() const override { return &bounds_; }
  Forces force(const view_type& point, long) override {
    const auto g = space_.g;
    double value = 0;
    Kokkos::parallel_reduce(
        "test::force", Kokkos::RangePolicy<Device::execution_space>(0, 2),
        KOKKOS_LAMBDA(const int i, double& sum) {
          const double d = point(i) - (i == 0 ? 3.0 : 0.5);
          g(i) = d;
          sum += 0.5 * d * d;
        },
        value);
    return Forces{value, {value}};
  }
  double distance_to_vertex() const {
    const std::vector<double> x = host_copy(space_.x);
    return std::max(std::fabs(x[0] - 1), std::fabs(x[1]));
  }

 private:
  space_type space_;
  Bounds<double, Device> bounds_;
};

OptimizerSpec optimizer_from(const std::string& text) {
  return read_optimizer(Deck("optimizer: " + text, "test.yaml").root().section("optimizer"));
}

// One deck per registered optimizer type (a new type must add its own here).
const std::vector<std::string> every_optimizer = {
    "{type: dyna, gamma: 0.005}",
    "{type: dyna, gamma: 0.005, restart_on_increase: true}",
    "{type: dyna_prototype, lr: 0.01}",
    "{type: nonlinear_heavy_ball, step: 0.05, friction: 0.1, damping_exponent: 1.9, kinetic_exponent: 1.9}",
    "{type: nonlinear_nesterov, step: 0.05, friction: 0.1, damping_exponent: 1.9, kinetic_exponent: 1.9}",
    "{type: nonlinear_mirror, step: 0.05, friction: 0.1, mirror: {lp: 3}}",
    "{type: heavy_ball, step: 0.05, friction: 0.1}",
    "{type: nesterov, step: 0.05, friction: 0.1}",
    "{type: sgd, lr: 0.1}",
    "{type: adam, lr: 0.01}"};

TEST(ConstrainedDynamics, EveryOptimizerReachesTheKktVertexCertified) {
  std::vector<std::string> covered;
  for (const std::string& deck : every_optimizer) {
    covered.push_back(optimizer_from(deck).type);
    CappedSimplexQuadratic problem;
    RunSpec run;
    run.steps = 20000;
    run.log_every = 0;
    run.gradient_tolerance = 1e-10;
    const StepRecord last = integrate(problem, optimizer_from(deck), run, Comm(MPI_COMM_SELF));
    EXPECT_TRUE(last.converged) << deck << ": |G| = " << last.stationarity << " after " << last.step << " steps";
    EXPECT_LE(last.stationarity, 1e-10) << deck;
    EXPECT_LE(problem.distance_to_vertex(), 1e-6) << deck;
  }
  for (const OptimizerType& type : optimizer_types())
    EXPECT_NE(std::find(covered.begin(), covered.end(), type.name), covered.end()) << type.name << " is not tested";
}

// The regression the constraint pass fixes: projecting positions only, Dyna and Adam stall on
// the sum face far from the vertex (the common part of a sign-like step is projected away,
// and the velocity keeps pushing outward), where the stationarity measure stays large.
TEST(ConstrainedDynamics, PositionsOnlyLeaveSignLikeStepsStalledOnTheFace) {
  for (const std::string deck : {"{type: dyna, gamma: 0.005}", "{type: adam, lr: 0.01}"}) {
    CappedSimplexQuadratic problem;
    auto& space = problem.space();
    const auto optimizer = make_optimizer(optimizer_from(deck), space);
    for (long step = 1; step <= 20000; ++step) {
      const Forces f = problem.force(optimizer->evaluation_point(space), step);
      optimizer->step(space, f.group_objective);
      problem.bounds()->project(space.x, space);
    }
    problem.force(space.x, 0);
    Kokkos::View<double*, Device> G("G", 1);
    problem.bounds()->stationarity(space.x, space.g, space, G);
    EXPECT_GT(problem.distance_to_vertex(), 0.1) << deck;
    EXPECT_GT(std::sqrt(host_copy(G)[0]), 0.1) << deck;
  }
}

// With bounds that never bind, the constrained run is the unconstrained one bit for bit.
class FarBounds : public CappedSimplexQuadratic {
 public:
  explicit FarBounds(bool bounded) : bounded_(bounded) {
    GroupBounds b;
    b.lower = -100, b.upper = 100, b.max_sum = 100;
    far_ = Bounds<double, Device>(space().groups, {b}, "test");
  }
  const Bounds<double, Device>* bounds() const override { return bounded_ ? &far_ : nullptr; }

 private:
  bool bounded_;
  Bounds<double, Device> far_;
};

TEST(ConstrainedDynamics, BoundsThatNeverBindChangeNothing) {
  for (const std::string& deck : every_optimizer) {
    std::vector<double> x[2];
    for (int bounded = 0; bounded < 2; ++bounded) {
      FarBounds problem(bounded);
      RunSpec run;
      run.steps = 300;
      run.log_every = 0;
      integrate(problem, optimizer_from(deck), run, Comm(MPI_COMM_SELF));
      x[bounded] = host_copy(problem.space().x);
    }
    EXPECT_EQ(x[0], x[1]) << deck;
  }
}

}  // namespace
}  // namespace dynaopt::test
