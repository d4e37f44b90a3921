#pragma once
// Multi-start design, advanced like an explicit code: every start of a rank is one design
// (one group of the parameter space) and all of them take each step of the integrator together:
//   force pass       the band average and its gradient for every active design (one launch)
//   integration pass the shared fused optimizer step over the active designs' groups
//   constraint pass  each active design back onto {t >= t_min, sum t <= R_max}
// Each design is a problem of its own (independent groups): the non-finite policy judges it
// alone, and a design whose best objective has stalled leaves the batch (its groups leave the
// optimizer's chunk list, its index the force pass's design list), so converged starts cost
// nothing. Starts are split over ranks in blocks; a start's path does not depend on which rank
// runs it, so the results do not depend on the rank count.
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
#include "dynaopt/core/result_yaml.hpp"
#include "dynaopt/core/nonfinite_guard.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/problems/nanosphere/absorption_model.hpp"
#include "dynaopt/problems/problem.hpp"
#include "dynaopt/problems/nanosphere/start_records.hpp"

namespace dynaopt {

template <class Device>
class MultiStartDesign : public Problem<double, Device> {
 public:
  using execution_space = typename Device::execution_space;
  using typename Problem<double, Device>::space_type;
  using typename Problem<double, Device>::view_type;
  using Matrix = Kokkos::View<double**, Kokkos::LayoutRight, Device, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  using ConstMatrix = Kokkos::View<const double**, Kokkos::LayoutRight, Device, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

  MultiStartDesign(const NanosphereSpec& spec, const Comm& comm)
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

    const std::size_t n = std::size_t(count_);
    running_ = spec.starts;
    objective_ = Kokkos::View<double*, Device>("multistart::objective", n);
    designs_ = Kokkos::View<int*, Device>("multistart::designs", n);
    objective_host_ = Kokkos::create_mirror_view(objective_);
    for (int d = 0; d < count_; ++d) active_.push_back(d);
    publish(active_);
    records_.resize(n);
    for (int d = 0; d < count_; ++d) records_[std::size_t(d)].start = first_ + d, records_[std::size_t(d)].rank = comm.rank();
    current_.assign(n, 0.0), best_.assign(n, -HUGE_VAL), minimised_.assign(n, 0.0), improved_at_.assign(n, 0);
  }

  long local_starts() const { return count_; }
  // Every start's record, on rank 0 (ordered by start; nothing elsewhere), after the run.
  // Collective.
  std::vector<StartRecord> records() const { return gather(finish(records_)); }

  // --- The integrator's hooks.
  std::string name() const override { return "nanosphere"; }
  space_type& space() override { return space_; }
  std::string banner() const override {
    return "nanosphere: " + std::to_string(spec_.starts) + " starts of " + std::to_string(layers_) + " layers over " +
           std::to_string(comm_.size()) + " rank(s), " + std::to_string(model_.wavelength_count()) + " wavelengths";
  }
  bool independent_groups() const override { return true; }
  std::vector<int> active_groups() const override { return active_; }
  void select(const std::vector<int>& designs) override { publish(designs); }
  void retire(int design, long) override {
    records_[std::size_t(design)].status = StartRecord::Status::failed;
    active_.erase(std::find(active_.begin(), active_.end(), design));
    publish(active_);
  }

  // The band average and its gradient at the optimizer's evaluation point, as the minimised
  // -J, for the active designs; a design whose best J has stalled leaves the batch before it is
  // integrated. Non-finite designs stay for the integrator's policy to judge.
  Forces force(const view_type& point, long step) override {
    model_.band_average(designs_, int(active_.size()), matrix(point), spec_.thickness_unit, -1, spec_.objective,
                        objective_, matrix(space_.g));
    Kokkos::deep_copy(objective_host_, objective_);
    std::vector<int> still_active;
    for (int d : active_) {
      const auto k = std::size_t(d);
      StartRecord& r = records_[k];
      r.steps = step;
      minimised_[k] = objective_host_(k);
      current_[k] = -objective_host_(k);
      if (std::isfinite(current_[k])) {
        if (current_[k] > best_[k] + spec_.stall_tolerance * std::fabs(best_[k]) || step == 1)
          best_[k] = std::max(best_[k], current_[k]), improved_at_[k] = step;
        if (step - improved_at_[k] >= spec_.stall_steps) {
          r.status = StartRecord::Status::converged;
          continue;
        }
      }
      still_active.push_back(d);
    }
    if (still_active.size() != active_.size()) {
      active_ = std::move(still_active);
      publish(active_);
    }
    return Forces{0.0, minimised_};
  }

