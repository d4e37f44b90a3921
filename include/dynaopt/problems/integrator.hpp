#pragma once
// The one time loop of every problem, in the order of an explicit FEA code's cycle:
//   begin step    problem.begin_step(optimizer, step)                 a refilled batch starts over
//   force pass    problem.force(optimizer.evaluation_point())        the active groups only
//   non-finite    the run's policy, for the whole problem or group by group
//   integrate     optimizer.step(), with statistics on sampled steps  one fused launch
//   constrain     optimizer.constrain(problem.bounds()), problem.constrain()   x and state on the bounds
//   diagnostics   one allreduce: statistics, stationarity, energy, the problem's slots; convergence;
//                 the statistics back to an optimizer that steers by them
//   output        history row (and groups.csv's), log line, end of cycle, checkpoint
// A stop (SIGTERM, SIGINT, run.wall_time) and a checkpoint request (SIGUSR1) ride on the step's
// allreduce, so every rank acts after the same step: a checkpoint, and the loop ends
// (`interruption()` says why). Every phase is timed (timing.hpp) and a profiling region.
// The integrator owns the step counter, the non-finite policy, the sampling of history, log and
// statistics, and the archive of its own state; a problem supplies hooks (problem.hpp) and
// keeps no loop of its own. LAMMPS' Verlet::run with its fix hooks is the model.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dynaopt/core/checkpoint.hpp"
#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/nonfinite_guard.hpp"
#include "dynaopt/core/reduction.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/core/signals.hpp"
#include "dynaopt/core/timing.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/problems/problem.hpp"

namespace dynaopt {

template <class Scalar, class Device>
class Integrator {
 public:
  using problem_type = Problem<Scalar, Device>;
  using optimizer_type = Optimizer<Scalar, Device>;
  using view_type = Kokkos::View<Scalar*, Device>;

  Integrator(problem_type& problem, optimizer_type& optimizer, const RunSpec& run, const Comm& comm)
      : problem_(problem),
        optimizer_(optimizer),
        run_(run),
        comm_(comm),
        schedule_(problem.schedule(run)),
        guard_(run, problem.independent_groups() ? problem.space().group_count() : 1),
        statistics_("dynaopt::statistics", std::size_t(problem.space().group_count())),
        statistics_host_(Kokkos::create_mirror_view(statistics_)),
        stationarity_("dynaopt::stationarity", std::size_t(problem.space().group_count())),
        stationarity_host_(Kokkos::create_mirror_view(stationarity_)) {}

  // Where the history rows and log lines go (nullptr: nowhere), and what follows every cycle
  // (the checkpoints: `after_cycle(cycle)`).
  void output(std::ostream* history, std::ostream* log) { history_ = history, log_ = log; }
  // Where the per-group rows go (groups.csv: a row per group with every history row).
  void group_output(std::ostream* groups) { groups_ = groups; }

  // groups.csv's header: the statistics of each group, then the optimizer's own columns.
  std::string group_header() const {
    std::string header = "step,cycle,group,grad_norm,kinetic_energy,step_norm,max_frequency,restarts";
    for (const auto& column : optimizer_.group_columns()) header += ',' + column;
    return header;
  }
  // What writes a checkpoint: `checkpoint(cycles, step, ends_cycle)`, called after the cycles
  // run.checkpoint.every asks for, on SIGUSR1, and when the run stops early.
  void checkpoint(std::function<void(long, long, bool)> hook) { checkpoint_ = std::move(hook); }

  // Steps on from wherever the run stands to the end of the schedule, or until the problem is
  // done or |G|_2 <= run.gradient_tolerance (the projected gradient; |g|_2 without bounds), or
  // a stop. Collective. Returns the last step's record.
  const StepRecord& run() {
    while (record_.step < schedule_.steps && !finished_ && interruption_.empty()) cycle_step();
    return record_;
  }

  const StepRecord& record() const { return record_; }
  const Schedule& schedule() const { return schedule_; }
  // Why the run stopped before its end ("SIGTERM", "SIGINT", "run.wall_time"); "" if it did not.
  const std::string& interruption() const { return interruption_; }
  // This rank's seconds per phase, and of the whole loop, over restarts.
  const PhaseTimes& times() const { return times_; }
  double seconds() const { return earlier_seconds_ + watch_.seconds(); }

