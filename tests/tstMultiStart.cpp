// The multi-start nanosphere design: clustering into distinct optima, the batch run split over
// two ranks against one rank, converged starts left alone, and MLSL's rounds (stopping by itself,
// 1 rank = 2 ranks, the evaluation budget).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/optim/optimizer_spec.hpp"
#include "dynaopt/problems/nanosphere/multistart.hpp"
#include "dynaopt/problems/registry.hpp"
#include "integrate.hpp"

namespace dynaopt::test {
namespace {

using Device = Kokkos::DefaultExecutionSpace::device_type;

// Converged designs of one objective and one spectrum are one optimum whatever their
// thicknesses (a degenerate family spans a range); a different spectrum at the same objective
// is another optimum; designs that are not certified are no optimum at all.
TEST(DistinctOptima, GroupsConvergedDesignsByObjectiveAndSpectrum) {
  using S = StartRecord::Status;
  const auto record = [](long start, S status, double objective, std::vector<double> t) {
    StartRecord r;
    r.start = start, r.status = status, r.objective = objective, r.thickness = std::move(t);
    return r;
  };
  const std::vector<StartRecord> records = {
      record(0, S::converged, 5.0, {10, 20}),      record(1, S::converged, 7.0, {50, 50}),
      record(2, S::converged, 6.99995, {80, 50}),  record(3, S::failed, 9.0, {1, 1}),
      record(4, S::stalled, 8.0, {10, 20.8}),      record(5, S::converged, 7.0, {20, 60}),
      record(6, S::running, 7.5, {30, 30}),        record(7, S::converged, 6.995, {120, 50})};
  const std::vector<double> a = {1.0, 2.0, 3.0}, b = {1.0, 2.0, 3.5};
  std::vector<std::vector<double>> spectra(records.size());
  spectra[0] = {4.0, 5.0, 6.0}, spectra[1] = a, spectra[2] = {1.0005, 2.0, 3.0}, spectra[5] = b;
  spectra[7] = {1.0, 2.0, 3.0};
  const auto optima = distinct_optima(records, spectra, OptimumTolerance{1e-4, 1e-3});
  ASSERT_EQ(optima.size(), 4u);
  EXPECT_EQ(optima[0].start, 1);  // with start 2: 7e-6 apart, spectra 5e-4 apart
  EXPECT_EQ(optima[0].members, 2);
  EXPECT_EQ(optima[0].lowest, (std::vector<double>{50, 50}));
  EXPECT_EQ(optima[0].highest, (std::vector<double>{80, 50}));
  EXPECT_EQ(optima[1].start, 5);  // the same objective as start 1, another spectrum
  EXPECT_EQ(optima[2].start, 7);  // start 1's spectrum, but 7e-4 relative lower
  EXPECT_EQ(optima[2].members, 1);
  EXPECT_EQ(optima[3].start, 0);
  EXPECT_EQ(distinct_optima(records, spectra, OptimumTolerance{1e-3, 1e-3}).size(), 3u);  // 7 joins 1
  EXPECT_EQ(distinct_optima(records, spectra, OptimumTolerance{0, 0}).size(), 5u);
}

NanosphereSpec spec_from(const std::string& problem) {
  return std::get<NanosphereSpec>(read_problem(Deck("problem: " + problem, "test.yaml").root().section("problem")));
}
OptimizerSpec optimizer_from(const std::string& optimizer) {
  return read_optimizer(Deck("optimizer: " + optimizer, "test.yaml").root().section("optimizer"));
}

const std::string three_layers =
    "{type: nanosphere, layers: [silver_drude, silica_malitson, silver_drude], band: {from: 400, to: 800, "
    "samples: 21}, bounds: {min_thickness: 5, max_radius: 150}, starts: 5, seed: 3, objective: qabs, "
    "thickness_unit: 10";

RunSpec steps_of(long steps, NonfinitePolicy policy = NonfinitePolicy::skip, long max_skips = 10) {
  RunSpec run;
  run.steps = steps;
  run.log_every = 0;
  run.on_nonfinite = policy;
  run.max_consecutive_skips = max_skips;
  return run;
}

std::vector<StartRecord> run_design(const NanosphereSpec& spec, const OptimizerSpec& optimizer, const Comm& comm,
                                    long steps) {
  MultiStartDesign<Device> design(spec, comm);
  integrate(design, optimizer, steps_of(steps), comm);
  return design.records();
}

// J of each design (nm) by the model, independently of the batch's passes.
std::vector<double> band_values(const nanosphere::AbsorptionModel<Device>& model, const NanosphereSpec& spec,
                                const std::vector<std::vector<double>>& designs) {
  return model.evaluate(designs, spec.objective).objective;
}

// Each start's path is its own: two ranks reproduce one rank bit for bit, for an optimizer
// with a look-ahead point (Nesterov) and one with per-group restarts (Dyna).
TEST(MultiStart, TwoRanksReproduceOneRank) {
  const Comm world;
  const Comm self(MPI_COMM_SELF);
  for (const std::string optimizer :
       {"{type: nonlinear_nesterov, step: 0.001, friction: 0.1, damping_exponent: 1.95, kinetic_exponent: 1.95}",
        "{type: dyna, gamma: 0.05, restart_on_increase: true}"}) {
    const NanosphereSpec spec = spec_from(three_layers + "}");
    const auto split = run_design(spec, optimizer_from(optimizer), world, 40);
    const auto alone = run_design(spec, optimizer_from(optimizer), self, 40);
    if (!world.is_root()) continue;
    ASSERT_EQ(split.size(), 5u);
    ASSERT_EQ(alone.size(), 5u);
    std::map<int, int> per_rank;
    for (std::size_t s = 0; s < 5; ++s) {
      EXPECT_EQ(split[s].start, long(s));
      EXPECT_EQ(split[s].objective, alone[s].objective) << optimizer << " start " << s;
      EXPECT_EQ(split[s].thickness, alone[s].thickness) << optimizer << " start " << s;
      EXPECT_EQ(split[s].steps, alone[s].steps);
      ++per_rank[split[s].rank];
    }
    EXPECT_EQ(per_rank.size(), std::size_t(world.size()));
  }
}

// Dyna raises every start's band-averaged Qabs; the final objective is the measure at the
// final design, checked against the model evaluated independently.
TEST(MultiStart, ImprovesEveryStart) {
  const Comm self(MPI_COMM_SELF);
  const NanosphereSpec spec = spec_from(three_layers + "}");
  const auto records = run_design(spec, optimizer_from("{type: dyna, gamma: 0.05, restart_on_increase: true}"), self, 60);
  nanosphere::AbsorptionModel<Device> model(spec);
  for (const StartRecord& r : records) {
    const auto jh = band_values(model, spec, {uniform_design(3, r.start, 3, 5, 150), r.thickness});
    EXPECT_GT(jh[1], jh[0]) << "start " << r.start;
    EXPECT_NEAR(r.objective, jh[1], 1e-13 * jh[1]) << "start " << r.start;
    double radius = 0;
    for (double x : r.thickness) EXPECT_GE(x, 5 - 1e-12), radius += x;
    EXPECT_LE(radius, 150 * (1 + 1e-14));
  }
}

// A finished start leaves the batch: running on long after every start has stalled changes
// nothing, and each start stops at the step where its stall window ran out, reported stalled
// (its best objective stopped rising, but it is not certified stationary).
TEST(MultiStart, StalledStartsAreLeftAlone) {
  const Comm self(MPI_COMM_SELF);
  // A relative change of 1 can never be met after the first step: every start stalls at
  // step 1 + 4.
  const NanosphereSpec spec = spec_from(three_layers + ", convergence: {relative_change: 1, steps: 4}}");
  const OptimizerSpec optimizer = optimizer_from("{type: heavy_ball, step: 0.001, friction: 0.1}");
  const auto short_run = run_design(spec, optimizer, self, 5);
  const auto long_run = run_design(spec, optimizer, self, 200);
  for (std::size_t s = 0; s < short_run.size(); ++s) {
    EXPECT_EQ(long_run[s].status, StartRecord::Status::stalled);
    EXPECT_GT(long_run[s].stationarity, spec.stationarity * long_run[s].objective);
    EXPECT_EQ(long_run[s].steps, 5);
    EXPECT_EQ(long_run[s].thickness, short_run[s].thickness);
  }
}

// A batch whose start `bad` sees a non-finite objective at the listed steps (as the
// integrator's policy sees it: after the force pass).
class FaultyStart : public MultiStartDesign<Device> {
 public:
  FaultyStart(const NanosphereSpec& spec, const Comm& comm, long bad, std::set<long> at)
      : MultiStartDesign<Device>(spec, comm), first_(comm.block(std::size_t(spec.starts)).first), bad_(bad), at_(at) {}
  Forces force(const view_type& point, long step) override {
    Forces f = MultiStartDesign<Device>::force(point, step);
    const long local = bad_ - long(first_);
    if (at_.count(step) && local >= 0 && local < local_starts())
      f.group_objective[std::size_t(local)] = std::numeric_limits<double>::quiet_NaN();
    return f;
  }

