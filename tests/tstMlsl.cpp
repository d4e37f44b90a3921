// How designs are drawn (multi-start's uniform starts, MLSL's Sobol samples) and MLSL's rules
// (mlsl.hpp): the critical distance, the choice of starts and the Bayesian estimate of the number
// of optima, each against an independent formula or a case worked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "dynaopt/problems/nanosphere/mlsl.hpp"
#include "dynaopt/problems/nanosphere/start_records.hpp"

namespace dynaopt::test {
namespace {

constexpr double pi = 3.14159265358979323846;

// Every point inside the design set {t >= t_min, sum t <= R_max}, and each coordinate's mean within
// `errors` standard errors of a uniform sample's: u_l = t_l - t_min is S Beta(1, L), mean S/(L+1),
// variance S^2 L/((L+1)^2 (L+2)), S = R_max - L t_min.
void expect_uniform(const std::vector<std::vector<double>>& points, int layers, double t_min, double r_max,
                    double errors) {
  const double budget = r_max - layers * t_min, count = double(points.size());
  std::vector<double> mean(std::size_t(layers), 0.0);
  for (const auto& t : points) {
    ASSERT_EQ(t.size(), std::size_t(layers));
    double sum = 0;
    for (int l = 0; l < layers; ++l) {
      EXPECT_GT(t[l], t_min);
      sum += t[l];
      mean[l] += t[l] / count;
    }
    EXPECT_LT(sum, r_max);
  }
  const double sd = budget * std::sqrt(layers / ((layers + 1.0) * (layers + 1.0) * (layers + 2.0)));
  for (int l = 0; l < layers; ++l)
    EXPECT_NEAR(mean[l], t_min + budget / (layers + 1), errors * sd / std::sqrt(count)) << layers << " layers";
}

// Multi-start's starts: independent uniform draws (five standard errors), a function of (seed, start).
TEST(UniformDesign, FeasibleReproducibleAndUniform) {
  const int layers = 3;
  const double t_min = 5, r_max = 300;
  std::vector<std::vector<double>> points;
  for (long s = 0; s < 4000; ++s) points.push_back(uniform_design(7, s, layers, t_min, r_max));
  expect_uniform(points, layers, t_min, r_max, 5);
  EXPECT_EQ(uniform_design(7, 11, layers, t_min, r_max), uniform_design(7, 11, layers, t_min, r_max));
  EXPECT_NE(uniform_design(7, 11, layers, t_min, r_max), uniform_design(7, 12, layers, t_min, r_max));
  EXPECT_NE(uniform_design(7, 11, layers, t_min, r_max), uniform_design(8, 11, layers, t_min, r_max));
}

// MLSL's samples: in 1 and 3 dimensions the coordinate means of 4096 Sobol points are within a
// fifth of a uniform sample's standard error (a low-discrepancy set is that much more even); in
// 7, 4096 points are too few for that and they are no worse than random (3 errors). The same seed
// gives the same points, from any offset; another seed, others.
TEST(DesignSequence, FillsTheDesignSetEvenly) {
  for (const int layers : {1, 3, 7}) {
    const double t_min = 5, r_max = 300;
    const DesignSequence sequence(layers, t_min, r_max, 7);
    const auto points = sequence.draw(0, 4096);
    ASSERT_EQ(points.size(), 4096u);
    expect_uniform(points, layers, t_min, r_max, layers <= 3 ? 0.2 : 3.0);
    const auto tail = sequence.draw(1000, 24);
    for (std::size_t i = 0; i < tail.size(); ++i) EXPECT_EQ(tail[i], points[1000 + i]);
    EXPECT_EQ(DesignSequence(layers, t_min, r_max, 7).draw(5, 3), sequence.draw(5, 3));
    EXPECT_NE(DesignSequence(layers, t_min, r_max, 8).draw(5, 3), sequence.draw(5, 3));
  }
}

TEST(CriticalDistance, MatchesTheFormula) {
  // (R - L t_min)^L / L!
  EXPECT_NEAR(design_set_volume(3, 5, 300), 285.0 * 285 * 285 / 6, 1e-12 * 285.0 * 285 * 285 / 6);
  EXPECT_NEAR(design_set_volume(1, 5, 300), 295, 1e-12 * 295);
  // n = 2: Gamma(2) = 1, r = (sigma V ln(kN) / (pi kN))^(1/2).
  const double v2 = 1234.5;
  EXPECT_NEAR(critical_distance(2, v2, 2, 64), std::sqrt(2 * v2 * std::log(64.0) / (pi * 64)), 1e-13);
  // n = 3: Gamma(5/2) = 3 sqrt(pi) / 4.
  const double v3 = design_set_volume(3, 5, 300);
  const double r3 = std::cbrt(0.75 * std::sqrt(pi) * 2 * v3 * std::log(640.0) / 640) / std::sqrt(pi);
  EXPECT_NEAR(critical_distance(3, v3, 2, 640), r3, 1e-12 * r3);
  // It shrinks as the samples grow, like (ln kN / kN)^(1/n).
  EXPECT_LT(critical_distance(3, v3, 2, 1280), critical_distance(3, v3, 2, 640));
  // A 16-layer set's volume underflows nothing: Gamma and vol are combined in logarithms.
  const double r16 = critical_distance(16, design_set_volume(16, 5, 300), 2, 64);
  EXPECT_TRUE(std::isfinite(r16));
  EXPECT_GT(r16, 0);
}

TEST(ExpectedOptima, IsTheBoenderRinnooyKanPosteriorMean) {
  EXPECT_DOUBLE_EQ(expected_optima(2, 10), 2.0 * 9 / 6);
  EXPECT_DOUBLE_EQ(expected_optima(1, 4), 1.0 * 3 / 1);
  EXPECT_DOUBLE_EQ(expected_optima(0, 10), 0.0);
  EXPECT_TRUE(std::isinf(expected_optima(3, 5)));  // M <= W + 2: nothing can be said
  // Many more trials than optima: the estimate approaches W from above.
  EXPECT_GT(expected_optima(3, 1000), 3.0);
  EXPECT_LT(expected_optima(3, 1000) - 3.0, 0.013);
  EXPECT_EQ(reduced_sample_size(0.3, 64), 20);
  EXPECT_EQ(reduced_sample_size(0.3, 10), 3);
  EXPECT_EQ(reduced_sample_size(1.0, 10), 10);
  // Uncertified searches shrink the trials in proportion; with none ended, the reduced sample.
  EXPECT_EQ(rule_trials(40, 3, 4), 30);
  EXPECT_EQ(rule_trials(40, 4, 4), 40);
  EXPECT_EQ(rule_trials(40, 0, 5), 0);
  EXPECT_EQ(rule_trials(40, 0, 0), 40);
}

// Points on a line (second coordinate 0), J as given; the answers worked by hand.
TEST(MlslStarts, StartsOnlyWhereNoBetterPointIsNear) {
  const auto at = [](double x, double j) { return DesignPoint{{x, 0.0}, j}; };
  // Samples 0..7; sorted by J: 2 (9), 5 (8), 0 (7), 6 (6), 3 (5), 1 (4), 7 (3), 4 (NaN).
  const std::vector<DesignPoint> samples = {at(0, 7),  at(1, 4),  at(10, 9), at(30, 5),
                                            at(5, std::numeric_limits<double>::quiet_NaN()),
                                            at(20, 8), at(31, 6), at(50, 3)};
  std::vector<char> started(samples.size(), 0);
  const std::vector<DesignPoint> none;
  // gamma 1, radius 2: 3 (x = 30) has 6 (x = 31, better) within 2 and 1 (x = 1) has 0; the
  // others have no better point within 2 and start, best first; the NaN never does.
  EXPECT_EQ(mlsl_starts(samples, started, none, 1.0, 2, 100), (std::vector<long>{2, 5, 0, 6, 7}));
  // The reduced sample: gamma 0.5 keeps the 4 best (2, 5, 0, 6).
  EXPECT_EQ(mlsl_starts(samples, started, none, 0.5, 2, 100), (std::vector<long>{2, 5, 0, 6}));
  // A radius of 10 links 5 (x = 20) and 0 (x = 0) to 2 (x = 10); 6 is 11 from 5.
  EXPECT_EQ(mlsl_starts(samples, started, none, 0.5, 10, 100), (std::vector<long>{2, 6}));
  // At most `limit`, best first.
  EXPECT_EQ(mlsl_starts(samples, started, none, 1.0, 2, 2), (std::vector<long>{2, 5}));
  // Started samples do not start again, but still link the points near them.
  started[2] = 1;
  EXPECT_EQ(mlsl_starts(samples, started, none, 0.5, 10, 100), (std::vector<long>{6}));
  started[2] = 0;
  // A better known optimum within the radius links a point; a worse one does not.
  const std::vector<DesignPoint> optima = {at(21, 8.5), at(0.5, 1)};
  EXPECT_EQ(mlsl_starts(samples, started, optima, 0.5, 2, 100), (std::vector<long>{2, 0, 6}));
  // An equal J is not better: both of two equal points 1 apart start, in the samples' order.
  const std::vector<DesignPoint> ties = {at(0, 1), at(1, 1), at(40, 1)};
  EXPECT_EQ(mlsl_starts(ties, std::vector<char>(3, 0), none, 1.0, 2, 100), (std::vector<long>{0, 1, 2}));
}

}  // namespace
}  // namespace dynaopt::test