  // The integrator's position, the parameters, the optimizer's state and the problem's.
  void archive(StateArchive& state) {
    state.field("integrator.step", record_.step);
    state.field("integrator.gradient_norm", record_.gradient_norm);
    state.field("integrator.stationarity", record_.stationarity);
    state.field("integrator.converged", record_.converged);
    state.field("integrator.finished", finished_);
    state.field("integrator.skipped", record_.skipped_steps);
    guard_.archive(state);
    double seconds = this->seconds();
    state.field("integrator.seconds", seconds);
    for (std::size_t p = 0; p < phase_count; ++p) state.field(std::string("timing.") + phase_names[p], times_.seconds[p]);
    state.field("x", problem_.space().x);
    optimizer_.archive(state);
    problem_.archive(state);
    if (state.loading()) {
      record_.cycle = record_.step / schedule_.steps_per_cycle;
      earlier_seconds_ = seconds, watch_.restart(), steps_here_ = 0;
    }
  }

 private:
  void cycle_step() {
    auto& space = problem_.space();
    const Stopwatch step_watch;
    const long step = ++record_.step;
    test_events(step, comm_.rank());
    const bool cycle_end = step % schedule_.steps_per_cycle == 0 || step == schedule_.steps;
    const long cycle = (step + schedule_.steps_per_cycle - 1) / schedule_.steps_per_cycle;
    const long last_cycle = (schedule_.steps + schedule_.steps_per_cycle - 1) / schedule_.steps_per_cycle;
    const bool history_cycle = cycle % schedule_.history_every == 0 || cycle == last_cycle;
    const bool log_cycle =
        schedule_.log_every > 0 && (cycle % schedule_.log_every == 0 || cycle == 1 || cycle == last_cycle);
    const bool sampled = run_.gradient_tolerance > 0 || problem_.reduce_every_step() ||
                         optimizer_.steered_by_statistics() || (cycle_end && (history_cycle || log_cycle));

    // Force pass.
    Forces forces;
    view_type point;
    {
      const Timed timed(times_, Phase::force);
      problem_.begin_step(optimizer_, step);
      point = optimizer_.evaluation_point(space);
      forces = problem_.force(point, step);
    }
    record_.objective = forces.objective;
    const Bounds<Scalar, Device>* bounds = problem_.bounds();

    // The non-finite policy.
    long failed = 0, skipped = 0;
    if (problem_.independent_groups()) {
      std::vector<int> stepping;
      for (int k : problem_.active_groups()) {
        const auto verdict = guard_.judge(k, forces.group_objective[std::size_t(k)], optimizer_, space);
        if (verdict == NonfiniteGuard::Verdict::step) stepping.push_back(k);
        else if (verdict == NonfiniteGuard::Verdict::skip) ++skipped;
        else problem_.retire(k, step), ++failed;
      }
      if (skipped > 0) problem_.select(stepping);
      record_.skipped = false;
    } else {
      record_.skipped = !guard_.admit(forces.objective, step, optimizer_, space, log_);
    }

    // The stationarity of a whole problem at the evaluation point, before the step moves it (a
    // batch of independent groups judges each of its own): with bounds on every sampled step,
    // without them when the run stops on it (otherwise the step's |g| is that measure). Where
    // this rank's part alone is within the tolerance, the point is kept: if the whole is too, the
    // run ends there, at the point the certificate is about.
    const bool certify = run_.gradient_tolerance > 0 && !problem_.independent_groups() && !record_.skipped;
    const bool project_gradient = sampled && !record_.skipped && !problem_.independent_groups() && (bounds || certify);
    double stationarity_sq = 0;
    bool kept = false;
    if (project_gradient) {
      const Timed timed(times_, Phase::stationarity);
      if (!bounds && !unbounded_)
        unbounded_.emplace(space.groups, std::vector<GroupBounds>(std::size_t(space.group_count())), "unbounded");
      (bounds ? *bounds : *unbounded_).stationarity(point, space.g, space, stationarity_);
      Kokkos::deep_copy(stationarity_host_, stationarity_);  // a slot per group: summed on the host
      for (std::size_t k = 0; k < stationarity_host_.extent(0); ++k) stationarity_sq += stationarity_host_(k);
      if (certify && stationarity_sq <= run_.gradient_tolerance * run_.gradient_tolerance) {
        if (certified_.extent(0) != point.extent(0))
          certified_ = view_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "dynaopt::certified"), point.extent(0));
        Kokkos::deep_copy(certified_, point);
        kept = true;
      }
    }

    // Integration and constraint passes.
    if (!record_.skipped) {
      {
        const Timed timed(times_, Phase::integrate);
        optimizer_.step(space, forces.group_objective, sampled ? statistics_ : StatisticsView<Device>());
      }
      const Timed timed(times_, Phase::constrain);
      if (bounds) optimizer_.constrain(space, *bounds);
      problem_.constrain(optimizer_);
    }
    if (skipped > 0) problem_.select(problem_.active_groups());

