#pragma once
// The explicit-dynamics loop that drives any Problem with any Optimizer: force pass
// (objective and gradient at the optimizer's evaluation point), integration pass (one fused
// step for all groups), and on sampled steps the per-group statistics, combined over ranks in
// one allreduce, for the history and the log. A problem's objective is the same on all ranks
// and not finite when any rank's objective or gradient is not, so the non-finite guard decides
// the same everywhere; the loop's state archives for checkpoints, and a restored loop goes on
// from the step after the checkpoint's.
#include <cmath>
#include <cstdio>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/nonfinite_guard.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/problems/problem.hpp"

namespace dynaopt {

struct MinimizeResult {
  long steps = 0;
  bool converged = false;     // stopped by run.gradient_tolerance
  double objective = 0;       // at the final parameters
  double gradient_norm = 0;   // of the last sampled step
  long skipped = 0;           // non-finite steps not applied
};

// One history.csv row: step, objective at the evaluation point, kinetic energy after the step,
// their sum (the Hamiltonian the papers watch dissipate), |g|_2, max frequency, restarts, and
// the non-finite steps skipped so far.
inline const char* history_header() {
  return "step,objective,kinetic_energy,total_energy,grad_norm,max_frequency,restarts,skipped";
}

template <class Scalar, class Device>
class Minimization {
 public:
  Minimization(Problem<Scalar, Device>& problem, Optimizer<Scalar, Device>& optimizer,
               ParameterSpace<Scalar, Device>& space, const RunSpec& run, const Comm& comm)
      : problem_(problem), optimizer_(optimizer), space_(space), run_(run), comm_(comm), guard_(run) {}

  // Steps on to run.steps (or the gradient tolerance); `after_step(step)` follows every step.
  MinimizeResult run(std::ostream* history, std::ostream* log, const std::function<void(long)>& after_step = {}) {
    const int groups = space_.group_count();
    StatisticsView<Device> statistics("dynaopt::statistics", static_cast<std::size_t>(groups));
    auto statistics_host = Kokkos::create_mirror_view(statistics);
    std::vector<GroupStatistics> combined(static_cast<std::size_t>(groups));
    const bool every_step = run_.gradient_tolerance > 0;

    while (!result_.converged && result_.steps < run_.steps) {
      const long step = ++result_.steps;
      const Evaluation e = problem_.evaluate(optimizer_.evaluation_point(space_), space_.g);
      if (!guard_.admit(e.objective, step, optimizer_, space_, log)) {
        if (after_step) after_step(step);
        continue;
      }
      const bool logged = run_.log_every > 0 && (step % run_.log_every == 0 || step == 1 || step == run_.steps);
      const bool sampled = every_step || logged || step % run_.history_every == 0 || step == run_.steps;
      optimizer_.step(space_, e.group_objective, sampled ? statistics : StatisticsView<Device>());
      if (sampled) {
        Kokkos::deep_copy(statistics_host, statistics);
        for (int k = 0; k < groups; ++k) combined[std::size_t(k)] = statistics_host(std::size_t(k));
        comm_.allreduce(combined);
        GroupStatistics total;
        for (const auto& s : combined) total += s;
        long restarts = 0;
        for (long r : optimizer_.restarts()) restarts += r;
        result_.gradient_norm = std::sqrt(total.grad_sq_sum);
        const double energy = e.objective + total.kinetic_energy;
        if (history && (step % run_.history_every == 0 || step == run_.steps))
          *history << step << ',' << exact(e.objective) << ',' << exact(total.kinetic_energy) << ',' << exact(energy)
                   << ',' << exact(result_.gradient_norm) << ',' << exact(total.max_frequency) << ',' << restarts
                   << ',' << guard_.skipped() << '\n';
        if (log && logged) {
          char line[160];
          std::snprintf(line, sizeof line,
                        "step %9ld  objective %.6e  |g| %.3e  kinetic %.3e  energy %.6e  restarts %ld", step,
                        e.objective, result_.gradient_norm, total.kinetic_energy, energy, restarts);
          *log << line << std::endl;
        }
        result_.converged = every_step && result_.gradient_norm <= run_.gradient_tolerance;
      }
      if (after_step) after_step(step);
    }
    MinimizeResult result = result_;
    result.objective = problem_.evaluate(space_.x, space_.g).objective;
    result.skipped = guard_.skipped();
    return result;
  }

  // The loop's position, the parameters and the optimizer's state.
  void archive(StateArchive& state) {
    state.field("minimize.step", result_.steps);
    state.field("minimize.gradient_norm", result_.gradient_norm);
    state.field("minimize.converged", result_.converged);
    guard_.archive(state);
    state.field("x", space_.x);
    optimizer_.archive(state);
  }

 private:
  Problem<Scalar, Device>& problem_;
  Optimizer<Scalar, Device>& optimizer_;
  ParameterSpace<Scalar, Device>& space_;
  const RunSpec& run_;
  const Comm& comm_;
  NonfiniteGuard guard_;
  MinimizeResult result_;
};

// A whole run from the start, without checkpoints.
template <class Scalar, class Device>
MinimizeResult minimize(Problem<Scalar, Device>& problem, Optimizer<Scalar, Device>& optimizer,
                        ParameterSpace<Scalar, Device>& space, const RunSpec& run, const Comm& comm,
                        std::ostream* history, std::ostream* log) {
  return Minimization<Scalar, Device>(problem, optimizer, space, run, comm).run(history, log);
}

}  // namespace dynaopt
