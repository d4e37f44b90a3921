// The fused multi-group launch: a step over several groups of different sizes and fan-ins
// equals separate steps of each group alone, and the statistics it reduces equal sums and
// maxima computed on the host.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dynaopt/optim/make_optimizer.hpp"
#include "test_backends.hpp"

namespace dynaopt::test {
namespace {

template <class B>
struct FusedApplyTest : ::testing::Test {
  using S = typename B::scalar;
  using D = typename B::device;

  struct GroupShape {
    std::size_t size;
    double fan_in;
  };

  // Sizes straddle the chunk size so groups span several chunks and end mid-chunk.
  static std::vector<GroupShape> shapes() { return {{5000, 784}, {10, 100}, {4096, 3}, {1, 1}, {9000, 17}}; }

  static double gradient(std::size_t i, long step, double x) {
    return std::sin(0.37 * double(i) + 0.11 * double(step)) + 0.3 * x;
  }

  static void fill(const Kokkos::View<S*, D>& v, const std::vector<S>& values) {
    auto h = Kokkos::create_mirror_view(v);
    for (std::size_t i = 0; i < values.size(); ++i) h(i) = values[i];
    Kokkos::deep_copy(v, h);
  }
  static std::vector<S> read(const Kokkos::View<S*, D>& v) {
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
    return std::vector<S>(h.data(), h.data() + h.extent(0));
  }

  // Steps `space` `steps` times with a deterministic element-wise gradient; group k sees
  // objective `objective(k, step)`. Returns the final x and the last step's statistics.
  static std::pair<std::vector<S>, std::vector<GroupStatistics>> run(ParameterSpace<S, D>& space,
                                                                     const OptimizerSpec& spec,
                                                                     const std::vector<std::size_t>& global_index,
                                                                     const std::vector<int>& global_group,
                                                                     long steps) {
    auto optimizer = make_optimizer(spec, space);
    StatisticsView<D> statistics("statistics", std::size_t(space.group_count()));
    for (long t = 1; t <= steps; ++t) {
      const auto y = read(optimizer->evaluation_point(space));
      std::vector<S> g(y.size());
      for (std::size_t i = 0; i < y.size(); ++i) g[i] = S(gradient(global_index[i], t, double(y[i])));
      fill(space.g, g);
      std::vector<double> objective;
      for (int k = 0; k < space.group_count(); ++k)
        objective.push_back(std::cos(0.7 * t + global_group[std::size_t(k)]));  // rises now and then: restarts
      optimizer->step(space, objective, t == steps ? statistics : StatisticsView<D>());
    }
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), statistics);
    return {read(space.x), std::vector<GroupStatistics>(h.data(), h.data() + h.extent(0))};
  }

  static std::vector<OptimizerSpec> specs() {
    DynaSettings dyna;
    dyna.gamma = 0.5, dyna.damping = DampingSchedule::ramp(0.5, 1, 4), dyna.restart.on_increase = true;
    NonlinearMomentumSettings nesterov;
    nesterov.form = MomentumForm::nesterov, nesterov.step = 0.01, nesterov.friction = 0.1;
    nesterov.damping_exponent = 1.7, nesterov.kinetic_exponent = 2.2;
    AdamSettings adam;
    adam.weight_decay = 0.01;
    return {{"dyna", dyna}, {"nonlinear_nesterov", nesterov}, {"adam", adam}, {"dyna_prototype", DynaPrototypeSettings{}},
            {"sgd", SgdSettings{0.1}}};
  }
};

TYPED_TEST_SUITE(FusedApplyTest, AllBackends, BackendName);

