#pragma once
// Multi-start design, advanced like an explicit code: every start of a rank is one design
// (one group of the parameter space) and all of them take each step together:
//   force pass       the band average and its gradient for every active design (one launch)
//   integration pass the shared fused optimizer step over the active designs' groups
//   projection pass  each active design back onto {t >= t_min, sum t <= R_max}
// A design whose best objective has stalled leaves the batch (its groups leave the optimizer's
// chunk list, its index the force pass's design list), so converged starts cost nothing. Starts
// are split over ranks in blocks; a start's path does not depend on which rank runs it, so the
// results do not depend on the rank count.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/nonfinite_guard.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/nanosphere/absorption_model.hpp"
#include "dynaopt/problems/nanosphere/start_records.hpp"

namespace dynaopt {

template <class Device>
class MultiStartDesign {
 public:
  using execution_space = typename Device::execution_space;
  using space_type = ParameterSpace<double, Device>;
  using Matrix = Kokkos::View<double**, Kokkos::LayoutRight, Device, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  using ConstMatrix = Kokkos::View<const double**, Kokkos::LayoutRight, Device, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

  MultiStartDesign(const NanosphereSpec& spec, const OptimizerSpec& optimizer, const Comm& comm)
      : spec_(spec), comm_(comm), model_(spec), layers_(int(spec.layers.size())) {
    model_.require_orders(spec.max_radius, "problem.bounds.max_radius");
    const auto [first, last] = comm.block(std::size_t(spec.starts));
    first_ = long(first);
    count_ = int(last - first);
    GroupTable table;
    for (int d = 0; d < count_; ++d) table.add("start " + std::to_string(first_ + d), std::size_t(layers_));
    space_ = space_type(std::move(table));
    auto x = Kokkos::create_mirror_view(space_.x);
    for (int d = 0; d < count_; ++d) {
      const long start = first_ + d;
      const std::vector<double> t =
          start == 0 && !spec.thickness.empty()
              ? spec.thickness
              : uniform_design(spec.seed, start, layers_, spec.min_thickness, spec.max_radius);
      for (int l = 0; l < layers_; ++l) x(std::size_t(d * layers_ + l)) = t[std::size_t(l)] / spec.thickness_unit;
    }
    Kokkos::deep_copy(space_.x, x);
    optimizer_ = make_optimizer(optimizer, space_);

    const std::size_t n = std::size_t(count_);
    running_ = spec.starts;
    objective_ = Kokkos::View<double*, Device>("multistart::objective", n);
    designs_ = Kokkos::View<int*, Device>("multistart::designs", n);
    objective_host_ = Kokkos::create_mirror_view(objective_);
    for (int d = 0; d < count_; ++d) active_.push_back(d);
    publish();
    records_.resize(n);
    for (int d = 0; d < count_; ++d) records_[std::size_t(d)].start = first_ + d, records_[std::size_t(d)].rank = comm.rank();
    current_.assign(n, 0.0), best_.assign(n, -HUGE_VAL), minimised_.assign(n, 0.0), improved_at_.assign(n, 0);
  }

  long local_starts() const { return count_; }

