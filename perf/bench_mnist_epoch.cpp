// Time per training epoch on real MNIST (60,000 x 784, no validation hold-out), float:
// logistic regression at batch 96 and 128 with Dyna and Adam, and an MLP 784-256-128-10
// at batch 128. Run under mpirun -n 1 and -n 2 for the strong scaling of the MLP epoch.
//
//   bench_mnist_epoch [DATA_DIR (default data/mnist)] [--epochs N (default 3)]
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/mnist/trainer.hpp"

namespace {

using namespace dynaopt;
using Device = Kokkos::DefaultExecutionSpace::device_type;

// Best wall time of one epoch over `epochs` epochs after one warm-up epoch, agreed by all ranks:
// the integrator's force and integration passes for every batch, without the end-of-epoch
// accuracies.
double seconds_per_epoch(const MnistSpec& spec, const OptimizerSpec& optimizer, const Comm& comm, int epochs) {
  MnistTrainer<float, Device> trainer(spec, optimizer.sharded, comm);
  const auto step = make_optimizer(optimizer, trainer.space());
  const long batches = long(trainer.batches_per_epoch());
  long steps = 0;
  const auto epoch = [&] {
    for (long b = 0; b < batches; ++b) {
      const Forces f = trainer.force(step->evaluation_point(trainer.space()), ++steps);
      step->step(trainer.space(), f.group_objective);
    }
  };
  epoch();
  double best = 1e300;
  for (int e = 0; e < epochs; ++e) {
    comm.barrier();
    const auto start = std::chrono::steady_clock::now();
    epoch();
    Kokkos::fence();
    comm.barrier();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char* argv[]) {
  MPI_Init(&argc, &argv);
  {
    Kokkos::ScopeGuard guard(argc, argv);
    std::string dir = "data/mnist";
    int epochs = 3;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--epochs" && i + 1 < argc) epochs = std::atoi(argv[++i]);
      else if (a.rfind("--", 0) != 0) dir = a;
    }
    const Comm comm;
    MnistSpec spec;
    spec.train_images = dir + "/train-images-idx3-ubyte", spec.train_labels = dir + "/train-labels-idx1-ubyte";
    spec.test_images = dir + "/t10k-images-idx3-ubyte", spec.test_labels = dir + "/t10k-labels-idx1-ubyte";
    spec.validation = 0, spec.l2 = 1.6e-5, spec.bias_init = 1.0;
    DynaSettings dyna;
    const OptimizerSpec optimizers[] = {{"dyna", dyna}, {"adam", AdamSettings{}}};
    if (comm.is_root())
      std::printf("# %s, concurrency %d, %d rank(s), float, best of %d epochs\n%-10s %-24s %6s %12s\n",
                  Kokkos::DefaultExecutionSpace::name(), Kokkos::DefaultExecutionSpace().concurrency(), comm.size(),
                  epochs, "optimizer", "model", "batch", "ms/epoch");
    for (const long batch : {96L, 128L}) {
      spec.batch_size = batch;
      for (const auto& optimizer : optimizers) {
        const double s = seconds_per_epoch(spec, optimizer, comm, epochs);
        if (comm.is_root()) std::printf("%-10s %-24s %6ld %12.2f\n", optimizer.type.c_str(), "logistic 784-10", batch, s * 1e3);
      }
    }
    spec.batch_size = 128, spec.hidden = {256, 128};
    const double s = seconds_per_epoch(spec, optimizers[0], comm, epochs);
    if (comm.is_root()) std::printf("%-10s %-24s %6d %12.2f\n", "dyna", "mlp 784-256-128-10", 128, s * 1e3);
  }
  MPI_Finalize();
  return 0;
}