 private:
  std::size_t first_;
  long bad_;
  std::set<long> at_;
};

// The batch honours run.on_nonfinite like any problem, design by design: a skipped design
// holds still (Nesterov: its path is the clean path with the skipped steps left out) while the
// others go on unchanged; restart brings that design alone to rest; a design non-finite more
// than max_consecutive_skips times in a row retires as failed; abort ends every rank.
TEST(MultiStart, HonoursTheNonFinitePolicyDesignByDesign) {
  const Comm world;
  const NanosphereSpec spec = spec_from(three_layers + ", convergence: {relative_change: 0, steps: 1000}}");
  const OptimizerSpec nesterov = optimizer_from(
      "{type: nonlinear_nesterov, step: 0.001, friction: 0.1, damping_exponent: 1.95, kinetic_exponent: 1.95}");
  const long bad = 3;
  const auto run = [&](std::set<long> at, const RunSpec& r) {
    FaultyStart design(spec, world, bad, std::move(at));
    const StepRecord last = integrate(design, nesterov, r, world);
    return std::make_pair(last, design.records());
  };
  const auto clean = run({}, steps_of(30)).second;
  const auto shorter = run({}, steps_of(27)).second;

  const auto [skip_record, skipped] = run({5, 6, 12}, steps_of(30));
  const auto restarted = run({5}, steps_of(30, NonfinitePolicy::restart)).second;
  const auto [fail_record, retired] = run({3, 4, 5, 6, 7, 8, 9, 10}, steps_of(30, NonfinitePolicy::skip, 4));
  EXPECT_THROW(run({9}, steps_of(30, NonfinitePolicy::abort)), CollectiveError);  // on both ranks
  const auto two_steps = run({}, steps_of(2)).second;
  const OptimizerSpec dyna = optimizer_from("{type: dyna, gamma: 0.05, restart_on_increase: true}");
  const auto run_dyna = [&](std::set<long> at, long steps) {
    FaultyStart design(spec, world, bad, std::move(at));
    integrate(design, dyna, steps_of(steps), world);
    return design.records();
  };
  const auto dyna_clean = run_dyna({}, 30), dyna_shorter = run_dyna({}, 27), dyna_skipped = run_dyna({5, 6, 12}, 30);
  EXPECT_EQ(skip_record.skipped_steps, 3);
  EXPECT_EQ(fail_record.skipped_steps, 4);
  if (!world.is_root()) return;
  for (std::size_t s = 0; s < clean.size(); ++s) {
    if (long(s) == bad) continue;
    EXPECT_EQ(skipped[s].thickness, clean[s].thickness) << s;
    EXPECT_EQ(restarted[s].thickness, clean[s].thickness) << s;
    EXPECT_EQ(retired[s].thickness, clean[s].thickness) << s;
  }
  EXPECT_EQ(skipped[bad].thickness, shorter[bad].thickness);  // bit for bit
  // Dyna too (constant damping: no clock in its step): the skipped design keeps its mu_t and
  // its last objective, so its warm restarts see the same sequence.
  for (const std::vector<double>& t :
       {dyna_skipped[bad].thickness, dyna_shorter[bad].thickness, dyna_clean[bad].thickness})
    EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(dyna_skipped[bad].thickness, dyna_shorter[bad].thickness);
  EXPECT_NE(dyna_skipped[bad].thickness, dyna_clean[bad].thickness);
  for (std::size_t s = 0; s < clean.size(); ++s)
    if (long(s) != bad) EXPECT_EQ(dyna_skipped[s].thickness, dyna_clean[s].thickness) << s;
  EXPECT_EQ(skipped[bad].status, StartRecord::Status::running);
  EXPECT_NE(restarted[bad].thickness, clean[bad].thickness);  // its momentum was zeroed at step 5
  EXPECT_NE(restarted[bad].thickness, skipped[bad].thickness);
  EXPECT_EQ(restarted[bad].status, StartRecord::Status::running);
  // Skipped at steps 3, 4, 5, 6; the fifth in a row (step 7) retires it.
  EXPECT_EQ(retired[bad].status, StartRecord::Status::failed);
  EXPECT_EQ(retired[bad].steps, 7);
  EXPECT_EQ(retired[bad].thickness, two_steps[bad].thickness);
}

// Every history has the Hamiltonian: the batch's kinetic energy is the sum over the designs of
// K*(p) = (1/r) sum |p|^r, recomputed here from the optimizer's own momenta.
TEST(MultiStart, HistoryCarriesTheBatchEnergy) {
  const Comm self(MPI_COMM_SELF);
  const NanosphereSpec spec = spec_from(three_layers + ", convergence: {relative_change: 0, steps: 1000}}");
  const OptimizerSpec heavy_ball = optimizer_from(
      "{type: nonlinear_heavy_ball, step: 0.001, friction: 0.1, damping_exponent: 1.95, kinetic_exponent: 1.8}");
  MultiStartDesign<Device> design(spec, self);
  const auto optimizer = make_optimizer(heavy_ball, design.space());
  Integrator<double, Device> integrator(design, *optimizer, steps_of(12), self);
  std::ostringstream history;
  integrator.output(&history, nullptr);
  const StepRecord last = integrator.run();
  StateArchive state = StateArchive::writer();
  optimizer->archive(state);
  StateArchive read = StateArchive::reader(state.bytes(), "test");
  long steps = 0;
  read.field("optimizer.steps", steps);
  std::vector<double> p(design.space().size());
  read.field("nonlinear_momentum.p", p);
  const double r = 1.8 / 0.8;
  double kinetic = 0;
  for (double pi : p) kinetic += std::pow(std::fabs(pi), r) / r;
  EXPECT_NEAR(last.total.kinetic_energy, kinetic, 1e-12 * kinetic);
  // The last row: kinetic_energy, and total_energy = kinetic - sum of J.
  std::string line, row;
  std::istringstream rows(history.str());
  while (std::getline(rows, line)) row = line;
  std::vector<double> fields;
  std::istringstream cells(row);
  for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(std::stod(cell));
  ASSERT_EQ(fields.size(), 10u);  // ..., skipped, seconds
  EXPECT_EQ(fields[0], 12);
  EXPECT_NEAR(fields[6], kinetic, 1e-12 * kinetic);
  EXPECT_NEAR(fields[7], kinetic - fields[2] * double(spec.starts), 1e-12 * std::fabs(fields[7]));
}

// A silver core in a silica shell, Cabs over nine wavelengths, radius <= 100 nm: its global
// optimum by an exhaustive 0.5 nm lattice over the feasible triangle (it lies on the radius
// face), then a plain multi-start of a momentum, a Hamiltonian and two preconditioned optimizers.
// Each must reach the lattice's optimum to 1e-4, and every optimum it reports must be certified:
// |G| <= 1e-4 |J| per nm, recomputed here by finite differences along the feasible directions.
TEST(MultiStart, ReachesTheLatticeOptimumWithCertifiedOptima) {
  const Comm world;
  const NanosphereSpec spec = spec_from(
      "{type: nanosphere, layers: [silver_drude, silica_malitson], band: {from: 400, to: 800, samples: 9}, "
      "bounds: {min_thickness: 5, max_radius: 100}, starts: 8, seed: 5, objective: cabs, "
      "convergence: {stationarity: 1.0e-4, relative_change: 1.0e-12, steps: 300}}");
  const nanosphere::AbsorptionModel<Device> model(spec);
  const auto band = [&](const std::vector<std::vector<double>>& designs) { return band_values(model, spec, designs); };
  std::vector<std::vector<double>> lattice;
  for (int a = 0; a <= 180; ++a)
    for (int b = 0; a + b <= 180; ++b) lattice.push_back({5 + 0.5 * a, 5 + 0.5 * b});
  const std::vector<double> values = band(lattice);
  const double optimum = *std::max_element(values.begin(), values.end());

  for (const std::string optimizer :
       {"{type: nesterov, step: 5.0e-4, friction: 0.1}", "{type: adam, lr: 0.3}",
        "{type: nonlinear_heavy_ball, step: 5.0e-4, friction: 0.1, damping_exponent: 1.9, kinetic_exponent: 1.9}",
        "{type: dyna, gamma: 0.2, restart_on_increase: true}"}) {
    MultiStartDesign<Device> design(spec, world);
    integrate(design, optimizer_from(optimizer), steps_of(3000), world);
    const std::vector<StartRecord> records = design.records();
    if (!world.is_root()) continue;
    double best = -1;
    long converged = 0;
    for (const StartRecord& r : records) {
      if (r.status != StartRecord::Status::converged) continue;
      ++converged;
      best = std::max(best, r.objective);
      EXPECT_LE(r.stationarity, spec.stationarity * r.objective) << optimizer << " start " << r.start;
      // Finite differences along the feasible directions: each layer where it is above its
      // bound, and along the radius face when the design is on it.
      const double h = 1e-4, radius = r.thickness[0] + r.thickness[1];
      const auto j = band({{r.thickness[0] + h, r.thickness[1]}, {r.thickness[0] - h, r.thickness[1]},
                           {r.thickness[0], r.thickness[1] + h}, {r.thickness[0], r.thickness[1] - h},
                           {r.thickness[0] + h, r.thickness[1] - h}, {r.thickness[0] - h, r.thickness[1] + h}});
      const bool on_face = radius >= spec.max_radius - 1e-6;
      double g_sq = 0;
      if (on_face) {
        const double along = (j[4] - j[5]) / (2 * h) / std::sqrt(2.0);
        if (r.thickness[0] > 5 + 1e-6 && r.thickness[1] > 5 + 1e-6) g_sq = along * along;
      } else {
        for (int l = 0; l < 2; ++l) {
          const double d = (j[2 * l] - j[2 * l + 1]) / (2 * h);
          if (r.thickness[std::size_t(l)] > 5 + 1e-6 || d > 0) g_sq += d * d;
        }
      }
      EXPECT_LE(std::sqrt(g_sq), 1.01 * spec.stationarity * r.objective + 1e-6) << optimizer << " start " << r.start;
    }
    EXPECT_GT(converged, 0) << optimizer;
    EXPECT_GE(best, optimum * (1 - 1e-4)) << optimizer << ": best converged " << best << ", lattice " << optimum;
  }
}

// MLSL on a two-layer Qabs design (Adam local searches): it stops by itself (the Bayesian rule,
// long before its 40 rounds), its best is the exhaustive lattice's optimum, every search began at
// a sample it chose, and its work adds up: the samples of its rounds, and one evaluation per
// step of each search.
const std::string mlsl_deck =
    "{type: nanosphere, layers: [silver_drude, silica_malitson], band: {from: 400, to: 800, samples: 11}, "
    "bounds: {min_thickness: 5, max_radius: 120}, objective: qabs, thickness_unit: 10, seed: 3, strategy: mlsl, "
    "mlsl: {samples_per_round: 16, stop: {rounds: 40}}, convergence: {stationarity: 1.0e-4, relative_change: 1.0e-10, steps: 200}}";

TEST(Mlsl, StopsByItselfAtTheLatticeOptimum) {
  const Comm world;
  const NanosphereSpec spec = spec_from(mlsl_deck);
  MultiStartDesign<Device> design(spec, world, 100000);
  const StepRecord last = integrate(design, optimizer_from("{type: adam, lr: 0.05}"), steps_of(100000), world);
  const std::vector<StartRecord> searches = design.records();
  EXPECT_EQ(design.stop_reason(), "expected_optima");
  EXPECT_LT(last.step, 100000);
  const DesignWork& work = design.work();
  const long rounds = long(design.samples().size()) / spec.mlsl.samples;
  EXPECT_LT(rounds, spec.mlsl.max_rounds);
  EXPECT_EQ(work.sampling, rounds * spec.mlsl.samples);
  long steps = 0, converged = 0;
  double best = -1;
  for (std::size_t i = 0; i < searches.size(); ++i) {
    const StartRecord& r = searches[i];
    EXPECT_EQ(r.start, long(i));
    steps += r.steps;
    if (r.status == StartRecord::Status::converged) ++converged, best = std::max(best, r.objective);
    ASSERT_GE(r.sample, 0);
    ASSERT_LT(r.sample, long(design.samples().size()));
    EXPECT_GE(r.round, 1 + r.sample / spec.mlsl.samples);  // in its sample's round or later (r_k shrinks)
  }
  EXPECT_EQ(work.local_searches, steps);
  EXPECT_GE(converged, 3);
  // The Bayesian rule held when it stopped: W (M - 1)/(M - W - 2) - W < 0.5, M the reduced
  // sample's certified share.
  const NanosphereSpec& s = spec;
  const std::vector<Optimum> optima = [&] {
    std::vector<std::vector<double>> spectra(searches.size());
    const nanosphere::AbsorptionModel<Device> model(s);
    for (std::size_t i = 0; i < searches.size(); ++i)
      if (searches[i].status == StartRecord::Status::converged)
        for (const auto& p : model.spectrum(searches[i].thickness)) spectra[i].push_back(p.cabs);
    return distinct_optima(searches, spectra, s.distinct);
  }();
  const double w = double(optima.size()),
               m = std::floor(std::ceil(0.3 * double(design.samples().size())) * double(converged) / double(searches.size()));
  EXPECT_LT(w * (m - 1) / (m - w - 2) - w, 0.5);
  // The exhaustive 0.5 nm lattice over {t >= 5, t1 + t2 <= 120}.
  const nanosphere::AbsorptionModel<Device> model(spec);
  std::vector<std::vector<double>> lattice;
  for (int a = 0; a <= 220; ++a)
    for (int b = 0; a + b <= 220; ++b) lattice.push_back({5 + 0.5 * a, 5 + 0.5 * b});
  const std::vector<double> values = band_values(model, spec, lattice);
  const double optimum = *std::max_element(values.begin(), values.end());
  EXPECT_GE(best, optimum * (1 - 1e-6)) << "MLSL's best " << best << ", lattice " << optimum;
  EXPECT_LT(work.total(), 5000);
}

// The same samples, searches and optima on one rank and on two.
TEST(Mlsl, TwoRanksReproduceOneRank) {
  const Comm world;
  const Comm self(MPI_COMM_SELF);
  const NanosphereSpec spec = spec_from(mlsl_deck);
  const auto run = [&](const Comm& comm) {
    MultiStartDesign<Device> design(spec, comm, 100000);
    integrate(design, optimizer_from("{type: adam, lr: 0.05}"), steps_of(100000), comm);
    return std::make_tuple(design.records(), design.samples(), design.work().total());
  };
  const auto [split, split_samples, split_work] = run(world);
  const auto [alone, alone_samples, alone_work] = run(self);
  ASSERT_EQ(split_samples.size(), alone_samples.size());
  for (std::size_t i = 0; i < split_samples.size(); ++i) {
    EXPECT_EQ(split_samples[i].objective, alone_samples[i].objective) << "sample " << i;
    EXPECT_EQ(split_samples[i].thickness, alone_samples[i].thickness) << "sample " << i;
  }
  ASSERT_EQ(split.size(), alone.size());
  ASSERT_GE(split.size(), 4u);
  std::set<int> ranks;
  for (std::size_t i = 0; i < split.size(); ++i) {
    EXPECT_EQ(split[i].sample, alone[i].sample) << "search " << i;
    EXPECT_EQ(split[i].steps, alone[i].steps) << "search " << i;
    EXPECT_EQ(split[i].status, alone[i].status) << "search " << i;
    EXPECT_EQ(split[i].objective, alone[i].objective) << "search " << i;
    EXPECT_EQ(split[i].thickness, alone[i].thickness) << "search " << i;
    ranks.insert(split[i].rank);
  }
  EXPECT_EQ(ranks.size(), std::size_t(world.size()));
  EXPECT_EQ(split_work, alone_work);
}

// An evaluation budget ends the run inside a round: the searches still running end where they
// are (max_steps), and the work overshoots the budget by at most one step of the batch and the
// records of the round's searches.
TEST(Mlsl, EndsInsideARoundWhenTheBudgetIsSpent) {
  const Comm world;
  std::string deck = mlsl_deck;
  deck.replace(deck.find("rounds: 40"), 10, "rounds: 40, evaluations: 150");
  const NanosphereSpec spec = spec_from(deck);
  MultiStartDesign<Device> design(spec, world, 100000);
  integrate(design, optimizer_from("{type: heavy_ball, step: 0.05, friction: 0.2}"), steps_of(100000), world);
  const std::vector<StartRecord> searches = design.records();
  EXPECT_EQ(design.stop_reason(), "evaluations");
  const long capacity = spec.mlsl.round_capacity();
  EXPECT_GE(design.work().total(), 150);
  EXPECT_LE(design.work().total(), 150 + capacity + 2 * capacity);
  long cut = 0;
  for (const StartRecord& r : searches) cut += r.status == StartRecord::Status::running;
  EXPECT_GT(cut, 0);  // heavy ball takes hundreds of steps here: the budget cut the first round
}

}  // namespace
}  // namespace dynaopt::test
