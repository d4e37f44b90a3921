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
// Two strategies fill the batch. multistart: `starts` uniform starts, once. mlsl: rounds (mlsl.hpp):
// each draws Sobol samples, evaluates them in one batched pass (each rank a block, one allgather),
// and places local searches only at the promising ones, round-robin over the ranks' slots; when a
// round's searches have all ended, the stopping rule decides between the next round and the end.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/memory_estimate.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/result_yaml.hpp"
#include "dynaopt/core/nonfinite_guard.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/problems/nanosphere/absorption_model.hpp"
#include "dynaopt/problems/nanosphere/mlsl.hpp"
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
  using typename Problem<double, Device>::optimizer_type;
  using Matrix = Kokkos::View<double**, Kokkos::LayoutRight, Device, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  using ConstMatrix = Kokkos::View<const double**, Kokkos::LayoutRight, Device, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

  MultiStartDesign(const NanosphereSpec& spec, const Comm& comm, long run_steps = LONG_MAX)
      : spec_(spec),
        comm_(comm),
        model_(spec),
        layers_(int(spec.layers.size())),
        mlsl_(spec.strategy == NanosphereSpec::Strategy::mlsl),
        sequence_(layers_, spec.min_thickness, spec.max_radius, spec.seed),
        search_steps_(mlsl_ && spec.mlsl.search_steps > 0 ? spec.mlsl.search_steps : run_steps) {
    model_.require_orders(spec.max_radius, "problem.bounds.max_radius");
    const double unit = spec.thickness_unit;
    if (mlsl_) {  // slots for a round's searches, dealt round-robin
      const long capacity = spec.mlsl.round_capacity();
      count_ = int((capacity + comm.size() - 1) / comm.size());
    } else {
      const auto [first, last] = comm.block(std::size_t(spec.starts));
      first_ = long(first);
      count_ = int(last - first);
    }
    GroupTable table;
    for (int d = 0; d < count_; ++d)
      table.add((mlsl_ ? "slot " : "start ") + std::to_string(first_ + d), std::size_t(layers_));
    space_ = space_type(std::move(table));
    GroupBounds design_set;
    design_set.lower = spec.min_thickness / unit;
    design_set.max_sum = spec.max_radius / unit;
    bounds_ = Bounds<double, Device>(space_.groups, std::vector<GroupBounds>(std::size_t(count_), design_set),
                                     "problem.bounds");
    auto x = Kokkos::create_mirror_view(space_.x);
    for (int d = 0; d < count_; ++d) {
      const long start = first_ + d;
      // An MLSL slot holds the design set's centroid until a round places a search in it.
      const std::vector<double> t =
          mlsl_ ? std::vector<double>(std::size_t(layers_),
                                      spec.min_thickness + (spec.max_radius - layers_ * spec.min_thickness) / (layers_ + 1))
          : start == 0 && !spec.thickness.empty()
              ? spec.thickness
              : uniform_design(spec.seed, start, layers_, spec.min_thickness, spec.max_radius);
      for (int l = 0; l < layers_; ++l) x(std::size_t(d * layers_ + l)) = t[std::size_t(l)] / unit;
    }
    Kokkos::deep_copy(space_.x, x);
    best_x_ = Kokkos::View<double*, Device>("multistart::best_x", space_.size());
    Kokkos::deep_copy(best_x_, space_.x);

    const std::size_t n = std::size_t(count_);
    running_ = batch_size_ = mlsl_ ? 0 : spec.starts;
    objective_ = Kokkos::View<double*, Device>("multistart::objective", n);
    designs_ = Kokkos::View<int*, Device>("multistart::designs", n);
    improved_ = Kokkos::View<int*, Device>("multistart::improved", n);
    improved_host_ = Kokkos::create_mirror_view(improved_);
    objective_host_ = Kokkos::create_mirror_view(objective_);
    stationarity_ = Kokkos::View<double*, Device>("multistart::stationarity", n);
    stationarity_host_ = Kokkos::create_mirror_view(stationarity_);
    if (!mlsl_)
      for (int d = 0; d < count_; ++d) active_.push_back(d);
    publish(active_);
    records_.resize(n);
    for (int d = 0; d < count_; ++d)
      records_[std::size_t(d)].start = mlsl_ ? -1 : first_ + d, records_[std::size_t(d)].rank = comm.rank();
    current_.assign(n, mlsl_ ? -HUGE_VAL : 0.0), best_.assign(n, -HUGE_VAL), minimised_.assign(n, 0.0);
    improved_at_.assign(n, 0), launched_.assign(n, 0), visited_.assign(n, -HUGE_VAL);
    started_clock_ = Clock::now();
  }

  // --- The memory of a run on rank `rank` of `ranks`, before anything is built
  // (memory_estimate.hpp). The designs of this rank, as a space of one group each:
  static SpaceShape shape(const NanosphereSpec& spec, int ranks, int rank) {
    const bool mlsl = spec.strategy == NanosphereSpec::Strategy::mlsl;
    const auto p = std::size_t(ranks), r = std::size_t(rank);
    const std::size_t total = mlsl ? std::size_t(spec.mlsl.round_capacity()) : std::size_t(spec.starts);
    const double designs = mlsl ? double((total + p - 1) / p) : double(total / p + (r < total % p ? 1 : 0));
    return {designs * double(spec.layers.size()), designs,
            mlsl ? "problem.mlsl.searches_per_round" : "problem.starts",
            std::to_string(total) + (mlsl ? " searches per round" : " starts")};
  }
  // Besides x, g and the optimizer's state (the run's terms): each design's records and tables,
  // MLSL's samples of all rounds, and at the end every start's record gathered to every rank.
  static void add_memory(MemoryEstimate& m, const NanosphereSpec& spec, int ranks, int rank) {
    const SpaceShape space = shape(spec, ranks, rank);
    const bool mlsl = spec.strategy == NanosphereSpec::Strategy::mlsl;
    const double designs = space.groups, layers = double(spec.layers.size());
    // A std::vector<double> of the layers on the heap: glibc's chunk (8 bytes of header, 16-byte
    // multiples, 32 at least).
    const double thickness = std::max(32.0, double((std::size_t(8 * layers) + 8 + 15) / 16 * 16));
    const double record = sizeof(StartRecord) + 2 * thickness;
    m.add({"per design: the best point, objective, stationarity and the bounds on the device", space.key, space.size,
           designs * (8 * layers + 2 * 8 + 2 * sizeof(int) + sizeof(GroupBounds) + 2 * sizeof(std::size_t) + 16 +
                      sizeof(int) + sizeof(Chunk))});
    m.add({"per design: its group, record and step bookkeeping on the host", space.key, space.size,
           designs * (sizeof(Group) + sizeof(GroupBounds) + sizeof(StartRecord) + 6 * 8 + 3 * sizeof(int)), false});
    if (mlsl) {
      const double rounds = double(spec.mlsl.max_rounds), points = rounds * double(spec.mlsl.samples);
      m.add({"MLSL's samples and searches of every round", "problem.mlsl.stop.rounds",
             std::to_string(spec.mlsl.max_rounds) + " rounds",
             points * (sizeof(DesignPoint) + thickness) + rounds * double(spec.mlsl.round_capacity()) * record, false});
      return;
    }
    // At the end: this rank's records completed, every rank's as rows of doubles (on every rank),
    // and all of them as records on rank 0.
    const double width = 9 + 2 * layers, starts = double(spec.starts);
    m.add({"the start records gathered at the end", "problem.starts", space.size,
           designs * (record + 8 * width) + starts * 8 * width + (rank == 0 ? starts * record : 0), false, true});
  }

  long local_starts() const { return count_; }
  // Every start's record, on rank 0 (ordered by start; nothing elsewhere), after the run.
  // Collective. MLSL: every local search of every round, on every rank.
  std::vector<StartRecord> records() {
    if (!mlsl_) {
      work_.bookkeeping += spec_.starts;  // the records pass evaluates every start
      return gather(finish(records_), false);
    }
    close_round();
    return searches_;
  }
  // MLSL: every sample so far (all rounds, on every rank), and the run's work.
  const std::vector<DesignPoint>& samples() const { return samples_; }
  const DesignWork& work() const { return work_; }
  // MLSL: why the run stopped ("" while it goes on; expected_optima, rounds, evaluations).
  const std::string& stop_reason() const { return stop_; }
  const Bounds<double, Device>* bounds() const override { return &bounds_; }

  // --- The integrator's hooks.
  std::string name() const override { return "nanosphere"; }
  space_type& space() override { return space_; }
  std::string banner() const override {
    const std::string batch =
        mlsl_ ? "MLSL rounds of " + std::to_string(spec_.mlsl.samples) + " samples and up to " +
                    std::to_string(spec_.mlsl.round_capacity()) + " local searches"
              : std::to_string(spec_.starts) + " starts";
    return "nanosphere: " + batch + " of " + std::to_string(layers_) + " layers over " + std::to_string(comm_.size()) +
           " rank(s), " + std::to_string(model_.wavelength_count()) + " wavelengths";
  }
  bool independent_groups() const override { return true; }
  std::vector<int> active_groups() const override { return active_; }
  void select(const std::vector<int>& designs) override { publish(designs); }
  // MLSL: a round placed at the end of the last step starts from rest (the optimizer as
  // built), and the first round is placed before the first step.
  void begin_step(optimizer_type& optimizer, long step) override {
    if (mlsl_ && round_ == 0) place_round(step - 1);
    if (!restart_pending_) return;
    optimizer.start_over(space_);
    restart_pending_ = false;
  }

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
    evaluated_ = long(active_.size());
    model_.band_average(designs_, int(active_.size()), matrix(point), unit, -1, spec_.objective, objective_,
                        matrix(space_.g));
    bounds_.stationarity(point, space_.g, space_, stationarity_);
    Kokkos::deep_copy(objective_host_, objective_);
    Kokkos::deep_copy(stationarity_host_, stationarity_);
    std::vector<int> still_active, improved;
    for (int d : active_) {
      const auto k = std::size_t(d);
      StartRecord& r = records_[k];
      r.steps = step - launched_[k];
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
        if (current_[k] > best_[k] + spec_.stall_tolerance * std::fabs(best_[k]) || r.steps == 1)
          best_[k] = std::max(best_[k], current_[k]), improved_at_[k] = step;
        if (step - improved_at_[k] >= spec_.stall_steps) {
          r.status = StartRecord::Status::stalled;
          continue;
        }
      }
      if (r.steps >= search_steps_) continue;  // an MLSL search's own limit: max_steps
      still_active.push_back(d);
    }
    keep_best(point, improved);
    if (still_active.size() != active_.size()) {
      active_ = std::move(still_active);
      publish(active_);
    }
    return Forces{0.0, minimised_};
  }

  // The step's slots: the sum of every start's J, the active starts, the designs evaluated,
  // the best J.
  bool reduce_every_step() const override { return true; }
  void contribute(Reduction& r) override {
    double sum = 0, top = -HUGE_VAL;
    for (std::size_t k = 0; k < current_.size(); ++k)
      if (std::isfinite(current_[k])) sum += current_[k], top = std::max(top, current_[k]);
    local_top_ = top;
    sum_slot_ = r.sum(sum);
    r.sum(double(active_.size()));
    r.sum(double(evaluated_));
    top_slot_ = r.max(top);
  }
  // Multi-start ends when no start is active; MLSL then closes the round and either places the
  // next one or stops (the rule, a budget).
  bool settle(const Reduction& r, const StepRecord& record) override {
    objective_sum_ = r.sum_at(sum_slot_);
    running_ = long(r.sum_at(sum_slot_ + 1));
    work_.local_searches += long(r.sum_at(sum_slot_ + 2));
    top_ = r.max_at(top_slot_);
    work_.observe(top_);
    top_ = std::max(top_, ended_best_);  // MLSL: the best of every round so far
    if (running_ > 0 && !(mlsl_ && over_budget())) return false;
    if (!mlsl_) return true;
    if (running_ > 0) {  // the budget is spent inside a round: its searches end where they are (max_steps)
      active_.clear();
      publish(active_);
      running_ = 0;
      stop_ = "evaluations";
    }
    close_round();
    while (!stop_due())
      if (place_round(record.step) > 0) return false;
    return true;
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
           ",best_kinetic_energy,best_total_energy,kinetic_energy,total_energy,skipped,seconds";
  }
  void history_row(std::ostream& out, const StepRecord& r) override {
    out << r.step << ',' << exact(top_) << ',' << exact(mean()) << ',' << running_ << ',' << exact(best_kinetic_)
        << ',' << exact(best_kinetic_ - top_) << ',' << exact(r.total.kinetic_energy) << ','
        << exact(r.total.kinetic_energy - objective_sum_) << ',' << r.skipped_steps << ',' << clock_text(r.seconds) << '\n';
  }
  void log_line(std::ostream& out, const StepRecord& r, const RunSpec&) override {
    char line[160];
    std::snprintf(line, sizeof line, "step %7ld  best %.9e  mean %.6e  active %ld/%ld", r.step, top_, mean(),
                  running_, batch_size_);
    // A batch of starts ends when its last active start does: at the rate starts have left it
    // so far, if that is sooner than the steps left (MLSL: the rounds to come are not known).
    double eta = r.eta_seconds;
    if (!mlsl_ && running_ < batch_size_ && r.seconds > 0)
      eta = std::min(eta, double(running_) * r.seconds / double(batch_size_ - running_));
    out << line << progress(r, eta, r.step_seconds) << std::endl;
  }

  // starts.csv (MLSL: searches.csv, samples.csv, rounds.csv), the best design's spectrum.csv,
  // and result.yaml's counts, best design, distinct optima (converged starts only) and work.
  std::string finish(const StepRecord&, RunOutput& output, YAML::Emitter& out) override {
    const std::vector<StartRecord> all = records();
    std::string header = mlsl_ ? "search,round,sample,rank,steps,status,objective" : "start,rank,steps,status,objective";
    for (int l = 1; l <= layers_; ++l) header += ",t" + std::to_string(l);
    header += ",stationarity,best_objective";
    for (int l = 1; l <= layers_; ++l) header += ",best_t" + std::to_string(l);
    if (std::ostream* starts = output.file(mlsl_ ? "searches.csv" : "starts.csv", header))
      for (const StartRecord& r : all) {
        *starts << r.start << ',';
        if (mlsl_) *starts << r.round << ',' << r.sample << ',';
        *starts << r.rank << ',' << r.steps << ',' << status_name(r.status) << ',' << exact(r.objective);
        for (double t : r.thickness) *starts << ',' << exact(t);
        *starts << ',' << exact(r.stationarity) << ',' << exact(r.best_objective);
        for (double t : r.best_thickness) *starts << ',' << exact(t);
        *starts << '\n';
      }
    if (mlsl_) write_mlsl_files(output);
    if (!comm_.is_root()) return "";
    std::vector<std::vector<double>> spectra = spectra_;  // MLSL: computed as its rounds closed
    if (!mlsl_) {
      spectra.assign(all.size(), {});
      for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].status == StartRecord::Status::converged) spectra[i] = cabs_spectrum(all[i].thickness), ++work_.bookkeeping;
    }
    const std::vector<Optimum> optima = distinct_optima(all, spectra, spec_.distinct);
    long count[4] = {0, 0, 0, 0};
    for (const StartRecord& r : all) ++count[int(r.status)];
    const char* measure = measure_name(spec_.objective);
    out << YAML::Key << "mode" << YAML::Value << "optimize" << YAML::Key << "strategy" << YAML::Value
        << name_of(design_strategies, spec_.strategy) << YAML::Key << "objective_measure" << YAML::Value << measure
        << YAML::Key << (mlsl_ ? "local_searches" : "starts") << YAML::Value << long(all.size())
        << YAML::Key << "stationarity_tolerance" << YAML::Value << YAML::Comment("converged: |G| <= this |J| per nm")
        << exact(spec_.stationarity);
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
    const double final_best = top ? (visited ? top->best_objective : top->objective) : HUGE_VAL;
    const std::string work = write_work(out, final_best, optima.size());
    return summary + "; " + work + std::to_string(optima.size()) + " distinct optima from " +
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
    state.field("multistart.batch_size", batch_size_);
    state.field("work.sampling", work_.sampling);
    state.field("work.local_searches", work_.local_searches);
    state.field("work.bookkeeping", work_.bookkeeping);
    state.field("work.sampling_seconds", work_.sampling_seconds);
    state.sized_field("work.trace_evaluations", work_.trace_evaluations);
    state.sized_field("work.trace_best", work_.trace_best);
    if (mlsl_) archive_rounds(state);
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

  double mean() const { return batch_size_ > 0 ? objective_sum_ / double(batch_size_) : 0.0; }

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
      r.thickness.reserve(std::size_t(layers_)), r.best_thickness.reserve(std::size_t(layers_));
      for (std::size_t l = 0; l < std::size_t(layers_); ++l) {
        const std::size_t i = d * std::size_t(layers_) + l;
        r.thickness.push_back(unit * x(i));
        r.best_thickness.push_back(unit * (visited_[d] > r.objective ? best(i) : x(i)));
      }
    }
    return records;
  }

 private:
  // Records as rows of doubles: start, round, sample, rank, steps, status, objective,
  // stationarity, best objective, thicknesses, best thicknesses.
  std::size_t row_width() const { return 9 + 2 * std::size_t(layers_); }
  void append_rows(const std::vector<StartRecord>& records, std::vector<double>& rows) const {
    rows.reserve(rows.size() + records.size() * row_width());
    for (const StartRecord& r : records) {
      rows.insert(rows.end(), {double(r.start), double(r.round), double(r.sample), double(r.rank), double(r.steps),
                               double(int(r.status)), r.objective, r.stationarity, r.best_objective});
      rows.insert(rows.end(), r.thickness.begin(), r.thickness.end());
      rows.insert(rows.end(), r.best_thickness.begin(), r.best_thickness.end());
    }
  }
  std::vector<StartRecord> from_rows(const std::vector<double>& rows) const {
    const std::size_t layers = std::size_t(layers_), width = row_width();
    std::vector<StartRecord> records;
    records.reserve(rows.size() / width);
    for (std::size_t i = 0; i + width <= rows.size(); i += width) {
      StartRecord r;
      r.start = long(rows[i]), r.round = long(rows[i + 1]), r.sample = long(rows[i + 2]);
      r.rank = int(rows[i + 3]), r.steps = long(rows[i + 4]), r.status = StartRecord::Status(int(rows[i + 5]));
      r.objective = rows[i + 6], r.stationarity = rows[i + 7], r.best_objective = rows[i + 8];
      const auto t = rows.begin() + long(i + 9);
      r.thickness.assign(t, t + long(layers));
      r.best_thickness.assign(t + long(layers), t + long(2 * layers));
      records.push_back(std::move(r));
    }
    return records;
  }
  // Every rank's records to rank 0 (`everywhere`: to every rank), in rank order.
  std::vector<StartRecord> gather(const std::vector<StartRecord>& local, bool everywhere) const {
    std::vector<double> rows;
    append_rows(local, rows);
    const std::vector<double> all = comm_.allgather(rows);
    if (!everywhere && !comm_.is_root()) return {};
    return from_rows(all);
  }

  std::vector<double> cabs_spectrum(const std::vector<double>& thickness) const {
    std::vector<double> cabs;
    for (const nanosphere::SpectrumPoint& p : model_.spectrum(thickness)) cabs.push_back(p.cabs);
    return cabs;
  }

  // --- MLSL rounds (collective, every rank in step).
  using Clock = std::chrono::steady_clock;
  static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

  // The next round: its samples drawn and evaluated (this rank's block in one batched pass, one
  // allgather), then local searches placed at MLSL's picks among all samples so far, search i of
  // the round in slot i / P of rank i % P. Returns the searches placed.
  long place_round(long step) {
    const Clock::time_point begun = Clock::now();
    const MlslSpec& m = spec_.mlsl;
    const double expected_before = expected_optima(optima_found_, trials());
    ++round_;
    const std::vector<std::vector<double>> points = sequence_.draw(long(samples_.size()), m.samples);
    const auto [lo, hi] = comm_.block(std::size_t(m.samples));
    const std::vector<double> objective = comm_.allgather(evaluate(points, lo, hi));
    for (std::size_t i = 0; i < points.size(); ++i) {
      samples_.push_back({points[i], objective[i]});
      started_.push_back(0);
    }
    work_.sampling += m.samples;
    for (double j : objective)
      if (std::isfinite(j)) work_.observe(j);
    const double radius = critical_radius();
    std::vector<DesignPoint> known;
    for (const StartRecord& r : searches_)
      if (r.status == StartRecord::Status::converged) known.push_back({r.thickness, r.objective});
    const std::vector<long> chosen =
        mlsl_starts(samples_, started_, known, m.reduced_fraction, radius, m.round_capacity());

    const auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), space_.x);
    active_.clear();
    for (std::size_t i = 0; i < chosen.size(); ++i) {
      const auto sample = std::size_t(chosen[i]);
      started_[sample] = 1;
      if (long(i) % comm_.size() != comm_.rank()) continue;
      const auto slot = std::size_t(long(i) / comm_.size());
      StartRecord& r = records_[slot];
      r = StartRecord{};
      r.start = long(searches_.size() + i), r.round = round_, r.sample = long(sample), r.rank = comm_.rank();
      current_[slot] = best_[slot] = visited_[slot] = -HUGE_VAL;
      minimised_[slot] = 0, improved_at_[slot] = step, launched_[slot] = step;
      for (std::size_t l = 0; l < std::size_t(layers_); ++l)
        x(slot * std::size_t(layers_) + l) = samples_[sample].thickness[l] / spec_.thickness_unit;
      active_.push_back(int(slot));
    }
    Kokkos::deep_copy(space_.x, x);
    Kokkos::deep_copy(best_x_, space_.x);
    const std::size_t begun_in_all = searches_.size() + chosen.size();
    batch_size_ = running_ = long(chosen.size());
    publish(active_);
    restart_pending_ = open_round_ = !chosen.empty();
    work_.sampling_seconds += seconds_since(begun);

    round_rows_.insert(round_rows_.end(), {double(round_), double(samples_.size()), radius, double(chosen.size()),
                                           double(begun_in_all), double(optima_found_), expected_before,
                                           double(work_.total())});
    if (comm_.is_root()) {
      char line[240];
      std::snprintf(line, sizeof line,
                    "round %ld: %ld samples (%zu in all), r_k %.4g nm, %zu local searches begun (%zu in all); "
                    "%ld optima so far; %ld design-evaluations",
                    round_, m.samples, samples_.size(), radius, chosen.size(), begun_in_all, optima_found_,
                    work_.total());
      std::cout << line << std::endl;
    }
    return long(chosen.size());
  }

  // J at the sample points [lo, hi) of `points`, in one batched pass.
  std::vector<double> evaluate(const std::vector<std::vector<double>>& points, std::size_t lo, std::size_t hi) const {
    const std::vector<std::vector<double>> mine(points.begin() + long(lo), points.begin() + long(hi));
    return model_.evaluate(mine, spec_.objective).objective;
  }

  // The round's searches, all ended (or cut off by run.steps), into the list of every search on
  // every rank, with the spectra of the converged ones; W, the distinct optima, recounted.
  void close_round() {
    if (!open_round_) return;
    std::vector<StartRecord> ended;
    for (StartRecord& r : gather(finish(records_), true))
      if (r.start >= 0) ended.push_back(std::move(r));
    work_.bookkeeping += long(ended.size());  // each search's final design, evaluated for its record
    std::sort(ended.begin(), ended.end(), [](const StartRecord& a, const StartRecord& b) { return a.start < b.start; });
    for (StartRecord& r : ended) {
      const bool converged = r.status == StartRecord::Status::converged;
      spectra_.push_back(converged ? cabs_spectrum(r.thickness) : std::vector<double>{});
      work_.bookkeeping += converged ? 1 : 0;
      searches_.push_back(std::move(r));
    }
    for (StartRecord& r : records_) r.start = -1;
    current_.assign(current_.size(), -HUGE_VAL);
    ended_best_ = best_final(searches_);
    optima_found_ = long(distinct_optima(searches_, spectra_, spec_.distinct).size());
    open_round_ = false;
  }

  // The stopping rule's trials (mlsl.hpp: the reduced sample, its certified share).
  long trials() const {
    long converged = 0;
    for (const StartRecord& r : searches_) converged += r.status == StartRecord::Status::converged;
    return rule_trials(reduced_sample_size(spec_.mlsl.reduced_fraction, long(samples_.size())), converged,
                       long(searches_.size()));
  }

  // r_k for the samples so far.
  double critical_radius() const {
    return critical_distance(layers_, design_set_volume(layers_, spec_.min_thickness, spec_.max_radius),
                             spec_.mlsl.sigma, long(samples_.size()));
  }

  // Boender and Rinnooy Kan's rule, then the budgets.
  bool stop_due() {
    const MlslSpec& m = spec_.mlsl;
    if (!stop_.empty()) return true;
    const double expected = expected_optima(optima_found_, trials());
    if (optima_found_ >= 1 && expected - double(optima_found_) < m.expected_excess) stop_ = "expected_optima";
    else if (round_ >= m.max_rounds) stop_ = "rounds";
    else if (over_budget()) stop_ = "evaluations";
    return !stop_.empty();
  }
  static double best_final(const std::vector<StartRecord>& searches) {
    double best = -HUGE_VAL;
    for (const StartRecord& r : searches)
      if (std::isfinite(r.objective)) best = std::max(best, r.objective);
    return best;
  }
  bool over_budget() const { return spec_.mlsl.max_evaluations > 0 && work_.total() >= spec_.mlsl.max_evaluations; }

  // samples.csv and rounds.csv (rank 0).
  void write_mlsl_files(RunOutput& output) const {
    std::string header = "sample,round,objective";
    for (int l = 1; l <= layers_; ++l) header += ",t" + std::to_string(l);
    if (std::ostream* out = output.file("samples.csv", header + ",started"))
      for (std::size_t i = 0; i < samples_.size(); ++i) {
        *out << i << ',' << 1 + long(i) / spec_.mlsl.samples << ',' << exact(samples_[i].objective);
        for (double t : samples_[i].thickness) *out << ',' << exact(t);
        *out << ',' << int(started_[i]) << '\n';
      }
    const char* columns[] = {"round", "samples", "critical_distance", "searches_begun", "searches", "optima_before",
                             "expected_optima_before", "evaluations"};
    std::string round_header;
    for (const char* c : columns) round_header += (round_header.empty() ? "" : ",") + std::string(c);
    if (std::ostream* out = output.file("rounds.csv", round_header))
      for (std::size_t i = 0; i + 8 <= round_rows_.size(); i += 8) {
        for (std::size_t c = 0; c < 8; ++c)
          *out << (c ? "," : "") << (c == 2 || c == 6 ? exact(round_rows_[i + c]) : std::to_string(long(round_rows_[i + c])));
        *out << '\n';
      }
  }

  // result.yaml's strategy and work keys; returns the summary's part on the work.
  std::string write_work(YAML::Emitter& out, double final_best, std::size_t optima) {
    const double total_seconds = seconds_since(started_clock_);
    const long to_best = std::isfinite(final_best) ? work_.to_reach(final_best, 1e-4) : -1;
    if (mlsl_) {
      if (stop_.empty()) stop_ = "run.steps";
      const MlslSpec& m = spec_.mlsl;
      out << YAML::Key << "mlsl" << YAML::Value << YAML::BeginMap << YAML::Key << "rounds" << YAML::Value << round_
          << YAML::Key << "samples" << YAML::Value << long(samples_.size()) << YAML::Key << "reduced_sample"
          << YAML::Value << reduced_sample_size(m.reduced_fraction, long(samples_.size())) << YAML::Key << "trials"
          << YAML::Value << trials() << YAML::Comment("M: the reduced sample's certified share") << YAML::Key
          << "critical_distance" << YAML::Value << exact(critical_radius()) << YAML::Key << "optima" << YAML::Value
          << long(optima) << YAML::Key << "expected_optima" << YAML::Value
          << exact(expected_optima(long(optima), trials()))
          << YAML::Comment("Boender-Rinnooy Kan: W (M - 1) / (M - W - 2)") << YAML::Key
          << "stop" << YAML::Value << stop_ << YAML::EndMap;
    }
    out << YAML::Key << "evaluations" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "total"
        << YAML::Value << work_.total() << YAML::Key << "sampling" << YAML::Value << work_.sampling << YAML::Key
        << "local_searches" << YAML::Value << work_.local_searches << YAML::Key << "bookkeeping" << YAML::Value
        << work_.bookkeeping << YAML::Key << "to_best" << YAML::Value << to_best << YAML::EndMap
        << YAML::Comment("design-evaluations, one design over the band; to_best: until within 1e-4 of the best");
    out << YAML::Key << "seconds" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "total" << YAML::Value
        << exact(total_seconds) << YAML::Key << "sampling" << YAML::Value << exact(work_.sampling_seconds) << YAML::Key
        << "local_searches" << YAML::Value << exact(total_seconds - work_.sampling_seconds) << YAML::EndMap;
    char seconds[64];
    std::snprintf(seconds, sizeof seconds, " in %.3g s (sampling %.3g s)", total_seconds, work_.sampling_seconds);
    return std::to_string(work_.total()) + " design-evaluations (best within 1e-4 after " + std::to_string(to_best) +
           ")" + seconds + (mlsl_ ? ", " + std::to_string(round_) + " rounds, stop: " + stop_ : std::string()) + "; ";
  }

  void archive_rounds(StateArchive& state) {
    state.field("mlsl.round", round_);
    state.field("mlsl.open_round", open_round_);
    state.field("mlsl.restart_pending", restart_pending_);
    state.field("mlsl.launched", launched_);
    state.sized_field("mlsl.started", started_);
    state.sized_field("mlsl.round_rows", round_rows_);
    state.field("mlsl.stop", stop_);
    std::vector<double> samples, searches;
    for (const DesignPoint& p : samples_) {
      samples.push_back(p.objective);
      samples.insert(samples.end(), p.thickness.begin(), p.thickness.end());
    }
    append_rows(searches_, searches);
    std::vector<std::int64_t> starts;
    for (const StartRecord& r : records_) starts.insert(starts.end(), {r.start, r.round, r.sample});
    state.sized_field("mlsl.samples", samples);
    state.sized_field("mlsl.searches", searches);
    state.field("mlsl.slot_searches", starts);
    if (!state.loading()) return;
    samples_.clear();
    for (std::size_t i = 0; i + 1 + std::size_t(layers_) <= samples.size(); i += 1 + std::size_t(layers_))
      samples_.push_back({std::vector<double>(samples.begin() + long(i) + 1, samples.begin() + long(i) + 1 + layers_),
                          samples[i]});
    searches_ = from_rows(searches);
    ended_best_ = best_final(searches_);
    spectra_.clear();  // recomputed, not counted again
    for (const StartRecord& r : searches_)
      spectra_.push_back(r.status == StartRecord::Status::converged ? cabs_spectrum(r.thickness) : std::vector<double>{});
    optima_found_ = long(distinct_optima(searches_, spectra_, spec_.distinct).size());
    for (std::size_t k = 0; k < records_.size(); ++k)
      records_[k].start = starts[3 * k], records_[k].round = starts[3 * k + 1], records_[k].sample = starts[3 * k + 2];
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
  std::vector<long> launched_;           // the step before a design's first (mlsl: its round's start)
  long evaluated_ = 0;                   // designs the step's force pass evaluated on this rank
  long batch_size_ = 0;                  // starts (mlsl: the round's searches) on all ranks
  DesignWork work_;
  Clock::time_point started_clock_;

  // MLSL's state, the same on every rank but for the slots.
  bool mlsl_ = false;
  DesignSequence sequence_;
  long search_steps_ = LONG_MAX;
  long round_ = 0, optima_found_ = 0;          // optima_found_: W, the distinct optima of searches_
  bool open_round_ = false, restart_pending_ = false;
  double ended_best_ = -HUGE_VAL;             // the best final J of the ended searches
  std::vector<DesignPoint> samples_;
  std::vector<char> started_;
  std::vector<StartRecord> searches_;         // every ended search, in the order begun
  std::vector<std::vector<double>> spectra_;  // their Cabs spectra (converged only)
  std::vector<double> round_rows_;            // rounds.csv
  std::string stop_;
  // The step's diagnostics, over all ranks.
  std::size_t sum_slot_ = 0, top_slot_ = 0;
  double objective_sum_ = 0, top_ = -HUGE_VAL, local_top_ = -HUGE_VAL, best_kinetic_ = 0;
};

}  // namespace dynaopt
