// Minimising your own Kokkos objective with any registered optimizer, through dynaopt's
// integrator: write a Problem (its parameter space and its force pass), pick an optimizer by
// the same YAML a deck uses, and run. Here the objective is an anisotropic quadratic
//   V(x) = 1/2 sum_i a_i (x_i - c_i)^2,   a_i from 1 to 100 (condition number 100),
// over two groups ("layers"), so the minimiser is known: x = c.
//
//   own_objective ['{type: nesterov, step: 0.009, friction: 0.1}']
//
// The run stops when |g|_2 <= 1e-8 (run.gradient_tolerance: a certified stationary point);
// since |x_i - c_i| = |g_i| / a_i, the program then checks |x - c|_inf <= 1e-8 / min a and
// exits non-zero unless it holds.
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdio>
#include <string>

#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/deck.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/integrator.hpp"

using Device = Kokkos::DefaultExecutionSpace::device_type;

class Quadratic : public dynaopt::Problem<double, Device> {
 public:
  explicit Quadratic(std::size_t n) {
    dynaopt::GroupTable groups;
    groups.add("first", n / 2);
    groups.add("second", n - n / 2);
    space_ = space_type(groups);
    stiffness_ = Kokkos::View<double*, Device>("stiffness", n);
    centre_ = Kokkos::View<double*, Device>("centre", n);
    const auto a = stiffness_, c = centre_;
    Kokkos::parallel_for(
        "example::setup", Kokkos::RangePolicy<Device::execution_space>(0, n), KOKKOS_LAMBDA(const std::size_t i) {
          a(i) = 1 + 99 * double(i) / double(n - 1);
          c(i) = dynaopt::math::sin(double(i));
        });
  }

  std::string name() const override { return "quadratic"; }
  space_type& space() override { return space_; }

  // The force pass: V and its gradient at `point`, in one kernel.
  dynaopt::Forces force(const view_type& point, long) override {
    const auto a = stiffness_, c = centre_, g = space_.g;
    double value = 0;
    Kokkos::parallel_reduce(
        "example::force", Kokkos::RangePolicy<Device::execution_space>(0, point.extent(0)),
        KOKKOS_LAMBDA(const std::size_t i, double& sum) {
          const double d = point(i) - c(i);
          g(i) = a(i) * d;
          sum += 0.5 * a(i) * d * d;
        },
        value);
    return dynaopt::Forces{value, {value, value}};  // both groups see the whole objective
  }

  // max_i |x_i - c_i|
  double distance_to_minimiser() const {
    const auto x = space_.x, c = centre_;
    double worst = 0;
    Kokkos::parallel_reduce(
        "example::distance", Kokkos::RangePolicy<Device::execution_space>(0, x.extent(0)),
        KOKKOS_LAMBDA(const std::size_t i, double& m) {
          const double d = dynaopt::math::fabs(x(i) - c(i));
          m = d > m ? d : m;
        },
        Kokkos::Max<double>(worst));
    return worst;
  }

 private:
  space_type space_;
  Kokkos::View<double*, Device> stiffness_, centre_;
};

int main(int argc, char* argv[]) {
  MPI_Init(&argc, &argv);  // dynaopt's Comm is MPI's; one rank is enough here
  int status = 1;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    const std::string choice = argc > 1 ? argv[1] : "{type: nesterov, step: 0.009, friction: 0.1}";
    const dynaopt::Comm comm(MPI_COMM_SELF);
    Quadratic problem(1000);
    // The optimizer from the registry, exactly as a deck's `optimizer` section is read.
    const auto spec = dynaopt::read_optimizer(dynaopt::Deck("optimizer: " + choice, "argv").root().section("optimizer"));
    const auto optimizer = dynaopt::make_optimizer(spec, problem.space());
    dynaopt::RunSpec run;
    run.steps = 100000;
    run.log_every = 0;
    run.gradient_tolerance = 1e-8;
    dynaopt::Integrator<double, Device> integrator(problem, *optimizer, run, comm);
    const dynaopt::StepRecord& last = integrator.run();
    const double distance = problem.distance_to_minimiser(), bound = run.gradient_tolerance / 1.0;
    std::printf("%s: %s after %ld steps, |g| %.3e, energy %.3e, |x - c|_inf %.3e (bound %.1e)\n", spec.type.c_str(),
                last.converged ? "converged" : "not converged", last.step, last.gradient_norm, last.total_energy(),
                distance, bound);
    status = last.converged && distance <= bound ? 0 : 1;
  }
  MPI_Finalize();
  return status;
}
