// The library as a user calls it: parameter spaces over the user's own Views, objectives
// without a per-step allocation, and the preconditions every entry point checks.
#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "dynaopt/core/bounds.hpp"
#include "dynaopt/core/splitmix64.hpp"
#include "dynaopt/optim/adam.hpp"
#include "dynaopt/optim/dyna.hpp"
#include "dynaopt/optim/nonlinear_momentum.hpp"
#include "dynaopt/optim/sgd.hpp"
#include "test_backends.hpp"

using namespace dynaopt;
using namespace dynaopt::test;

namespace {

template <class B>
struct LibraryApi : ::testing::Test {
  using S = typename B::scalar;
  using D = typename B::device;
  using Space = ParameterSpace<S, D>;
  using view_type = typename Space::view_type;

  static GroupTable two_groups() {
    GroupTable table;
    table.add("w", 300, 30);
    table.add("b", 17, 1);
    return table;
  }
  // x0 and a quadratic's gradient g = a (x - c), from the element's index.
  static double start(std::size_t i) { return 2 * open_unit(splitmix64(3 * i)) - 1; }
  static double curvature(std::size_t i) { return 1 + 4 * open_unit(splitmix64(3 * i + 1)); }
  static double centre(std::size_t i) { return open_unit(splitmix64(3 * i + 2)) - 0.5; }
  static void gradient(const Space& space, const view_type& point) {
    const auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), point);
    auto g = Kokkos::create_mirror_view(space.g);
    for (std::size_t i = 0; i < x.extent(0); ++i) g(i) = S(curvature(i) * (double(x(i)) - centre(i)));
    Kokkos::deep_copy(space.g, g);
  }
  static void set_start(const Space& space) {
    auto x = Kokkos::create_mirror_view(space.x);
    for (std::size_t i = 0; i < x.extent(0); ++i) x(i) = S(start(i));
    Kokkos::deep_copy(space.x, x);
  }
  static double objective(const Space& space) {
    const auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), space.x);
    double v = 0;
    for (std::size_t i = 0; i < x.extent(0); ++i) v += 0.5 * curvature(i) * std::pow(double(x(i)) - centre(i), 2);
    return v;
  }
  // `steps` steps of `optimizer` over `space` from the start; the final x on the host.
  template <class Optimizer, class Objective>
  static std::vector<S> run(Space& space, Optimizer& optimizer, long steps, Objective&& objectives) {
    for (long t = 0; t < steps; ++t) {
      gradient(space, optimizer.evaluation_point(space));
      optimizer.step(space, objectives(objective(space)));
    }
    const auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), space.x);
    return std::vector<S>(x.data(), x.data() + x.extent(0));
  }
  static bool same_bits(const std::vector<S>& a, const std::vector<S>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(S)) == 0;
  }
};
TYPED_TEST_SUITE(LibraryApi, AllBackends, BackendName);

// The same steps over the user's Views as over the space's own, to the bit; the user's
// arrays are the ones written (no copy), for a managed View, an unmanaged one over the user's
// memory and a LayoutLeft one.
TYPED_TEST(LibraryApi, StepsOverTheUsersViewsAreTheStepsOverItsOwn) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  using Space = typename TestFixture::Space;
  DynaSettings settings;
  settings.gamma = 0.5, settings.restart.on_increase = true;
  const auto each = [](double v) { return std::vector<double>{v, v}; };

  Space own(TestFixture::two_groups());
  TestFixture::set_start(own);
  Dyna<S, D> reference(own, settings);
  const std::vector<S> expected = TestFixture::run(own, reference, 200, each);
  ASSERT_GT(reference.restarts()[0] + reference.restarts()[1], 0) << "the restarts are part of what is compared";

  const std::size_t n = own.size();
  {
    Kokkos::View<S*, D> x("user::x", n), g("user::g", n);
    Space users(TestFixture::two_groups(), x, g);
    TestFixture::set_start(users);
    Dyna<S, D> dyna(users, settings);
    EXPECT_TRUE(TestFixture::same_bits(TestFixture::run(users, dyna, 200, each), expected));
    EXPECT_EQ(users.x.data(), x.data());
    const auto mine = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x);
    EXPECT_TRUE(TestFixture::same_bits(std::vector<S>(mine.data(), mine.data() + n), expected));
  }
  {
    Kokkos::View<S*, Kokkos::LayoutLeft, D> x("user::x", n), g("user::g", n);
    Space users(TestFixture::two_groups(), x, g, typename D::execution_space());
    TestFixture::set_start(users);
    Dyna<S, D> dyna(users, settings);
    EXPECT_TRUE(TestFixture::same_bits(TestFixture::run(users, dyna, 200, each), expected));
  }
  if constexpr (Kokkos::SpaceAccessibility<Kokkos::HostSpace, typename D::memory_space>::accessible) {
    std::vector<S> x(n), g(n);  // memory the user owns
    using Unmanaged = Kokkos::View<S*, D, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
    Space users(TestFixture::two_groups(), Unmanaged(x.data(), n), Unmanaged(g.data(), n));
    TestFixture::set_start(users);
    Dyna<S, D> dyna(users, settings);
    TestFixture::run(users, dyna, 200, each);
    EXPECT_TRUE(TestFixture::same_bits(x, expected));
  }
}

