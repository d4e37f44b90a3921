#pragma once
// What the integrator (integrator.hpp) asks of a problem: the hooks of its explicit time loop.
// A problem owns its parameter space and its physics; the integrator owns the cycle, the step
// counter, the non-finite policy, the sampling of history and log, and the checkpoints. The
// only required hooks are the space and the force pass; the rest have the defaults of a plain
// problem (one whole, no constraints, a cycle per step, the integrator's history and results).
#include <yaml-cpp/yaml.h>

#include <Kokkos_Core.hpp>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "dynaopt/core/bounds.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/group_statistics.hpp"
#include "dynaopt/core/parameter_space.hpp"
#include "dynaopt/core/reduction.hpp"
#include "dynaopt/core/run_output.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/core/state_archive.hpp"
#include "dynaopt/optim/optimizer.hpp"

namespace dynaopt {

// The force pass's result.
struct Forces {
  double objective = 0;                 // the whole problem's objective (all ranks agree)
  std::vector<double> group_objective;  // what each group sees (warm restart compares these)
};

// How long a run is: its steps, and the steps of one cycle, the unit in which history rows,
// log lines and checkpoints are counted (an MNIST epoch; one step for most problems).
struct Schedule {
  long steps = 0;
  long steps_per_cycle = 1;
  long history_every = 1;        // a history row every so many cycles (and the last)
  long log_every = 0;            // a log line every so many cycles (and the first and last; 0: none)
  std::string cycle = "step";    // what a cycle is called (checkpoints count them)
};

// What the integrator knows after a step, handed to the problem's output hooks.
struct StepRecord {
  long step = 0;                 // steps taken, applied or skipped
  long cycle = 0;                // cycles completed
  bool skipped = false;          // the whole step was not applied (non-finite)
  bool sampled = false;          // the optimizer's statistics were reduced on this step
  double objective = 0;          // the problem's objective at the evaluation point
  GroupStatistics total;         // sampled steps: over all groups and ranks
  std::vector<GroupStatistics> groups;  // sampled steps: each of this rank's groups, over all ranks
  double gradient_norm = 0;      // |g|_2 of the last sampled step
  double stationarity = 0;       // |G|_2 of the last sampled step: the projected gradient (= |g|_2 without bounds)
  long restarts = 0;             // warm restarts of all groups so far
  long skipped_steps = 0;        // non-finite steps (of a batch: group-steps) skipped so far
  bool converged = false;        // |G|_2 <= run.gradient_tolerance
  bool history_due = false;      // the cycle that ended with this step gets a history row
  bool log_due = false;          // ... and a log line
  double seconds = 0;            // the loop's wall-clock seconds so far (over restarts)
  double step_seconds = 0;       // the mean seconds of a step since the loop (re)started
  double eta_seconds = 0;        // what the schedule's remaining steps take at that rate
  // The Hamiltonian the papers watch dissipate: potential (the objective) plus kinetic energy.
  double total_energy() const { return objective + total.kinetic_energy; }
};

// A history's `seconds`: to the millisecond (a clock reading, not a result to all its digits).
inline std::string clock_text(double seconds) {
  char t[32];
  std::snprintf(t, sizeof t, "%.3f", seconds);
  return t;
}

// A log line's progress: "  elapsed 12.3 s  4.56 ms/step  ETA 7.89 s" (`eta`: the record's unless
// the problem knows better; `per`: the unit a rate is given per).
inline std::string progress(const StepRecord& r, double eta, double per_seconds, const char* per = "step") {
  const auto time = [](double s) {
    char t[32];
    if (s < 1e-3) std::snprintf(t, sizeof t, "%.3g us", s * 1e6);
    else if (s < 1) std::snprintf(t, sizeof t, "%.3g ms", s * 1e3);
    else std::snprintf(t, sizeof t, "%.3g s", s);
    return std::string(t);
  };
  return "  elapsed " + time(r.seconds) + "  " + time(per_seconds) + "/" + per + "  ETA " + time(eta);
}
inline std::string progress(const StepRecord& r) { return progress(r, r.eta_seconds, r.step_seconds); }

template <class Scalar, class Device>
class Problem {
 public:
  using space_type = ParameterSpace<Scalar, Device>;
  using optimizer_type = Optimizer<Scalar, Device>;
  using view_type = Kokkos::View<Scalar*, Device>;

  virtual ~Problem() = default;
  virtual std::string name() const = 0;

  // The space the optimizer integrates: this rank's groups, x holding the starting point.
  virtual space_type& space() = 0;
  virtual Schedule schedule(const RunSpec& run) const { return {run.steps, 1, run.history_every, run.log_every}; }