  // Runs on to run.steps steps, or until no start is active; `after_step(step)` follows every
  // step. Returns every start's record on rank 0 (ordered by start), nothing elsewhere.
  // Collective: the loop's decisions come from one allreduce per step.
  std::vector<StartRecord> run(const RunSpec& run, std::ostream* history, std::ostream* log,
                               const std::function<void(long)>& after_step = {}) {
    while (step_ < run.steps && running_ > 0) {
      const long step = ++step_;
      // Force pass at the optimizer's evaluation point, as the minimised -J.
      model_.band_average(designs_, int(active_.size()), matrix(optimizer_->evaluation_point(space_)),
                          spec_.thickness_unit, -1, spec_.objective, objective_, matrix(space_.g));
      Kokkos::deep_copy(objective_host_, objective_);
      std::vector<int> still_active;
      long failed = 0;
      for (int d : active_) {
        const auto k = std::size_t(d);
        StartRecord& r = records_[k];
        r.steps = step;
        minimised_[k] = objective_host_(k);
        current_[k] = -objective_host_(k);
        // A start is a problem of its own: one that turns non-finite leaves the batch as failed.
        if (!std::isfinite(current_[k])) {
          r.status = StartRecord::Status::failed;
          ++failed;
          continue;
        }
        if (current_[k] > best_[k] + spec_.stall_tolerance * std::fabs(best_[k]) || step == 1)
          best_[k] = std::max(best_[k], current_[k]), improved_at_[k] = step;
        if (step - improved_at_[k] >= spec_.stall_steps) {
          r.status = StartRecord::Status::converged;
          continue;
        }
        still_active.push_back(d);
      }
      if (still_active.size() != active_.size()) {
        active_ = std::move(still_active);
        publish();
      }

      // Integration and projection passes over the active designs.
      optimizer_->step(space_, minimised_);
      project();

      // The step's one allreduce: the objectives' sum, the active and the newly failed starts.
      std::vector<double> totals = {0.0, double(active_.size()), double(failed)};
      double top = -HUGE_VAL;
      for (std::size_t k = 0; k < current_.size(); ++k)
        if (std::isfinite(current_[k])) totals[0] += current_[k], top = std::max(top, current_[k]);
      comm_.sum_in_place(totals);
      running_ = long(totals[1]);
      if (totals[2] > 0) {
        const std::string what = std::to_string(long(totals[2])) + " start(s) turned non-finite at step " +
                                 std::to_string(step);
        if (run.on_nonfinite == NonfinitePolicy::abort) throw CollectiveError(what + " (run.on_nonfinite: abort)");
        if (log) *log << what << " and left the batch as failed" << std::endl;
      }
      const bool logged = run.log_every > 0 && (step % run.log_every == 0 || step == 1 || step == run.steps);
      const bool recorded = step % run.history_every == 0 || step == run.steps || running_ == 0;
      if (recorded || logged) {
        top = comm_.max(top);
        const double mean = totals[0] / double(spec_.starts);
        if (history && recorded) *history << step << ',' << exact(top) << ',' << exact(mean) << ',' << running_ << '\n';
        if (log && logged) {
          char line[160];
          std::snprintf(line, sizeof line, "step %7ld  best %.9e  mean %.6e  active %ld/%ld", step, top, mean,
                        running_, spec_.starts);
          *log << line << std::endl;
        }
      }
      if (after_step) after_step(step);
    }
    return gather(finish(records_));
  }

  // The step, every start's bookkeeping, the designs and the optimizer's state.
  void archive(StateArchive& state) {
    state.field("multistart.step", step_);
    state.field("multistart.running", running_);
    state.sized_field("multistart.active", active_);
    std::vector<std::int64_t> steps, status;
    for (const StartRecord& r : records_) steps.push_back(r.steps), status.push_back(std::int64_t(r.status));
    state.field("multistart.start_steps", steps);
    state.field("multistart.start_status", status);
    state.field("multistart.objective", current_);
    state.field("multistart.best", best_);
    state.field("multistart.minimised", minimised_);
    state.field("multistart.improved_at", improved_at_);
    state.field("x", space_.x);
    optimizer_->archive(state);
    if (!state.loading()) return;
    for (std::size_t k = 0; k < records_.size(); ++k)
      records_[k].steps = steps[k], records_[k].status = StartRecord::Status(status[k]);
    publish();
  }

 private:
  // The flat parameter View as a design x layer matrix.
  Matrix matrix(const Kokkos::View<double*, Device>& flat) const {
    return Matrix(flat.data(), std::size_t(count_), std::size_t(layers_));
  }

  // The active list to the force pass (device) and to the optimizer (its chunks).
  void publish() {
    if (!active_.empty())
      Kokkos::deep_copy(Kokkos::subview(designs_, std::make_pair(std::size_t(0), active_.size())),
                        Kokkos::View<const int*, Kokkos::HostSpace>(active_.data(), active_.size()));
    space_.chunks = make_chunks<Device>(space_.groups, active_);
  }