// One number for every group is a list of that number, to the bit (Dyna's restarts read it).
TYPED_TEST(LibraryApi, OneObjectiveForAllGroupsIsThatObjectiveForEach) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  using Space = typename TestFixture::Space;
  DynaSettings settings;
  settings.gamma = 0.5, settings.restart.on_increase = true;
  Space a(TestFixture::two_groups()), b(TestFixture::two_groups());
  TestFixture::set_start(a), TestFixture::set_start(b);
  Dyna<S, D> listed(a, settings), uniform(b, settings);
  std::vector<double> buffer(2);
  const auto in_buffer = [&](double v) {
    buffer.assign(2, v);
    return Objectives(buffer.data(), buffer.size());
  };
  const auto one = [](double v) { return Objectives(v); };
  EXPECT_TRUE(TestFixture::same_bits(TestFixture::run(a, listed, 150, in_buffer), TestFixture::run(b, uniform, 150, one)));
  EXPECT_EQ(listed.restarts(), uniform.restarts());
  EXPECT_GT(listed.restarts()[0], 0);
}

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

TEST(GroupTable, ASliceMustLieInsideItsGroup) {
  GroupTable table;
  EXPECT_NO_THROW(table.add("w", 40, 1, 60, 100));
  EXPECT_EQ(message_of([&] { table.add("b", 41, 1, 60, 100); }),
            "group 'b': the slice [60, 60 + 41) lies outside the group's 100 elements");
  EXPECT_EQ(message_of([&] { table.add("c", 1, 1, 5); }), "group 'c': the slice [5, 5 + 1) lies outside the group's 1 elements");
  EXPECT_EQ(message_of([&] { table.add("d", 3, 0); }), "group 'd': fan_in must be > 0");
  EXPECT_EQ(table.count(), 1) << "a refused group is not added";
}

TYPED_TEST(LibraryApi, AUsersViewsMustHoldTheGroupsAndBeDistinct) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  using Space = typename TestFixture::Space;
  Kokkos::View<S*, D> right("x", 317), short_g("g", 316), g("g", 317);
  EXPECT_EQ(message_of([&] { Space(TestFixture::two_groups(), right, short_g); }),
            "ParameterSpace: x has 317 and g 316 elements, but the groups hold 317");
  EXPECT_EQ(message_of([&] { Space(TestFixture::two_groups(), right, right); }),
            "ParameterSpace: x and g are the same array; the gradient needs its own");
  Space space(TestFixture::two_groups(), right, g);
  EXPECT_EQ(message_of([&] { space.select({0, 2}); }), "ParameterSpace::select: group 2 of 2");
  EXPECT_EQ(message_of([&] { space.select({1, 1}); }), "ParameterSpace::select: group 1 listed twice");
  EXPECT_EQ(space.selected, (std::vector<int>{0, 1})) << "a refused selection leaves the old one";
  EXPECT_EQ(message_of([&] { Space(TestFixture::two_groups(), 0); }), "ParameterSpace: the chunk size must be at least 1");
}

