// Under mpiexec -n 2 (or more): parameters block-distributed over the ranks give the same
// iterates as one rank holding everything, and the one statistics allreduce per step gives
// the same per-group statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/gather.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/rosenbrock.hpp"

namespace dynaopt::test {
namespace {

using Device = Kokkos::DefaultExecutionSpace::device_type;
const std::vector<std::size_t> group_sizes = {3001, 7, 5000};

// Groups split over `comm` in blocks; element value x0 and gradient from the global index.
ParameterSpace<double, Device> distributed_space(const Comm& comm, std::vector<std::size_t>& global_index) {
  GroupTable table;
  std::size_t group_start = 0;
  for (std::size_t k = 0; k < group_sizes.size(); ++k) {
    const auto [begin, end] = comm.block(group_sizes[k]);
    table.add("g" + std::to_string(k), end - begin, double(10 * k + 1), begin, group_sizes[k]);
    for (std::size_t i = begin; i < end; ++i) global_index.push_back(group_start + i);
    group_start += group_sizes[k];
  }
  ParameterSpace<double, Device> space(table, 512);
  auto x = Kokkos::create_mirror_view(space.x);
  for (std::size_t i = 0; i < global_index.size(); ++i) x(i) = std::cos(double(global_index[i]));
  Kokkos::deep_copy(space.x, x);
  return space;
}

struct Outcome {
  std::vector<double> x;
  std::vector<GroupStatistics> statistics;
  std::vector<std::vector<double>> values;  // the optimizer's groups.csv columns, per group
};

Outcome run(const Comm& comm, const OptimizerSpec& spec) {
  std::vector<std::size_t> index;
  auto space = distributed_space(comm, index);
  auto optimizer = make_optimizer(spec, space);
  StatisticsView<Device> statistics("statistics", group_sizes.size());
  auto g = Kokkos::create_mirror_view(space.g);
  std::vector<GroupStatistics> combined(group_sizes.size());
  for (long t = 1; t <= 20; ++t) {
    auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), optimizer->evaluation_point(space));
    for (std::size_t i = 0; i < index.size(); ++i) g(i) = y(i) - std::sin(double(index[i]) + 0.1 * double(t));
    Kokkos::deep_copy(space.g, g);
    // A decreasing objective with a bump every 4th step (Dyna's restart and noise rules fire).
    const double objective = 1.0 / double(t) + (t % 4 == 0 ? 0.5 : 0.0);
    optimizer->step(space, std::vector<double>(group_sizes.size(), objective), statistics);
    auto local = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), statistics);
    for (std::size_t k = 0; k < combined.size(); ++k) combined[k] = local(k);
    comm.allreduce(combined);
    optimizer->observe(combined);
  }
  std::vector<std::vector<double>> values;
  for (int k = 0; k < int(group_sizes.size()); ++k) values.push_back(optimizer->group_values(k));
  return {gather_parameters(comm, space), combined, values};
}