  // The start of every step, before the force pass: a batch that placed new problems in its
  // groups at the end of the last step (MLSL's next round of local searches) starts the
  // optimizer over here. Collective.
  virtual void begin_step(optimizer_type&, long /*step*/) {}

  // Force pass: the objective and its gradient (into space().g) at `point`, for the groups
  // that take this step. Collective where the problem is distributed.
  virtual Forces force(const view_type& point, long step) = 0;

  // True when every group is a problem of its own (the designs of a multi-start batch): the
  // non-finite policy then judges each group by its own objective, and a group leaves the
  // batch through retire(). False: the problem is one whole, judged by its shared objective.
  virtual bool independent_groups() const { return false; }
  // Independent groups: those still in the batch, and the groups the next integration and
  // constraint passes cover (the active ones less any skipped this step).
  virtual std::vector<int> active_groups() const { return {}; }
  virtual void select(const std::vector<int>&) {}
  // Independent groups: `group` failed for good at `step` (non-finite beyond the policy).
  virtual void retire(int /*group*/, long /*step*/) {}

  // The bounds of the parameters (nullptr: none). The integrator's constraint pass keeps x and
  // the optimizer's state on them after every step, and its stationarity measure projects the
  // gradient onto them.
  virtual const Bounds<Scalar, Device>* bounds() const { return nullptr; }
  // Constraint pass, after the integration and the bounds: whatever else makes the parameters
  // whole again (a sharded state's allgather).
  virtual void constrain(optimizer_type&) {}

  // True when every rank holds all the parameters (data parallel), so the optimizer's
  // statistics are the same everywhere and are not summed over the ranks.
  virtual bool replicated() const { return false; }
  // Diagnostics: the problem's slots in the step's one allreduce, and what it concludes from
  // them; `settle` returns true when the problem has nothing left to do.
  virtual bool reduce_every_step() const { return false; }
  virtual void contribute(Reduction&) {}
  virtual bool settle(const Reduction&, const StepRecord&) { return false; }
  // The end of a cycle (an MNIST epoch: the accuracies); collective.
  virtual void end_cycle(const StepRecord&) {}

  // A line for the log before the first step ("" for none).
  virtual std::string banner() const { return ""; }

  // Output: the history columns, a row, a log line (rank 0 gets the streams). By default the
  // integrator's own columns: the objective at the evaluation point, the kinetic energy after
  // the step, their sum, |g|_2, the stiffest mode, the warm restarts and the skipped steps.
  // Every history ends with `seconds`: the loop's wall-clock time at the row.
  virtual std::string history_header() const {
    return "step,objective,kinetic_energy,total_energy,grad_norm,max_frequency,restarts,skipped,stationarity,seconds";
  }
  virtual void history_row(std::ostream& out, const StepRecord& r) {
    out << r.step << ',' << exact(r.objective) << ',' << exact(r.total.kinetic_energy) << ','
        << exact(r.total_energy()) << ',' << exact(r.gradient_norm) << ',' << exact(r.total.max_frequency) << ','
        << r.restarts << ',' << r.skipped_steps << ',' << exact(r.stationarity) << ',' << clock_text(r.seconds) << '\n';
  }
  virtual void log_line(std::ostream& out, const StepRecord& r, const RunSpec&) {
    char line[160];
    std::snprintf(line, sizeof line, "step %9ld  objective %.6e  |G| %.3e  kinetic %.3e  energy %.6e  restarts %ld",
                  r.step, r.objective, r.stationarity, r.total.kinetic_energy, r.total_energy(), r.restarts);
    out << line << progress(r) << std::endl;
  }
  // The problem's own state beyond x and the optimizer's, for checkpoints.
  virtual void archive(StateArchive&) {}
  // At the end, collective: the problem's keys of result.yaml (`result` is rank 0's), any
  // further files, and the one-line summary that follows "done: " in the log. By default the
  // integrator's counts and the objective at the final parameters (a force pass at x).
  virtual std::string finish(const StepRecord& r, RunOutput&, YAML::Emitter& result) {
    const double objective = force(space().x, r.step + 1).objective;
    result << YAML::Key << "steps" << YAML::Value << r.step << YAML::Key << "converged" << YAML::Value << r.converged
           << YAML::Key << "skipped" << YAML::Value << r.skipped_steps << YAML::Key << "objective" << YAML::Value
           << exact(objective) << YAML::Key << "gradient_norm" << YAML::Value << exact(r.gradient_norm)
           << YAML::Key << "stationarity" << YAML::Value << exact(r.stationarity) << YAML::Key << "restarts"
           << YAML::Value << r.restarts;
    return std::to_string(r.step) + " steps, objective " + exact(objective);
  }
};

}  // namespace dynaopt
