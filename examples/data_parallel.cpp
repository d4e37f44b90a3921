// Your own MPI data-parallel problem through dynaopt's integrator: linear least squares
//   V(x) = 1/2 sum_r (a_r . x - b_r)^2
// whose rows are split over the ranks. Each rank computes its rows' loss and gradient; one
// allreduce (through dynaopt::Comm, with the loss riding in an extra slot of the gradient
// buffer) gives every rank the whole gradient, and every rank takes the same step: the
// parameters are replicated (Problem::replicated). The rows are generated from their index,
// so the problem does not depend on the rank count, and b = A x* with a known x*.
//
//   mpirun -n P data_parallel ['{type: nonlinear_nesterov, step: 0.002, friction: 0.1}']
//
// Stops at |g|_2 <= 1e-8 (certified) and exits non-zero unless it got there with
// |x - x*|_inf <= 1e-6 on every rank (|x - x*| <= |g| / sigma_min(A)^2, about 1e-10 here).
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <cstdio>
#include <string>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/deck.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/integrator.hpp"

using Device = Kokkos::DefaultExecutionSpace::device_type;

// Entry (r, j) of A: a hash of the index mapped to [-1, 1).
KOKKOS_INLINE_FUNCTION double entry(std::uint64_t r, std::uint64_t j) {
  std::uint64_t h = (r * 1000003u + j) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 31, h *= 0xBF58476D1CE4E5B9ull, h ^= h >> 29;
  return double(h >> 11) * 0x1.0p-52 - 1.0;
}
KOKKOS_INLINE_FUNCTION double solution(std::uint64_t j, std::uint64_t n) { return double(j) / double(n) - 0.5; }

class LeastSquares : public dynaopt::Problem<double, Device> {
 public:
  LeastSquares(std::size_t rows, std::size_t columns, const dynaopt::Comm& comm) : comm_(comm) {
    std::tie(first_, last_) = comm.block(rows);
    dynaopt::GroupTable groups;
    groups.add("x", columns);
    space_ = space_type(groups);
    buffer_ = view_type("example::gradient_and_loss", columns + 1);
    space_.g = Kokkos::subview(buffer_, std::make_pair(std::size_t(0), columns));
    residual_ = view_type("example::residual", last_ - first_);
  }

  std::string name() const override { return "least_squares"; }
  space_type& space() override { return space_; }
  bool replicated() const override { return true; }

  dynaopt::Forces force(const view_type& point, long) override {
    using policy = Kokkos::RangePolicy<Device::execution_space>;
    const std::size_t n = point.extent(0), first = first_;
    const auto residual = residual_, buffer = buffer_;
    // This rank's residuals A_r x - b_r = A_r (x - x*), and its part of the loss.
    double loss = 0;
    Kokkos::parallel_reduce(
        "example::residual", policy(0, residual.extent(0)),
        KOKKOS_LAMBDA(const std::size_t k, double& sum) {
          double s = 0;
          for (std::size_t j = 0; j < n; ++j) s += entry(first + k, j) * (point(j) - solution(j, n));
          residual(k) = s;
          sum += 0.5 * s * s;
        },
        loss);
    // Its part of the gradient A_r^T residual, and the loss in the last slot.
    Kokkos::parallel_for(
        "example::gradient", policy(0, n + 1), KOKKOS_LAMBDA(const std::size_t j) {
          if (j == n) {
            buffer(n) = loss;
            return;
          }
          double s = 0;
          for (std::size_t k = 0; k < residual.extent(0); ++k) s += entry(first + k, j) * residual(k);
          buffer(j) = s;
        });
    comm_.sum_in_place(buffer_);  // every rank: the whole gradient and the whole loss
    double total = 0;
    Kokkos::deep_copy(total, Kokkos::subview(buffer_, n));
    return dynaopt::Forces{total, {total}};
  }

  double distance_to_solution() const {
    const auto x = space_.x;
    const std::size_t n = x.extent(0);
    double worst = 0;
    Kokkos::parallel_reduce(
        "example::distance", Kokkos::RangePolicy<Device::execution_space>(0, n),
        KOKKOS_LAMBDA(const std::size_t j, double& m) {
          const double d = dynaopt::math::fabs(x(j) - solution(j, n));
          m = d > m ? d : m;
        },
        Kokkos::Max<double>(worst));
    return worst;
  }

 private:
  const dynaopt::Comm& comm_;
  std::size_t first_ = 0, last_ = 0;
  space_type space_;
  view_type buffer_, residual_;
};

int main(int argc, char* argv[]) {
  MPI_Init(&argc, &argv);
  int status = 1;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    const dynaopt::Comm comm;
    const std::string choice = argc > 1 ? argv[1] : "{type: nonlinear_nesterov, step: 0.002, friction: 0.1}";
    LeastSquares problem(512, 16, comm);
    const auto spec = dynaopt::read_optimizer(dynaopt::Deck("optimizer: " + choice, "argv").root().section("optimizer"));
    const auto optimizer = dynaopt::make_optimizer(spec, problem.space());
    dynaopt::RunSpec run;
    run.steps = 100000;
    run.gradient_tolerance = 1e-8;
    dynaopt::Integrator<double, Device> integrator(problem, *optimizer, run, comm);
    const dynaopt::StepRecord& last = integrator.run();
    const double distance = problem.distance_to_solution();
    const bool good = last.converged && distance <= 1e-6;
    if (comm.is_root())
      std::printf("%s on %d rank(s): %s after %ld steps, |g| %.3e, |x - x*|_inf %.3e\n", spec.type.c_str(), comm.size(),
                  last.converged ? "converged" : "not converged", last.step, last.gradient_norm, distance);
    status = comm.sum(good ? 0.0 : 1.0) == 0 ? 0 : 1;
  }
  MPI_Finalize();
  return status;
}