TEST(Mpi, DistributedGroupsMatchOneRankAndOneAllreduceGivesTheStatistics) {
  const Comm world, self(MPI_COMM_SELF);
  ASSERT_GE(world.size(), 2) << "run under mpiexec -n 2";
  DynaSettings dyna;
  dyna.gamma = 0.3, dyna.damping = DampingSchedule::ramp(0.5, 1.0, 10);
  NonlinearMomentumSettings momentum;
  momentum.form = MomentumForm::nesterov, momentum.step = 0.05, momentum.friction = 0.2;
  momentum.damping_exponent = 1.6, momentum.kinetic_exponent = 1.8;
  // Dyna's Sec. 4 strategies steer by the combined statistics and draw noise by global index.
  DynaSettings strategies = dyna;
  strategies.restart = {true, DynaRestart::Mode::rescale, 0.25, 1};
  strategies.adaptive_cutoff = {true, 0.05, 1e-12};
  strategies.omega_eps = 0.5;  // above some of the groups' frequencies, so the rule moves it
  strategies.noise = {true, 0.3, 2, 0.2, 5};
  for (const OptimizerSpec& spec : {OptimizerSpec{"dyna", dyna}, OptimizerSpec{"nonlinear_nesterov", momentum},
                                    OptimizerSpec{"dyna_strategies", strategies}}) {
    const Outcome split = run(world, spec), whole = run(self, spec);
    ASSERT_EQ(split.x.size(), whole.x.size());
    for (std::size_t i = 0; i < whole.x.size(); ++i) ASSERT_EQ(split.x[i], whole.x[i]) << spec.type << " " << i;
    for (std::size_t k = 0; k < group_sizes.size(); ++k) {
      const GroupStatistics &a = split.statistics[k], &b = whole.statistics[k];
      EXPECT_NEAR(a.grad_abs_sum, b.grad_abs_sum, 1e-12 * b.grad_abs_sum) << spec.type << " group " << k;
      EXPECT_NEAR(a.grad_sq_sum, b.grad_sq_sum, 1e-12 * b.grad_sq_sum) << spec.type << " group " << k;
      EXPECT_NEAR(a.kinetic_energy, b.kinetic_energy, 1e-12 * b.kinetic_energy) << spec.type << " group " << k;
      EXPECT_NEAR(a.step_sq_sum, b.step_sq_sum, 1e-12 * b.step_sq_sum) << spec.type << " group " << k;
      EXPECT_EQ(a.max_frequency, b.max_frequency) << spec.type << " group " << k;
      EXPECT_GT(b.grad_sq_sum, 0);
      EXPECT_GT(b.step_sq_sum, 0);
      EXPECT_EQ(split.values[k], whole.values[k]) << spec.type << " group " << k;
    }
    if (spec.type == "dyna_strategies") {
      double noisy_steps = 0, lowest_cutoff = 1;
      for (const auto& v : whole.values) noisy_steps += v[1], lowest_cutoff = std::min(lowest_cutoff, v[0]);
      EXPECT_GT(noisy_steps, 0) << "the noise must fire";
      EXPECT_LT(lowest_cutoff, strategies.omega_eps) << "the adaptive cut-off must move";
    }
  }
}

TEST(Mpi, RosenbrockHaloGivesTheSerialGradient) {
  const Comm world, self(MPI_COMM_SELF);
  RosenbrockSpec spec;
  spec.dimension = 11;
  for (long i = 0; i < spec.dimension; ++i) spec.x0.push_back(0.3 * double(i) - 1.1);
  Rosenbrock<double, Device> split(spec, world), whole(spec, self);
  auto split_space = split.space(), whole_space = whole.space();  // copies: x is reused below
  const Forces a = split.evaluate(split_space.x, split_space.g);
  const Forces b = whole.evaluate(whole_space.x, whole_space.g);
  EXPECT_NEAR(a.objective, b.objective, 1e-13 * b.objective);
  split_space.x = split_space.g;  // gather the gradient through the parameter gather
  whole_space.x = whole_space.g;
  const auto ga = gather_parameters(world, split_space), gb = gather_parameters(self, whole_space);
  for (std::size_t i = 0; i < gb.size(); ++i) EXPECT_EQ(ga[i], gb[i]) << i;
  // Against the closed form of eq. 51's derivative at one interior point.
  const auto& x = spec.x0;
  const double expected = 200 * (x[5] - x[4] * x[4]) - 400 * x[5] * (x[6] - x[5] * x[5]) + 2 * (x[5] - 1);
  EXPECT_NEAR(gb[5], expected, 1e-12 * std::fabs(expected));
}

TEST(Mpi, EveryRankLearnsTheFirstError) {
  const Comm world;
  const std::string mine = world.rank() == world.size() - 1 ? "rank " + std::to_string(world.rank()) + " failed" : "";
  EXPECT_EQ(world.first_error(mine), "rank " + std::to_string(world.size() - 1) + " failed");
  EXPECT_EQ(world.first_error(""), "");
}

}  // namespace
}  // namespace dynaopt::test