TYPED_TEST(FusedApplyTest, OneLaunchForAllGroupsEqualsOneGroupAtATime) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  const auto shapes = this->shapes();
  std::vector<S> x0;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  GroupTable all;
  std::vector<std::size_t> all_index;
  std::vector<int> all_groups;
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    all.add("g" + std::to_string(k), shapes[k].size, shapes[k].fan_in);
    all_groups.push_back(int(k));
    for (std::size_t i = 0; i < shapes[k].size; ++i) {
      all_index.push_back(all_index.size());
      x0.push_back(S(u(rng)));
    }
  }
  for (const auto& spec : this->specs()) {
    ParameterSpace<S, D> fused(all, 1024);
    this->fill(fused.x, x0);
    const auto [x_fused, stats_fused] = this->run(fused, spec, all_index, all_groups, 6);

    std::size_t offset = 0;
    for (std::size_t k = 0; k < shapes.size(); ++k) {
      GroupTable one;
      one.add("g", shapes[k].size, shapes[k].fan_in);
      ParameterSpace<S, D> alone(one, 1024);
      const std::vector<S> start(x0.begin() + long(offset), x0.begin() + long(offset + shapes[k].size));
      const std::vector<std::size_t> index(all_index.begin() + long(offset),
                                           all_index.begin() + long(offset + shapes[k].size));
      this->fill(alone.x, start);
      const auto [x_alone, stats_alone] = this->run(alone, spec, index, {int(k)}, 6);
      for (std::size_t i = 0; i < shapes[k].size; ++i)
        ASSERT_EQ(x_fused[offset + i], x_alone[i]) << spec.type << " group " << k << " element " << i;

      // Per-group statistics do not depend on what else shares the launch (up to summation order).
      const GroupStatistics& s = stats_fused[k];
      const GroupStatistics& a = stats_alone[0];
      const double tol = std::is_same<S, double>::value ? 1e-12 : 1e-5;
      EXPECT_NEAR(s.grad_abs_sum, a.grad_abs_sum, tol * a.grad_abs_sum) << spec.type;
      EXPECT_NEAR(s.grad_sq_sum, a.grad_sq_sum, tol * a.grad_sq_sum) << spec.type;
      EXPECT_NEAR(s.kinetic_energy, a.kinetic_energy, tol * a.kinetic_energy + 1e-300) << spec.type;
      EXPECT_NEAR(s.step_sq_sum, a.step_sq_sum, tol * a.step_sq_sum) << spec.type;
      EXPECT_GT(a.step_sq_sum, 0) << spec.type;
      EXPECT_EQ(s.max_frequency, a.max_frequency) << spec.type;
      offset += shapes[k].size;
    }
  }
}

// The first Dyna step from rest has closed forms per element: eta = (1-beta)|g|, mu = 1-beta,
// omega = sqrt|g| + eps, v-hat = -g / (2 zeta omega). The statistics of that step, per group,
// against the host.
TYPED_TEST(FusedApplyTest, StatisticsOfAStepMatchTheHost) {
  using S = typename TestFixture::S;
  using D = typename TestFixture::D;
  const auto shapes = this->shapes();
  GroupTable table;
  std::vector<S> g;
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    table.add("g" + std::to_string(k), shapes[k].size, shapes[k].fan_in);
    for (std::size_t i = 0; i < shapes[k].size; ++i) g.push_back(S(this->gradient(g.size(), 1, 0.5)));
  }
  ParameterSpace<S, D> space(table, 1024);
  this->fill(space.g, g);
  DynaSettings settings;
  settings.damping = DampingSchedule::constant(0.8);
  Dyna<S, D> dyna(space, settings);
  StatisticsView<D> statistics("statistics", shapes.size());
  dyna.step(space, std::vector<double>(shapes.size(), 1.0), statistics);
  auto got = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), statistics);

  std::size_t offset = 0;
  const double tol = std::is_same<S, double>::value ? 1e-12 : 1e-5;
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    double abs_sum = 0, sq_sum = 0, kinetic = 0, step_sq = 0, max_omega = 0;
    for (std::size_t i = offset; i < offset + shapes[k].size; ++i) {
      const double gi = double(g[i]), omega = std::sqrt(std::fabs(gi)) + 1e-8, v_hat = -gi / (2 * 0.8 * omega);
      const double step = 2 / shapes[k].fan_in * v_hat / omega;  // x moves by alpha v-hat / omega from 0
      abs_sum += std::fabs(gi), sq_sum += gi * gi, kinetic += 0.5 * v_hat * v_hat, step_sq += step * step;
      max_omega = std::max(max_omega, omega);
    }
    EXPECT_NEAR(got(k).grad_abs_sum, abs_sum, tol * abs_sum) << k;
    EXPECT_NEAR(got(k).grad_sq_sum, sq_sum, tol * sq_sum) << k;
    EXPECT_NEAR(got(k).kinetic_energy, kinetic, tol * kinetic) << k;
    EXPECT_NEAR(got(k).step_sq_sum, step_sq, tol * step_sq) << k;
    EXPECT_NEAR(got(k).max_frequency, max_omega, tol * max_omega) << k;
    offset += shapes[k].size;
  }
}

}  // namespace
}  // namespace dynaopt::test