    // Diagnostics: one allreduce.
    record_.sampled = sampled && !record_.skipped;
    Reduction reduction;
    std::vector<Reduction::StatisticsSlot> slots;
    std::size_t nonfinite_slot = 0;
    if (record_.sampled) {
      Kokkos::deep_copy(statistics_host_, statistics_);
      record_.groups.assign(statistics_host_.data(), statistics_host_.data() + statistics_host_.extent(0));
      if (problem_.independent_groups()) {
        GroupStatistics local;  // a group lives on one rank: only the batch's total is summed
        for (const auto& s : record_.groups) local += s;
        slots.push_back(reduction.add(local));
      } else if (!problem_.replicated()) {
        for (const auto& s : record_.groups) slots.push_back(reduction.add(s));
      }
    }
    if (problem_.independent_groups()) nonfinite_slot = reduction.sum(double(skipped)), reduction.sum(double(failed));
    const std::size_t stationarity_slot = reduction.sum(problem_.replicated() ? 0.0 : stationarity_sq);
    // Stop and checkpoint requests: any rank's (maxima), in the same allreduce.
    const SignalRequests signals = take_signal_requests();
    const std::size_t request_slot = reduction.max(signals.stop);
    reduction.max(signals.checkpoint ? 1 : 0), reduction.max(wall_time_up() ? 1 : 0);
    problem_.contribute(reduction);
    {
      const Timed timed(times_, Phase::allreduce);
      comm_.reduce(reduction);
    }
    if (record_.sampled) {
      if (!problem_.independent_groups() && !problem_.replicated())
        for (std::size_t k = 0; k < slots.size(); ++k) record_.groups[k] = reduction.statistics_at(slots[k]);
      record_.total = GroupStatistics{};
      if (problem_.independent_groups()) record_.total = reduction.statistics_at(slots[0]);
      else
        for (const auto& s : record_.groups) record_.total += s;
      record_.gradient_norm = std::sqrt(record_.total.grad_sq_sum);
      record_.stationarity = !project_gradient ? record_.gradient_norm
                             : problem_.replicated() ? std::sqrt(stationarity_sq)
                                                     : std::sqrt(reduction.sum_at(stationarity_slot));
      record_.converged = run_.gradient_tolerance > 0 && record_.stationarity <= run_.gradient_tolerance;
      if (record_.converged && kept) Kokkos::deep_copy(space.x, certified_);
      optimizer_.observe(record_.groups);
    }
    if (problem_.independent_groups())
      report_nonfinite(long(reduction.sum_at(nonfinite_slot)), long(reduction.sum_at(nonfinite_slot + 1)), step);
    record_.restarts = 0;
    for (long r : optimizer_.restarts()) record_.restarts += r;
    if (!problem_.independent_groups()) record_.skipped_steps = guard_.skipped();
    finished_ = problem_.settle(reduction, record_) || record_.converged;
    const int stop_signal = int(reduction.max_at(request_slot));
    const bool checkpoint_requested = reduction.max_at(request_slot + 1) > 0;
    if (!finished_ && step < schedule_.steps && (stop_signal != 0 || reduction.max_at(request_slot + 2) > 0))
      stop(stop_signal, step);

