#pragma once
// Runs a problem through the integrator with a fresh optimizer, without files or log.
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/integrator.hpp"

namespace dynaopt::test {

template <class Scalar, class Device>
StepRecord integrate(Problem<Scalar, Device>& problem, const OptimizerSpec& optimizer, const RunSpec& run,
                     const Comm& comm) {
  const auto built = make_optimizer(optimizer, problem.space());
  Integrator<Scalar, Device> integrator(problem, *built, run, comm);
  return integrator.run();
}

}  // namespace dynaopt::test
