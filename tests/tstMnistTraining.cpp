// Data-parallel training under mpiexec -n 2 on generated MNIST-format data: 2 ranks reproduce
// 1 rank to 1e-10, sharded optimizer state reproduces replicated state, and a short run
// reaches the accuracy the data allow.
#include <gtest/gtest.h>

#include <sstream>

#include "dynaopt/core/output.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/integrator.hpp"
#include "dynaopt/problems/mnist/trainer.hpp"
#include "mnist_fixture.hpp"

namespace dynaopt::test {
namespace {

using Device = Kokkos::DefaultExecutionSpace::device_type;

MnistSpec small_spec(const Comm& world) {
  const std::string dir = ::testing::TempDir() + "dynaopt_mnist";
  if (world.is_root()) {
    make_directories(dir);
    write_synthetic_mnist(dir, 700, 300);
  }
  world.barrier();
  MnistSpec spec;
  spec.train_images = dir + "/train-images-idx3-ubyte", spec.train_labels = dir + "/train-labels-idx1-ubyte";
  spec.test_images = dir + "/t10k-images-idx3-ubyte", spec.test_labels = dir + "/t10k-labels-idx1-ubyte";
  spec.validation = 100, spec.batch_size = 50, spec.epochs = 4, spec.l2 = 1e-4, spec.bias_init = 0.1, spec.seed = 3;
  return spec;
}

struct TrainingRun {
  TrainingResult result;
  std::vector<double> losses;  // per epoch
  std::vector<double> x;
};

TrainingRun train(const MnistSpec& spec, const OptimizerSpec& optimizer, const Comm& comm) {
  MnistTrainer<double, Device> trainer(spec, optimizer.sharded, comm);
  const auto built = make_optimizer(optimizer, trainer.space());
  Integrator<double, Device> integrator(trainer, *built, RunSpec{}, comm);
  std::ostringstream history;
  integrator.output(&history, nullptr);
  integrator.run();
  TrainingRun run;
  run.result = trainer.result();
  std::istringstream rows(history.str());
  std::string line;
  while (std::getline(rows, line)) {
    std::istringstream fields(line);
    std::string epoch, step, loss;
    std::getline(fields, epoch, ','), std::getline(fields, step, ','), std::getline(fields, loss, ',');
    run.losses.push_back(std::stod(loss));
  }
  auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), trainer.parameters().x);
  run.x.assign(x.data(), x.data() + x.extent(0));
  return run;
}

void expect_same(const TrainingRun& a, const TrainingRun& b, const char* what) {
  ASSERT_EQ(a.losses.size(), b.losses.size());
  for (std::size_t e = 0; e < a.losses.size(); ++e)
    EXPECT_NEAR(a.losses[e], b.losses[e], 1e-10 * b.losses[e]) << what << " epoch " << e + 1;
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < a.x.size(); ++i) {
    worst = std::max(worst, std::fabs(a.x[i] - b.x[i]));
    scale = std::max(scale, std::fabs(b.x[i]));
  }
  EXPECT_LE(worst, 1e-10 * scale) << what;
  EXPECT_EQ(a.result.test_accuracy, b.result.test_accuracy) << what;
}

TEST(MnistTraining, TwoRanksShardedOrNotReproduceOneRank) {
  const Comm world, self(MPI_COMM_SELF);
  ASSERT_GE(world.size(), 2);
  MnistSpec spec = small_spec(world);
  DynaSettings dyna;
  dyna.damping = DampingSchedule::ramp(0.5, 1.0, 20);
  NonlinearMomentumSettings nesterov;
  nesterov.form = MomentumForm::nesterov, nesterov.step = 2e-4, nesterov.friction = 0.1;
  nesterov.damping_exponent = 1.9, nesterov.kinetic_exponent = 1.9;
  for (const auto& hidden : {std::vector<int>{}, std::vector<int>{16}}) {
    spec.hidden = hidden;
    for (const OptimizerSpec& optimizer : {OptimizerSpec{"dyna", dyna}, OptimizerSpec{"nonlinear_nesterov", nesterov}}) {
      OptimizerSpec sharded = optimizer;
      sharded.sharded = true;
      const TrainingRun one = train(spec, optimizer, self);
      expect_same(train(spec, optimizer, world), one, "2 ranks");
      expect_same(train(spec, sharded, world), one, "2 ranks, sharded state");
      EXPECT_LT(one.losses.back(), 0.5 * one.losses.front()) << optimizer.type << " did not learn";
    }
  }
}

// The generated classes are separable: logistic regression with Dyna must reach 95% on the
// held-out test images within 4 epochs (chance is 10%).
TEST(MnistTraining, ShortRunReachesTheStatedAccuracy) {
  const Comm world;
  MnistSpec spec = small_spec(world);
  const TrainingRun run = train(spec, OptimizerSpec{"dyna", DynaSettings{}}, world);
  EXPECT_GE(run.result.test_accuracy, 0.95);
  EXPECT_GE(run.result.best_validation_test_accuracy, 0.95);
  EXPECT_GE(run.result.best_epoch, 1);
}

}  // namespace
}  // namespace dynaopt::test