  void constrain(Optimizer<double, Device>&) override { project(); }

  // The step's slots: the sum of every start's J, the active starts, the best J.
  bool reduce_every_step() const override { return true; }
  void contribute(Reduction& r) override {
    double sum = 0, top = -HUGE_VAL;
    for (std::size_t k = 0; k < current_.size(); ++k)
      if (std::isfinite(current_[k])) sum += current_[k], top = std::max(top, current_[k]);
    local_top_ = top;
    sum_slot_ = r.sum(sum);
    r.sum(double(active_.size()));
    top_slot_ = r.max(top);
  }
  bool settle(const Reduction& r, const StepRecord&) override {
    objective_sum_ = r.sum_at(sum_slot_);
    running_ = long(r.sum_at(sum_slot_ + 1));
    top_ = r.max_at(top_slot_);
    return running_ == 0;
  }
  // On output steps: the kinetic energy of the best design (a design that has left the batch
  // is at rest), from the rank that holds it.
  void end_cycle(const StepRecord& record) override {
    if (!record.history_due && !record.log_due) return;
    double kinetic = 0;
    for (std::size_t k = 0; k < current_.size(); ++k)
      if (current_[k] == local_top_ && record.sampled) {
        kinetic = record.groups[k].kinetic_energy;
        break;
      }
    const std::vector<double> pairs = comm_.allgather({local_top_, kinetic});
    best_kinetic_ = 0;
    for (std::size_t i = 0; i + 1 < pairs.size(); i += 2)
      if (pairs[i] == top_) {
        best_kinetic_ = pairs[i + 1];
        break;
      }
  }

  // The best and mean band average over all starts, the active starts, and the Hamiltonian of
  // the minimised -J: of the best design and of the whole batch.
  std::string history_header() const override {
    return std::string(multistart_history_header()) +
           ",best_kinetic_energy,best_total_energy,kinetic_energy,total_energy,skipped";
  }
  void history_row(std::ostream& out, const StepRecord& r) override {
    out << r.step << ',' << exact(top_) << ',' << exact(mean()) << ',' << running_ << ',' << exact(best_kinetic_)
        << ',' << exact(best_kinetic_ - top_) << ',' << exact(r.total.kinetic_energy) << ','
        << exact(r.total.kinetic_energy - objective_sum_) << ',' << r.skipped_steps << '\n';
  }
  void log_line(std::ostream& out, const StepRecord& r, const RunSpec&) override {
    char line[160];
    std::snprintf(line, sizeof line, "step %7ld  best %.9e  mean %.6e  active %ld/%ld", r.step, top_, mean(),
                  running_, spec_.starts);
    out << line << std::endl;
  }

