#pragma once
// Multi-start design, advanced like an explicit code: every start of a rank is one design
// (one group of the parameter space) and all of them take each step of the integrator together:
//   force pass       the band average and its gradient for every active design (one launch)
//   integration pass the shared fused optimizer step over the active designs' groups
//   constraint pass  each active design and its optimizer state on {t >= t_min, sum t <= R_max}
// Each design is a problem of its own (independent groups): the non-finite policy judges it
// alone, and a design leaves the batch (its groups leave the optimizer's chunk list, its index
// the force pass's design list) when it is certified stationary (converged: |G| <= stationarity
// |J| per nm, G the projected gradient) or its best objective has stalled without that
// (stalled), so finished starts cost nothing. Starts are split over ranks in blocks; a start's path does not depend on which rank
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
#include "dynaopt/problems/nanosphere/spectrum_file.hpp"
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
    const double unit = spec.thickness_unit;
    const auto [first, last] = comm.block(std::size_t(spec.starts));
    first_ = long(first);
    count_ = int(last - first);
    GroupTable table;
    for (int d = 0; d < count_; ++d) table.add("start " + std::to_string(first_ + d), std::size_t(layers_));
    space_ = space_type(std::move(table));
    GroupBounds design_set;
    design_set.lower = spec.min_thickness / unit;
    design_set.max_sum = spec.max_radius / unit;
    bounds_ = Bounds<double, Device>(space_.groups, std::vector<GroupBounds>(std::size_t(count_), design_set),
                                     "problem.bounds");
    auto x = Kokkos::create_mirror_view(space_.x);
    for (int d = 0; d < count_; ++d) {
      const long start = first_ + d;
      const std::vector<double> t =
          start == 0 && !spec.thickness.empty()
              ? spec.thickness
              : uniform_design(spec.seed, start, layers_, spec.min_thickness, spec.max_radius);
      for (int l = 0; l < layers_; ++l) x(std::size_t(d * layers_ + l)) = t[std::size_t(l)] / unit;
    }
    Kokkos::deep_copy(space_.x, x);
    best_x_ = Kokkos::View<double*, Device>("multistart::best_x", space_.size());
    Kokkos::deep_copy(best_x_, space_.x);

    const std::size_t n = std::size_t(count_);
    running_ = spec.starts;
    objective_ = Kokkos::View<double*, Device>("multistart::objective", n);
    designs_ = Kokkos::View<int*, Device>("multistart::designs", n);
    improved_ = Kokkos::View<int*, Device>("multistart::improved", n);
    improved_host_ = Kokkos::create_mirror_view(improved_);
    objective_host_ = Kokkos::create_mirror_view(objective_);
    stationarity_ = Kokkos::View<double*, Device>("multistart::stationarity", n);
    stationarity_host_ = Kokkos::create_mirror_view(stationarity_);
    for (int d = 0; d < count_; ++d) active_.push_back(d);
    publish(active_);
    records_.resize(n);
    for (int d = 0; d < count_; ++d) records_[std::size_t(d)].start = first_ + d, records_[std::size_t(d)].rank = comm.rank();
    current_.assign(n, 0.0), best_.assign(n, -HUGE_VAL), minimised_.assign(n, 0.0), improved_at_.assign(n, 0);
    visited_.assign(n, -HUGE_VAL);
  }

  long local_starts() const { return count_; }
  // Every start's record, on rank 0 (ordered by start; nothing elsewhere), after the run.
  // Collective.
  std::vector<StartRecord> records() const { return gather(finish(records_)); }
  const Bounds<double, Device>* bounds() const override { return &bounds_; }

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
  // -J, and its stationarity, for the active designs. A design certified stationary there
  // leaves the batch at that point (converged; a look-ahead point becomes its design), one whose
  // best J has stalled without it leaves as it is (stalled), both before the integration.
  // Non-finite designs stay for the integrator's policy to judge.
  Forces force(const view_type& point, long step) override {
    const double unit = spec_.thickness_unit;
    model_.band_average(designs_, int(active_.size()), matrix(point), unit, -1, spec_.objective, objective_,
                        matrix(space_.g));
    bounds_.stationarity(point, space_.g, space_, stationarity_);
    Kokkos::deep_copy(objective_host_, objective_);
    Kokkos::deep_copy(stationarity_host_, stationarity_);
    std::vector<int> still_active, improved;
    for (int d : active_) {
      const auto k = std::size_t(d);
      StartRecord& r = records_[k];
      r.steps = step;
      minimised_[k] = objective_host_(k);
      current_[k] = -objective_host_(k);
      const double stationarity = std::sqrt(stationarity_host_(k)) / unit;  // per nm
      if (std::isfinite(current_[k])) {
        if (current_[k] > visited_[k]) visited_[k] = current_[k], improved.push_back(d);
        if (stationarity <= spec_.stationarity * std::fabs(current_[k])) {
          r.status = StartRecord::Status::converged;
          if (point.data() != space_.x.data())
            Kokkos::deep_copy(Kokkos::subview(matrix(space_.x), k, Kokkos::ALL), Kokkos::subview(matrix(point), k, Kokkos::ALL));
          continue;
        }
        if (current_[k] > best_[k] + spec_.stall_tolerance * std::fabs(best_[k]) || step == 1)
          best_[k] = std::max(best_[k], current_[k]), improved_at_[k] = step;
        if (step - improved_at_[k] >= spec_.stall_steps) {
          r.status = StartRecord::Status::stalled;
          continue;
        }
      }
      still_active.push_back(d);
    }
    keep_best(point, improved);
    if (still_active.size() != active_.size()) {
      active_ = std::move(still_active);
      publish(active_);
    }
    return Forces{0.0, minimised_};
  }

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

  // starts.csv, the best design's spectrum.csv, and result.yaml's counts, best design and
  // distinct optima (converged starts only).
  std::string finish(const StepRecord&, RunOutput& output, YAML::Emitter& out) override {
    const std::vector<StartRecord> all = records();
    std::string header = "start,rank,steps,status,objective";
    for (int l = 1; l <= layers_; ++l) header += ",t" + std::to_string(l);
    header += ",stationarity,best_objective";
    for (int l = 1; l <= layers_; ++l) header += ",best_t" + std::to_string(l);
    if (std::ostream* starts = output.file("starts.csv", header))
      for (const StartRecord& r : all) {
        *starts << r.start << ',' << r.rank << ',' << r.steps << ',' << status_name(r.status) << ','
                << exact(r.objective);
        for (double t : r.thickness) *starts << ',' << exact(t);
        *starts << ',' << exact(r.stationarity) << ',' << exact(r.best_objective);
        for (double t : r.best_thickness) *starts << ',' << exact(t);
        *starts << '\n';
      }
    if (!comm_.is_root()) return "";
    std::vector<std::vector<double>> spectra(all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].status == StartRecord::Status::converged)
        for (const nanosphere::SpectrumPoint& p : model_.spectrum(all[i].thickness)) spectra[i].push_back(p.cabs);
    const std::vector<Optimum> optima = distinct_optima(all, spectra, spec_.distinct);
    long count[4] = {0, 0, 0, 0};
    for (const StartRecord& r : all) ++count[int(r.status)];
    const char* measure = measure_name(spec_.objective);
    out << YAML::Key << "mode" << YAML::Value << "optimize" << YAML::Key << "objective_measure" << YAML::Value
        << measure << YAML::Key << "starts" << YAML::Value << spec_.starts << YAML::Key << "stationarity_tolerance"
        << YAML::Value << YAML::Comment("converged: |G| <= this |J| per nm") << exact(spec_.stationarity);
    for (const auto& status : start_statuses)
      out << YAML::Key << status.name << YAML::Value << count[int(status.value)];

    // The best design anywhere: a start's final design, or a better one it passed on the way.
    const StartRecord* top = nullptr;
    bool visited = false;
    for (const StartRecord& r : all) {
      if (r.status == StartRecord::Status::failed) continue;
      if (std::isfinite(r.objective) && (!top || r.objective > (visited ? top->best_objective : top->objective)))
        top = &r, visited = false;
      if (std::isfinite(r.best_objective) && (!top || r.best_objective > (visited ? top->best_objective : top->objective)))
        top = &r, visited = true;
    }
    std::string summary = std::string("no start ended with a finite ") + measure;
    if (top) {
      const double objective = visited ? top->best_objective : top->objective;
      const std::vector<double>& thickness = visited ? top->best_thickness : top->thickness;
      const bool certified = !visited && top->status == StartRecord::Status::converged;
      out << YAML::Key << "best" << YAML::Value << YAML::BeginMap << YAML::Key << "objective" << YAML::Value
          << exact(objective) << YAML::Key << "thickness" << YAML::Value;
      emit_exact(out, thickness);
      out << YAML::Key << "start" << YAML::Value << top->start << YAML::Key << "design" << YAML::Value
          << YAML::Comment("final: where the start ended; visited: passed on the way, better than where it ended")
          << (visited ? "visited" : "final") << YAML::Key << "status" << YAML::Value << status_name(top->status)
          << YAML::Key << "certified" << YAML::Value << certified;
      if (!visited) out << YAML::Key << "stationarity" << YAML::Value << exact(top->stationarity);
      out << YAML::EndMap;
      nanosphere::write_spectrum(output, model_, thickness);
      std::ostringstream list;
      thickness_list(list, thickness);
      summary = "best " + std::string(measure) + " " + exact(objective) + " at " + list.str() + " nm (start " +
                std::to_string(top->start) + ", " + (certified ? "certified stationary" : visited ? "visited, not certified" : "not certified") + ")";
    }
    out << YAML::Key << "distinct_optima" << YAML::Value
        << YAML::Comment("converged starts of one objective (relative " + exact(spec_.distinct.objective) +
                         ") and one Cabs spectrum (relative " + exact(spec_.distinct.spectrum) + "), best first")
        << YAML::BeginSeq;
    for (const Optimum& o : optima) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "objective" << YAML::Value << exact(o.objective)
          << YAML::Key << "thickness" << YAML::Value;
      emit_exact(out, o.thickness);
      out << YAML::Key << "stationarity" << YAML::Value << exact(o.stationarity) << YAML::Key << "start"
          << YAML::Value << o.start << YAML::Key << "starts" << YAML::Value << o.members;
      if (o.lowest != o.highest) {
        out << YAML::Key << "span" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (std::size_t l = 0; l < o.lowest.size(); ++l) emit_exact(out, {o.lowest[l], o.highest[l]});
        out << YAML::EndSeq;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    return summary + "; " + std::to_string(optima.size()) + " distinct optima from " +
           std::to_string(count[int(StartRecord::Status::converged)]) + " converged starts, " +
           std::to_string(count[int(StartRecord::Status::stalled)]) + " stalled, " +
           std::to_string(count[int(StartRecord::Status::running)]) + " at max_steps, " +
           std::to_string(count[int(StartRecord::Status::failed)]) + " failed";
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
    state.field("multistart.visited", visited_);
    state.field("multistart.best_x", best_x_);
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

  // The evaluation points of the designs whose J rose above the best they had visited.
  void keep_best(const view_type& point, const std::vector<int>& improved) {
    if (improved.empty()) return;
    for (std::size_t i = 0; i < improved.size(); ++i) improved_host_(i) = improved[i];
    Kokkos::deep_copy(improved_, improved_host_);
    const auto list = improved_;
    const Matrix from = matrix(point), to = matrix(best_x_);
    const int layers = layers_;
    Kokkos::parallel_for(
        "dynaopt::nanosphere::keep_best", Kokkos::RangePolicy<execution_space>(0, int(improved.size())),
        KOKKOS_LAMBDA(const int i) {
          for (int l = 0; l < layers; ++l) to(list(i), l) = from(list(i), l);
        });
  }

  // Every start's final design in nm, its objective and stationarity there, and the best
  // design it visited.
  std::vector<StartRecord> finish(std::vector<StartRecord> records) const {
    const std::size_t n = std::size_t(count_);
    const double unit = spec_.thickness_unit;
    Kokkos::View<int*, Device> all("multistart::all", n);
    Kokkos::View<double*, Device> objective("multistart::final", n), stationarity("multistart::final_stationarity", n);
    Kokkos::View<double*, Device> gradient("multistart::final_gradient", space_.size());
    Kokkos::parallel_for("dynaopt::nanosphere::iota", Kokkos::RangePolicy<execution_space>(0, count_),
                         KOKKOS_LAMBDA(const int i) { all(i) = i; });
    // As the force pass sees it (the minimised -J), so that the projected gradient is the same.
    model_.band_average(all, count_, matrix(space_.x), unit, -1, spec_.objective, objective, matrix(gradient));
    space_type whole = space_;
    whole.select(all_groups(whole.groups));
    bounds_.stationarity(space_.x, gradient, whole, stationarity);
    const auto j = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), objective);
    const auto g = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), stationarity);
    const auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), space_.x);
    const auto best = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), best_x_);
    for (std::size_t d = 0; d < n; ++d) {
      StartRecord& r = records[d];
      r.objective = -j(d);
      r.stationarity = std::sqrt(g(d)) / unit;
      r.best_objective = std::max(visited_[d], r.objective);
      r.thickness.clear();
      r.best_thickness.clear();
      for (std::size_t l = 0; l < std::size_t(layers_); ++l) {
        const std::size_t i = d * std::size_t(layers_) + l;
        r.thickness.push_back(unit * x(i));
        r.best_thickness.push_back(unit * (visited_[d] > r.objective ? best(i) : x(i)));
      }
    }
    return records;
  }

 private:
  // Every rank's records to rank 0, as rows of doubles: start, rank, steps, status, objective,
  // stationarity, best objective, thicknesses, best thicknesses.
  std::vector<StartRecord> gather(const std::vector<StartRecord>& local) const {
    const std::size_t layers = std::size_t(layers_), width = 7 + 2 * layers;
    std::vector<double> rows;
    for (const StartRecord& r : local) {
      rows.insert(rows.end(), {double(r.start), double(r.rank), double(r.steps), double(int(r.status)), r.objective,
                               r.stationarity, r.best_objective});
      rows.insert(rows.end(), r.thickness.begin(), r.thickness.end());
      rows.insert(rows.end(), r.best_thickness.begin(), r.best_thickness.end());
    }
    const std::vector<double> all = comm_.allgather(rows);
    std::vector<StartRecord> records;
    if (!comm_.is_root()) return records;
    for (std::size_t i = 0; i + width <= all.size(); i += width) {
      StartRecord r;
      r.start = long(all[i]), r.rank = int(all[i + 1]), r.steps = long(all[i + 2]);
      r.status = StartRecord::Status(int(all[i + 3]));
      r.objective = all[i + 4], r.stationarity = all[i + 5], r.best_objective = all[i + 6];
      const auto t = all.begin() + long(i + 7);
      r.thickness.assign(t, t + long(layers));
      r.best_thickness.assign(t + long(layers), t + long(2 * layers));
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
  Bounds<double, Device> bounds_;  // every design in {t >= t_min, sum t <= R_max}, in its coordinates

  // The run's state, step by step.
  long running_ = 0;                     // active starts on all ranks
  std::vector<int> active_;              // this rank's active designs
  Kokkos::View<int*, Device> designs_;   // the designs the passes cover, on the device
  Kokkos::View<double*, Device> objective_, stationarity_;  // per design: -J and |G|^2
  typename Kokkos::View<double*, Device>::HostMirror objective_host_, stationarity_host_;
  Kokkos::View<double*, Device> best_x_;  // the best evaluation point each design visited
  Kokkos::View<int*, Device> improved_;   // the designs whose best point moves this step
  typename Kokkos::View<int*, Device>::HostMirror improved_host_;
  std::vector<StartRecord> records_;
  std::vector<double> current_, best_, minimised_;  // J now, best J (the stall rule's), the minimised -J
  std::vector<double> visited_;          // the best J each design visited
  std::vector<long> improved_at_;        // the last step that raised the best J
  // The step's diagnostics, over all ranks.
  std::size_t sum_slot_ = 0, top_slot_ = 0;
  double objective_sum_ = 0, top_ = -HUGE_VAL, local_top_ = -HUGE_VAL, best_kinetic_ = 0;
};

}  // namespace dynaopt