// Every optimizer refuses, before touching anything, a space it was not built for and a
// statistics View without a slot per group; Dyna also missing objectives.
TYPED_TEST(LibraryApi, AStepChecksItsSpaceStatisticsAndObjectives) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  using Space = typename TestFixture::Space;
  Space space(TestFixture::two_groups());
  TestFixture::set_start(space);
  GroupTable bigger = TestFixture::two_groups();
  bigger.add("extra", 5);
  Space other(bigger);
  const auto before = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), other.x);
  Dyna<S, D> dyna(space, DynaSettings{});
  Adam<S, D> adam(space, AdamSettings{});
  Sgd<S, D> sgd(space, SgdSettings{});
  NonlinearMomentum<S, D> momentum(space, NonlinearMomentumSettings{});
  EXPECT_EQ(message_of([&] { dyna.step(other, 1.0); }),
            "Dyna::step: a space of 322 parameters in 3 group(s) (x 322, g 322) for an optimizer built for 317 in 2");
  EXPECT_EQ(message_of([&] { adam.step(other, {}); }),
            "Adam::step: a space of 322 parameters in 3 group(s) (x 322, g 322) for an optimizer built for 317 in 2");
  EXPECT_EQ(message_of([&] { momentum.step(other, {}); }),
            "NonlinearMomentum::step: a space of 322 parameters in 3 group(s) (x 322, g 322) for an optimizer built for 317 in 2");
  EXPECT_EQ(message_of([&] { sgd.step(other, {}); }),
            "Sgd::step: a space of 322 parameters in 3 group(s) (x 322, g 322) for an optimizer built for 317 in 2");
  EXPECT_EQ(dyna.step_count() + adam.step_count() + momentum.step_count() + sgd.step_count(), 0);
  const auto after = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), other.x);
  for (std::size_t i = 0; i < after.extent(0); ++i) ASSERT_EQ(after(i), before(i));

  StatisticsView<D> one_slot("statistics", 1), two_slots("statistics", 2);
  EXPECT_EQ(message_of([&] { adam.step(space, {}, one_slot); }), "Adam::step: statistics has 1 slot(s) for 2 group(s)");
  EXPECT_EQ(message_of([&] { dyna.step(space, {1.0, 2.0, 3.0}); }),
            "Dyna::step: 3 objective(s) for 2 group(s); it takes one per group, or one number for all");
  EXPECT_NO_THROW(dyna.step(space, 1.0, two_slots));
  EXPECT_NO_THROW(adam.step(space, {}));  // Adam reads no objective
  EXPECT_EQ(dyna.step_count(), 1);
}

TYPED_TEST(LibraryApi, BoundsSayWhichElementOfTheStartIsOutside) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  using Space = typename TestFixture::Space;
  Space space(TestFixture::two_groups());
  Kokkos::deep_copy(space.x, S(0.25));
  GroupBounds box, capped;
  box.lower = 0, box.upper = 1;
  capped.lower = 0, capped.max_sum = 5;
  EXPECT_EQ(message_of([&] { Bounds<S, D>(space.groups, {box}); }), "Bounds: 1 GroupBounds for 2 group(s); it takes one per group");
  const Bounds<S, D> bounds(space.groups, {box, capped});
  EXPECT_NO_THROW(bounds.require_feasible(space.x));
  Kokkos::deep_copy(Kokkos::subview(space.x, 301), S(-0.5));
  EXPECT_EQ(message_of([&] { bounds.require_feasible(space.x); }),
            "Bounds: the starting point is infeasible: its element 1 of group 1 is -0.5, outside [0, inf]");
  Kokkos::deep_copy(Kokkos::subview(space.x, 301), S(0.25));
  Kokkos::deep_copy(Kokkos::subview(space.x, 316), S(2));  // 16 x 0.25 + 2 = 6 > 5
  EXPECT_EQ(message_of([&] { bounds.require_feasible(space.x, "x0"); }),
            "Bounds: x0 is infeasible: the sum of group 1 is 6, above max_sum 5");
  const Bounds<S, D> named(space.groups, {box, capped}, "x >= 0");
  EXPECT_EQ(message_of([&] { named.require_feasible(space.x); }),
            "x >= 0: the starting point is infeasible: the sum of group 1 is 6, above max_sum 5");
  GroupTable one;
  one.add("all", space.size());
  Space other(one);
  EXPECT_EQ(message_of([&] { named.project(other.x, other); }), "x >= 0: bounds of 2 group(s) for a space of 1");
  Kokkos::View<double*, D> one_slot("stationarity", 1);
  EXPECT_EQ(message_of([&] { named.stationarity(space.x, space.g, space, one_slot); }),
            "x >= 0: stationarity needs a slot per group, got 1");
}

}  // namespace