 public:
  // Kernels of a step and of the end. Public only because nvcc rejects extended (device)
  // lambdas in private or protected member functions.
  void project() const {
    const auto designs = designs_;
    const int count = int(active_.size());
    const Matrix x = matrix(space_.x);
    const int layers = layers_;
    const double unit = spec_.thickness_unit, t_min = spec_.min_thickness / unit, r_max = spec_.max_radius / unit;
    Kokkos::parallel_for(
        "dynaopt::nanosphere::project", Kokkos::RangePolicy<execution_space>(0, count), KOKKOS_LAMBDA(const int i) {
          nanosphere::project_thicknesses(&x(designs(i), 0), layers, t_min, r_max);
        });
  }

  // The objective at every start's final design (its projection), and the design in nm.
  std::vector<StartRecord> finish(std::vector<StartRecord> records) const {
    const std::size_t n = std::size_t(count_);
    Kokkos::View<int*, Device> all("multistart::all", n);
    Kokkos::View<double*, Device> objective("multistart::final", n);
    Kokkos::View<double*, Device> gradient("multistart::final_gradient", space_.size());
    Kokkos::parallel_for("dynaopt::nanosphere::iota", Kokkos::RangePolicy<execution_space>(0, count_),
                         KOKKOS_LAMBDA(const int i) { all(i) = i; });
    model_.band_average(all, count_, matrix(space_.x), spec_.thickness_unit, 1, spec_.objective, objective,
                        matrix(gradient));
    auto j = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), objective);
    auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), space_.x);
    for (std::size_t d = 0; d < n; ++d) {
      records[d].objective = j(d);
      records[d].thickness.clear();
      for (int l = 0; l < layers_; ++l)
        records[d].thickness.push_back(spec_.thickness_unit * x(d * std::size_t(layers_) + std::size_t(l)));
    }
    return records;
  }

 private:
  // Every rank's records to rank 0, as rows of doubles: start, rank, steps, status, objective,
  // thicknesses.
  std::vector<StartRecord> gather(const std::vector<StartRecord>& local) const {
    const std::size_t width = 5 + std::size_t(layers_);
    std::vector<double> rows;
    for (const StartRecord& r : local) {
      rows.insert(rows.end(), {double(r.start), double(r.rank), double(r.steps), double(int(r.status)), r.objective});
      rows.insert(rows.end(), r.thickness.begin(), r.thickness.end());
    }
    const std::vector<double> all = comm_.allgather(rows);
    std::vector<StartRecord> records;
    if (!comm_.is_root()) return records;
    for (std::size_t i = 0; i + width <= all.size(); i += width) {
      StartRecord r;
      r.start = long(all[i]), r.rank = int(all[i + 1]), r.steps = long(all[i + 2]);
      r.status = StartRecord::Status(int(all[i + 3]));
      r.objective = all[i + 4];
      r.thickness.assign(all.begin() + long(i + 5), all.begin() + long(i + width));
      records.push_back(std::move(r));
    }
    return records;
  }

  NanosphereSpec spec_;
  const Comm& comm_;
  nanosphere::AbsorptionModel<Device> model_;
  int layers_;
  long first_ = 0;
  int count_ = 0;
  space_type space_;
  std::unique_ptr<Optimizer<double, Device>> optimizer_;

  // The run's state, step by step.
  long step_ = 0;
  long running_ = 0;                     // active starts on all ranks
  std::vector<int> active_;              // this rank's active designs
  Kokkos::View<int*, Device> designs_;   // the same list on the device
  Kokkos::View<double*, Device> objective_;
  typename Kokkos::View<double*, Device>::HostMirror objective_host_;
  std::vector<StartRecord> records_;
  std::vector<double> current_, best_, minimised_;  // J now, best J, the minimised -J
  std::vector<long> improved_at_;        // the last step that raised the best J
};

}  // namespace dynaopt
