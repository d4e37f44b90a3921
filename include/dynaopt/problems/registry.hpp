#pragma once
// The registry of problems: every `problem.type` is one entry (name, --help's summary, the
// reader of its section, the checks across sections a run makes before its first step, and the
// run). --help, --check, the deck reader and the driver read this table and nothing else, so a
// name cannot reach a default branch. Adding a problem: its header, its spec reader, one entry.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/deck.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/problems/mnist/trainer.hpp"
#include "dynaopt/problems/nanosphere/evaluate.hpp"
#include "dynaopt/problems/nanosphere/multistart.hpp"
#include "dynaopt/problems/problem_spec.hpp"
#include "dynaopt/problems/rosenbrock.hpp"
#include "dynaopt/problems/run.hpp"

namespace dynaopt {

struct ProblemType {
  const char* name;
  const char* summary;
  ProblemSpec (*read)(const DeckSection& problem);
  // Everything that can be checked before a View exists or a step is taken, against the
  // deck's other sections: keys that do not apply, combinations that cannot run. Throws
  // DeckError naming the file, line and key. --check makes these checks too.
  void (*check)(const DeckSection& root, const Job& job);
  // The whole run on the default device (collective): done, or interrupted by a signal or the
  // wall time (checkpointed, outputs written). Configuration errors found on the way raise
  // std::invalid_argument on every rank.
  RunStatus (*run)(const Job& job, const Comm& comm);
  // What the run will hold on rank `rank` of `ranks`, from the deck (and data files' headers)
  // alone: nothing is built. The driver checks it against the memory available.
  MemoryEstimate (*memory)(const Job& job, int ranks, int rank);
};

namespace registry {

using Device = Kokkos::DefaultExecutionSpace::device_type;

// Any of `keys` present in `section` is an error saying why it does not apply.
inline void refuse(const DeckSection& section, const std::vector<std::string>& keys, const std::string& why) {
  for (const std::string& key : keys)
    if (section.has(key)) section.fail(key, "does not apply to " + why);
}

// The checks every stepping problem shares: run.mode is the nanosphere's, and the optimizer's
// state can be sharded only where every rank holds all the parameters.
inline void check_stepping(const DeckSection& root, const std::string& problem, bool shardable) {
  refuse(root.optional_section("run"), {"mode"}, "problem " + problem + ", which only optimizes");
  if (!shardable)
    refuse(root.section("optimizer"), {"sharded"},
           "problem " + problem + ", whose parameters are already split over the ranks (nothing is replicated)");
}

template <template <class> class Build>
RunStatus with_precision(const Job& job, const Comm& comm) {
  return job.run.precision == "float" ? Build<float>::run(job, comm) : Build<double>::run(job, comm);
}

template <class Scalar>
struct RunRosenbrock {
  static RunStatus run(const Job& job, const Comm& comm) {
    const auto& spec = std::get<RosenbrockSpec>(job.problem);
    const auto problem = on_all_ranks(comm, [&] { return std::make_unique<Rosenbrock<Scalar, Device>>(spec, comm); });
    return run_problem(*problem, job, comm);
  }
};

template <class Scalar>
struct RunMnist {
  static RunStatus run(const Job& job, const Comm& comm) {
    const auto& spec = std::get<MnistSpec>(job.problem);
    const auto problem = on_all_ranks(
        comm, [&] { return std::make_unique<MnistTrainer<Scalar, Device>>(spec, job.optimizer.sharded, comm); });
    return run_problem(*problem, job, comm);
  }
};

inline double scalar_bytes(const Job& job) { return job.run.precision == "float" ? 4 : 8; }

inline MemoryEstimate rosenbrock_memory(const Job& job, int ranks, int rank) {
  using Problem = Rosenbrock<double, Device>;
  const auto& spec = std::get<RosenbrockSpec>(job.problem);
  MemoryEstimate m;
  Problem::add_memory(m, spec);
  add_stepping_memory(m, job, Problem::shape(spec, ranks, rank), double(spec.dimension), ranks, rank == 0);
  return m;
}

inline MemoryEstimate mnist_memory(const Job& job, int ranks, int rank) {
  using Problem = MnistTrainer<double, Device>;
  const auto& spec = std::get<MnistSpec>(job.problem);
  const bool sharded = job.optimizer.sharded && ranks > 1;
  MemoryEstimate m;
  Problem::add_memory(m, spec, sharded, scalar_bytes(job), ranks);
  const SpaceShape space = Problem::shape(spec, sharded, ranks, rank);
  // Every rank archives its copy of the parameters (sharded: its block, and all of x).
  const double parameters = double(Problem::sizes(spec, ranks).parameters);
  add_stepping_memory(m, job, space, sharded ? parameters : parameters * ranks, ranks, rank == 0,
                      sharded ? parameters * scalar_bytes(job) : 0);
  return m;
}

inline MemoryEstimate nanosphere_memory(const Job& job, int ranks, int rank) {
  using Problem = MultiStartDesign<Device>;
  const auto& spec = std::get<NanosphereSpec>(job.problem);
  MemoryEstimate m;
  if (job.run.mode == RunSpec::Mode::evaluate) return m;  // one design
  Problem::add_memory(m, spec, ranks, rank);
  const SpaceShape space = Problem::shape(spec, ranks, rank);
  const bool mlsl = spec.strategy == NanosphereSpec::Strategy::mlsl;  // MLSL: every rank has as many slots
  const double all = mlsl ? space.parameters * ranks : double(spec.starts) * double(spec.layers.size());
  add_stepping_memory(m, job, space, all, ranks, rank == 0);
  return m;
}

inline void check_rosenbrock(const DeckSection& root, const Job&) { check_stepping(root, "rosenbrock", false); }

inline void check_mnist(const DeckSection& root, const Job&) {
  check_stepping(root, "mnist", true);
  const DeckSection run = root.optional_section("run");
  refuse(run, {"steps"}, "problem mnist, which counts problem.epochs");
  refuse(run, {"history_every", "log_every"}, "problem mnist, which writes a history row and a log line per epoch");
  refuse(run, {"gradient_tolerance"},
         "problem mnist, which trains for problem.epochs (a minibatch gradient certifies no stationary point)");
}

// Nanosphere: double precision, the start or design within the bounds, and the physics of the
// deck (every table read and covering the band, enough multipole orders), all before a step.
inline void check_nanosphere(const DeckSection& root, const Job& job) {
  const auto& spec = std::get<NanosphereSpec>(job.problem);
  const DeckSection problem = root.section("problem");
  const DeckSection run = root.optional_section("run");
  const bool evaluate = job.run.mode == RunSpec::Mode::evaluate;
  if (job.run.precision != "double") run.fail("precision", "nanosphere problems run in double precision");
  if (evaluate) {
    const std::string why = "run.mode evaluate, which takes no steps";
    refuse(run, {"steps", "log_every", "history_every", "gradient_tolerance", "on_nonfinite", "max_consecutive_skips",
                 "checkpoint", "wall_time"},
           why);
    refuse(root, {"optimizer"}, why);
    refuse(problem, {"strategy", "mlsl", "starts", "seed", "convergence", "distinct_optima", "thickness_unit", "bounds"},
           why);
    if (spec.thickness.empty()) problem.fail("thickness", "is required when run.mode is evaluate");
  } else {
    refuse(run, {"gradient_tolerance"}, "problem nanosphere, whose starts converge by problem.convergence");
    refuse(root.section("optimizer"), {"sharded"},
           "problem nanosphere, whose designs are already split over the ranks (nothing is replicated)");
    if (!spec.thickness.empty()) {
      double radius = 0;
      for (double t : spec.thickness) radius += t;
      const double thinnest = *std::min_element(spec.thickness.begin(), spec.thickness.end());
      if (thinnest < spec.min_thickness || radius > spec.max_radius)
        problem.fail("thickness", "start 0 must satisfy the bounds (every layer >= " + exact(spec.min_thickness) +
                                      " nm, outer radius " + exact(radius) + " <= " + exact(spec.max_radius) + " nm)");
    }
  }
  // The model reads every table and indexes every layer at every wavelength of the band.
  std::unique_ptr<nanosphere::AbsorptionModel<Device>> model;
  const std::string band = spec.wavelengths.empty() ? "band" : "wavelengths";
  try {
    model = std::make_unique<nanosphere::AbsorptionModel<Device>>(spec);
  } catch (const nanosphere::OutsideTable& e) {
    problem.has(band) ? problem.fail(band, e.what()) : problem.fail("layers", e.what() + std::string(" (the default band)"));
  } catch (const std::invalid_argument& e) {
    problem.fail("layers", e.what());
  }
  try {
    double radius = 0;
    for (double t : spec.thickness) radius += t;
    model->require_orders(evaluate ? radius : spec.max_radius, "");
  } catch (const std::invalid_argument& e) {
    if (evaluate) problem.fail("thickness", e.what());
    const DeckSection bounds = problem.optional_section("bounds");
    bounds.has("max_radius") ? bounds.fail("max_radius", e.what()) : problem.fail("bounds", e.what());
  }
}

inline RunStatus run_nanosphere(const Job& job, const Comm& comm) {
  const auto& spec = std::get<NanosphereSpec>(job.problem);
  if (job.run.mode == RunSpec::Mode::evaluate) return nanosphere::evaluate_design<Device>(spec, job, comm), RunStatus::done;
  const auto problem = on_all_ranks(comm, [&] { return std::make_unique<MultiStartDesign<Device>>(spec, comm, job.run.steps); });
  return run_problem(*problem, job, comm);
}

}  // namespace registry

inline const std::vector<ProblemType>& problem_types() {
  using S = const DeckSection&;
  static const std::vector<ProblemType> types = {
      {"rosenbrock",
       "paper 001 eq. 51 in d dimensions: dimension, x0 (d numbers, or one for all),\n"
       "      bounds {lower, upper, max_sum (one rank)}",
       [](S s) -> ProblemSpec { return read_rosenbrock(s); }, registry::check_rosenbrock,
       registry::with_precision<registry::RunRosenbrock>, registry::rosenbrock_memory},
      {"mnist",
       "data-parallel training on MNIST IDX files: data (or train_images, ...), hidden, validation,\n"
       "      train_limit, batches_per_epoch or batch_size, epochs, l2, bias_init, gradient (sum|mean), seed",
       [](S s) -> ProblemSpec { return read_mnist(s); }, registry::check_mnist,
       registry::with_precision<registry::RunMnist>, registry::mnist_memory},
      {"nanosphere",
       "multi-start design of multilayer spheres for band-averaged absorption (paper 001 Sec. 4.2):\n"
       "      host_index, layers, thickness, band {from, to, samples, rule} or wavelengths,\n"
       "      bounds {min_thickness, max_radius}, starts, seed, objective (cabs|qabs|cabs_per_volume),\n"
       "      thickness_unit, convergence {stationarity, relative_change, steps},\n"
       "      distinct_optima {objective, spectrum}, strategy (multistart|mlsl),\n"
       "      mlsl {samples_per_round, reduced_fraction, sigma, searches_per_round, search_steps,\n"
       "      stop {expected_excess, rounds, evaluations}}",
       [](S s) -> ProblemSpec { return read_nanosphere(s); }, registry::check_nanosphere, registry::run_nanosphere,
       registry::nanosphere_memory},
  };
  return types;
}

inline const ProblemType& problem_type(const std::string& name) { return type_named(problem_types(), name); }

// Reads the `problem` section: its type from the registry, then that entry's reader.
inline ProblemSpec read_problem(const DeckSection& section) {
  return problem_type(section.choice("type", names_of(problem_types()))).read(section);
}

// The deck's problem and optimizer sections with their defaults, less what only sets the run's
// length (problem.epochs; run.steps is outside them): a run may be resumed to go on longer.
inline std::uint64_t deck_hash(const Deck& deck) {
  YAML::Node echo = YAML::Load(deck.echo());
  YAML::Node problem = echo["problem"];
  problem.remove("epochs");
  return fnv1a(YAML::Dump(problem) + "\n" + YAML::Dump(echo["optimizer"]));
}

// Every section of `deck` read and checked, with the problem's own checks across them (what
// --check does). Throws DeckError naming the file, line and key.
inline Job read_job(const Deck& deck) {
  const DeckSection root = deck.root();
  Job job;
  const DeckSection problem = root.section("problem");
  job.problem = read_problem(problem);
  job.problem_type = problem.string("type");
  job.output = read_output(root.optional_section("output"));
  job.run = read_run(root.optional_section("run"), job.output.directory);
  // Evaluating a design takes no steps, so it needs no optimizer.
  if (job.run.mode != RunSpec::Mode::evaluate) job.optimizer = read_optimizer(root.section("optimizer"));
  problem_type(job.problem_type).check(root, job);
  root.finish();
  job.deck_hash = deck_hash(deck);
  return job;
}

}  // namespace dynaopt
