// The thickness projection against a brute-force projection (every combination of active
// constraints solved in closed form, the nearest feasible one kept) and against the variational
// inequality that characterises a projection: (v - p).(q - p) <= 0 for every feasible q.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "dynaopt/problems/nanosphere/projection.hpp"

namespace dynaopt::test {
namespace {

bool feasible(const std::vector<double>& t, double tmin, double rmax, double slack = 1e-9) {
  double sum = 0;
  for (double v : t) {
    if (v < tmin - slack) return false;
    sum += v;
  }
  return sum <= rmax + slack;
}

std::vector<double> brute_force(const std::vector<double>& v, double tmin, double rmax) {
  const int n = int(v.size());
  std::vector<double> best;
  double best_distance = 1e300;
  for (int active = 0; active < (1 << n); ++active)
    for (int sum_active = 0; sum_active < 2; ++sum_active) {
      std::vector<double> p(v);
      int free = 0;
      double free_sum = 0;
      for (int i = 0; i < n; ++i)
        if (active & (1 << i)) p[std::size_t(i)] = tmin;
        else ++free, free_sum += v[std::size_t(i)];
      if (sum_active && free > 0) {
        const double lambda = (free_sum + (n - free) * tmin - rmax) / free;
        for (int i = 0; i < n; ++i)
          if (!(active & (1 << i))) p[std::size_t(i)] -= lambda;
      }
      if (!feasible(p, tmin, rmax)) continue;
      double d = 0;
      for (int i = 0; i < n; ++i) d += (p[std::size_t(i)] - v[std::size_t(i)]) * (p[std::size_t(i)] - v[std::size_t(i)]);
      if (d < best_distance) best_distance = d, best = p;
    }
  return best;
}

TEST(Projection, MatchesBruteForceAndTheVariationalInequality) {
  std::mt19937 rng(8);
  std::uniform_real_distribution<double> u(-50, 250);
  const double tmin = 5, rmax = 300;
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = 1 + trial % 6;
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = u(rng);
    std::vector<double> p = v;
    ASSERT_TRUE(nanosphere::project_thicknesses(p.data(), n, tmin, rmax));
    EXPECT_TRUE(feasible(p, tmin, rmax));
    const auto q = brute_force(v, tmin, rmax);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(p[std::size_t(i)], q[std::size_t(i)], 1e-9) << "trial " << trial;
    // (v - p).(w - p) <= 0 for feasible points w: the vertices of the set and random interior points.
    for (int k = 0; k < 20; ++k) {
      std::vector<double> w(std::size_t(n), tmin);
      double room = rmax - n * tmin;
      for (int i = 0; i < n; ++i) {
        const double take = room * std::uniform_real_distribution<double>(0, 1)(rng);
        w[std::size_t(i)] += take, room -= take;
      }
      double inner = 0;
      for (int i = 0; i < n; ++i) inner += (v[std::size_t(i)] - p[std::size_t(i)]) * (w[std::size_t(i)] - p[std::size_t(i)]);
      EXPECT_LE(inner, 1e-7 * rmax * rmax);
    }
  }
}

TEST(Projection, FeasiblePointsStayAndTheTightBudgetPinsEverything) {
  std::vector<double> t = {40, 20, 15};
  ASSERT_TRUE(nanosphere::project_thicknesses(t.data(), 3, 5.0, 300.0));
  EXPECT_EQ(t, (std::vector<double>{40, 20, 15}));
  t = {100, 200, 300};
  ASSERT_TRUE(nanosphere::project_thicknesses(t.data(), 3, 5.0, 15.0));  // R_max = n t_min
  EXPECT_EQ(t, (std::vector<double>{5, 5, 5}));
  EXPECT_FALSE(nanosphere::project_thicknesses(t.data(), 3, 5.0, 14.0));  // empty set
}

}  // namespace
}  // namespace dynaopt::test