  // starts.csv, and result.yaml's best design and distinct optima.
  std::string finish(const StepRecord&, RunOutput& output, YAML::Emitter& out) override {
    const std::vector<StartRecord> all = records();
    std::string header = "start,rank,steps,status,objective";
    for (int l = 1; l <= layers_; ++l) header += ",t" + std::to_string(l);
    if (std::ostream* starts = output.file("starts.csv", header))
      for (const StartRecord& r : all) {
        *starts << r.start << ',' << r.rank << ',' << r.steps << ',' << status_name(r.status) << ','
                << exact(r.objective);
        for (double t : r.thickness) *starts << ',' << exact(t);
        *starts << '\n';
      }
    const std::vector<Optimum> optima = distinct_optima(all, spec_.cluster_distance);
    long converged = 0, failed = 0;
    for (const StartRecord& r : all)
      converged += r.status == StartRecord::Status::converged, failed += r.status == StartRecord::Status::failed;
    out << YAML::Key << "mode" << YAML::Value << "optimize" << YAML::Key << "objective_measure" << YAML::Value
        << measure_name(spec_.objective) << YAML::Key << "starts" << YAML::Value << spec_.starts << YAML::Key
        << "converged" << YAML::Value << converged << YAML::Key << "failed" << YAML::Value << failed;
    if (!optima.empty()) {
      out << YAML::Key << "best" << YAML::Value << YAML::BeginMap << YAML::Key << "objective" << YAML::Value
          << exact(optima[0].objective) << YAML::Key << "thickness" << YAML::Value;
      emit_exact(out, optima[0].thickness);
      out << YAML::Key << "start" << YAML::Value << optima[0].start << YAML::EndMap;
    }
    out << YAML::Key << "distinct_optima" << YAML::Value
        << YAML::Comment("clustered within " + exact(spec_.cluster_distance) + " nm, best first") << YAML::BeginSeq;
    for (const Optimum& o : optima) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "objective" << YAML::Value << exact(o.objective)
          << YAML::Key << "thickness" << YAML::Value;
      emit_exact(out, o.thickness);
      out << YAML::Key << "start" << YAML::Value << o.start << YAML::Key << "starts" << YAML::Value << o.members
          << YAML::EndMap;
    }
    out << YAML::EndSeq;
    if (optima.empty()) return "no start ended with a finite " + std::string(measure_name(spec_.objective));
    std::ostringstream list;
    thickness_list(list, optima[0].thickness);
    return "best " + std::string(measure_name(spec_.objective)) + " " + exact(optima[0].objective) + " at " +
           list.str() + " nm, " + std::to_string(optima.size()) + " distinct optima";
  }

  // Every start's bookkeeping (the integrator archives the designs and the optimizer's state).
  void archive(StateArchive& state) override {
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
    if (!state.loading()) return;
    for (std::size_t k = 0; k < records_.size(); ++k)
      records_[k].steps = steps[k], records_[k].status = StartRecord::Status(status[k]);
    publish(active_);
  }

 private:
  // The flat parameter View as a design x layer matrix.
  Matrix matrix(const Kokkos::View<double*, Device>& flat) const {
    return Matrix(flat.data(), std::size_t(count_), std::size_t(layers_));
  }

  // The designs the next passes cover, to the force and constraint passes (device) and to the
  // optimizer (its chunks).
  void publish(const std::vector<int>& designs) {
    if (!designs.empty())
      Kokkos::deep_copy(Kokkos::subview(designs_, std::make_pair(std::size_t(0), designs.size())),
                        Kokkos::View<const int*, Kokkos::HostSpace>(designs.data(), designs.size()));
    selected_ = int(designs.size());
    space_.select(designs);
  }

  double mean() const { return objective_sum_ / double(spec_.starts); }

  static void thickness_list(std::ostream& out, const std::vector<double>& t) {
    out << '[';
    for (std::size_t i = 0; i < t.size(); ++i) out << (i ? ", " : "") << exact(t[i]);
    out << ']';
  }

 public:
  // Kernels of a step and of the end. Public only because nvcc rejects extended (device)
  // lambdas in private or protected member functions.
  void project() const {
    const auto designs = designs_;
    const int count = selected_;
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

  // The run's state, step by step.
  long running_ = 0;                     // active starts on all ranks
  std::vector<int> active_;              // this rank's active designs
  Kokkos::View<int*, Device> designs_;   // the designs the passes cover, on the device
  int selected_ = 0;                     // how many of designs_ they are
  Kokkos::View<double*, Device> objective_;
  typename Kokkos::View<double*, Device>::HostMirror objective_host_;
  std::vector<StartRecord> records_;
  std::vector<double> current_, best_, minimised_;  // J now, best J, the minimised -J
  std::vector<long> improved_at_;        // the last step that raised the best J
  // The step's diagnostics, over all ranks.
  std::size_t sum_slot_ = 0, top_slot_ = 0;
  double objective_sum_ = 0, top_ = -HUGE_VAL, local_top_ = -HUGE_VAL, best_kinetic_ = 0;
};

}  // namespace dynaopt
