#pragma once
// The explicit-dynamics loop that drives any Problem with any Optimizer: force pass
// (objective and gradient at the optimizer's evaluation point), integration pass (one fused
// step for all groups), and on sampled steps the per-group statistics, combined over ranks in
// one allreduce, for the history and the log.
#include <cmath>
#include <cstdio>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/problems/problem.hpp"

namespace dynaopt {

// Raised on every rank at once (from values all ranks share), so it needs no abort.
class CollectiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MinimizeResult {
  long steps = 0;
  bool converged = false;     // stopped by run.gradient_tolerance
  double objective = 0;       // at the final parameters
  double gradient_norm = 0;   // of the last sampled step
};

// One history.csv row: step, objective at the evaluation point, kinetic energy after the step,
// their sum (the Hamiltonian the papers watch dissipate), |g|_2, max frequency, restarts.
inline const char* history_header() {
  return "step,objective,kinetic_energy,total_energy,grad_norm,max_frequency,restarts";
}

template <class Scalar, class Device>
MinimizeResult minimize(Problem<Scalar, Device>& problem, Optimizer<Scalar, Device>& optimizer,
                        ParameterSpace<Scalar, Device>& space, const RunSpec& run, const Comm& comm,
                        std::ostream* history, std::ostream* log) {
  const int groups = space.group_count();
  StatisticsView<Device> statistics("dynaopt::statistics", static_cast<std::size_t>(groups));
  auto statistics_host = Kokkos::create_mirror_view(statistics);
  std::vector<GroupStatistics> combined(static_cast<std::size_t>(groups));
  const bool every_step = run.gradient_tolerance > 0;

  MinimizeResult result;
  for (long step = 1; step <= run.steps; ++step) {
    const Evaluation e = problem.evaluate(optimizer.evaluation_point(space), space.g);
    if (!std::isfinite(e.objective))
      throw CollectiveError("the objective became " + exact(e.objective) + " at step " + std::to_string(step) +
                               "; lower the step size");
    const bool logged = run.log_every > 0 && (step % run.log_every == 0 || step == 1 || step == run.steps);
    const bool sampled = every_step || logged || step % run.history_every == 0 || step == run.steps;
    optimizer.step(space, e.group_objective, sampled ? statistics : StatisticsView<Device>());
    result.steps = step;
    if (!sampled) continue;

    Kokkos::deep_copy(statistics_host, statistics);
    for (int k = 0; k < groups; ++k) combined[std::size_t(k)] = statistics_host(std::size_t(k));
    comm.allreduce(combined);
    GroupStatistics total;
    for (const auto& s : combined) total += s;
    long restarts = 0;
    for (long r : optimizer.restarts()) restarts += r;
    result.gradient_norm = std::sqrt(total.grad_sq_sum);
    const double energy = e.objective + total.kinetic_energy;
    if (history && (step % run.history_every == 0 || step == run.steps))
      *history << step << ',' << exact(e.objective) << ',' << exact(total.kinetic_energy) << ',' << exact(energy)
               << ',' << exact(result.gradient_norm) << ',' << exact(total.max_frequency) << ',' << restarts
               << '\n';
    if (log && logged) {
      char line[160];
      std::snprintf(line, sizeof line, "step %9ld  objective %.6e  |g| %.3e  kinetic %.3e  energy %.6e  restarts %ld",
                    step, e.objective, result.gradient_norm, total.kinetic_energy, energy, restarts);
      *log << line << std::endl;
    }
    if (every_step && result.gradient_norm <= run.gradient_tolerance) {
      result.converged = true;
      break;
    }
  }
  result.objective = problem.evaluate(space.x, space.g).objective;
  return result;
}

}  // namespace dynaopt