    // Output. A cycle of one step that was skipped has no row or line of its own (the
    // policy's message says what happened); a longer cycle always ends with its row.
    if (cycle_end) {
      record_.cycle = cycle;
      const bool quiet = record_.skipped && schedule_.steps_per_cycle == 1;
      record_.history_due = !quiet && (history_cycle || finished_);
      record_.log_due = !quiet && log_cycle;
      {
        const Timed timed(times_, Phase::end_cycle);
        problem_.end_cycle(record_);
      }
      read_clock();
      {
        const Timed timed(times_, Phase::output);
        if (history_ && record_.history_due) problem_.history_row(*history_, record_);
        if (groups_ && record_.history_due) group_rows(*groups_);
        if (log_ && record_.log_due) problem_.log_line(*log_, record_, run_);
      }
    } else {
      read_clock();
    }
    longest_step_ = std::max(longest_step_, step_watch.seconds());
    const bool due = cycle_end && run_.checkpoint.every > 0 && cycle % run_.checkpoint.every == 0;
    if (checkpoint_ && (due || checkpoint_requested || !interruption_.empty())) {
      const Stopwatch watch;
      {
        const Timed timed(times_, Phase::checkpoint);
        checkpoint_(step / schedule_.steps_per_cycle, step, cycle_end);
      }
      checkpoint_seconds_ = std::max(checkpoint_seconds_, watch.seconds());
    }
  }

  // The record's clock: the loop's seconds, the mean step since it (re)started, the ETA.
  void read_clock() {
    ++steps_here_;
    record_.seconds = seconds();
    record_.step_seconds = watch_.seconds() / double(steps_here_);
    record_.eta_seconds = record_.step_seconds * double(schedule_.steps - record_.step);
  }

  // run.wall_time: whether this rank sees the time left too short for another step besides
  // the one under way, a checkpoint and the finish. A step is taken to last as long as the
  // longest so far (an MNIST epoch's last one evaluates the accuracies), a checkpoint as long
  // as the longest written, or ten steps before the first.
  bool wall_time_up() const {
    if (run_.wall_time <= 0) return false;
    const double checkpoint = checkpoint_seconds_ > 0 ? checkpoint_seconds_ : 10 * longest_step_;
    return process_seconds() + 3 * longest_step_ + checkpoint > run_.wall_time;
  }

  void stop(int signal, long step) {
    interruption_ = signal != 0 ? signal_name(signal) : "run.wall_time";
    if (!log_) return;
    *log_ << "stopping after step " << step << ": ";
    if (signal != 0) *log_ << interruption_ << " received";
    else
      *log_ << "run.wall_time leaves too little for another step (" << clock_text(process_seconds())
            << " s since the start, the longest step " << clock_text(longest_step_) << " s)";
    *log_ << "; a checkpoint, then the outputs" << std::endl;
  }

  // A row per group: the statistics of the last sampled step, over all ranks.
  void group_rows(std::ostream& out) const {
    const auto& space = problem_.space();
    const auto restarts = optimizer_.restarts();
    for (int k = 0; k < space.group_count(); ++k) {
      const auto uk = std::size_t(k);
      const GroupStatistics s = uk < record_.groups.size() ? record_.groups[uk] : GroupStatistics{};
      out << record_.step << ',' << record_.cycle << ',' << space.groups[k].name << ',' << exact(std::sqrt(s.grad_sq_sum))
          << ',' << exact(s.kinetic_energy) << ',' << exact(std::sqrt(s.step_sq_sum)) << ',' << exact(s.max_frequency)
          << ',' << (uk < restarts.size() ? restarts[uk] : 0);
      for (double value : optimizer_.group_values(k)) out << ',' << exact(value);
      out << '\n';
    }
  }

  // Independent groups: every rank knows how many were skipped and failed anywhere this step,
  // so all of them end the run together under `abort`.
  void report_nonfinite(long skipped, long failed, long step) {
    record_.skipped_steps += skipped;
    const std::string at = " non-finite at step " + std::to_string(step);
    if (failed > 0 && guard_.policy() == NonfinitePolicy::abort)
      throw CollectiveError(std::to_string(failed) + " group(s)" + at + " (run.on_nonfinite: abort)");
    if (!log_) return;
    if (skipped > 0)
      *log_ << skipped << " group(s)" << at << ": step skipped (" << policy_name(guard_.policy()) << ", "
            << record_.skipped_steps << " so far)" << std::endl;
    if (failed > 0)
      *log_ << failed << " group(s)" << at << " retired as failed (non-finite more than run.max_consecutive_skips: "
            << run_.max_consecutive_skips << " steps in a row)" << std::endl;
  }

  problem_type& problem_;
  optimizer_type& optimizer_;
  const RunSpec run_;  // a copy: callers hand in temporaries
  const Comm& comm_;
  Schedule schedule_;
  NonfiniteGuard guard_;
  StatisticsView<Device> statistics_;
  typename StatisticsView<Device>::HostMirror statistics_host_;
  Kokkos::View<double*, Device> stationarity_;  // |G|^2 per group
  typename Kokkos::View<double*, Device>::HostMirror stationarity_host_;
  // The measure of a problem without bounds (|g|^2), built the first time such a run certifies.
  std::optional<Bounds<Scalar, Device>> unbounded_;
  view_type certified_;                          // the evaluation point, where it may be certified
  StepRecord record_;
  bool finished_ = false;
  std::string interruption_;
  PhaseTimes times_;
  Stopwatch watch_;               // since the loop was built (or restored)
  double earlier_seconds_ = 0;    // the loop's seconds before the restart
  long steps_here_ = 0;           // steps since then
  double longest_step_ = 0, checkpoint_seconds_ = 0;
  std::ostream* history_ = nullptr;
  std::ostream* log_ = nullptr;
  std::ostream* groups_ = nullptr;
  std::function<void(long, long, bool)> checkpoint_;
};

}  // namespace dynaopt
