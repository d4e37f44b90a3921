// dynaopt: runs one YAML input deck.
//   mpirun -n P dynaopt deck.yaml [--kokkos-...]     run it
//   mpirun -n P dynaopt deck.yaml --restart PATH     go on from a checkpoint (file or directory)
//   dynaopt --check deck.yaml                        validate it, run nothing
//   dynaopt --help                                   problem and optimizer types
// Exit status: 0 done, 1 bad deck or configuration, 2 the run failed. Every rank exits with the
// same status: a deck is read on rank 0, broadcast, and parsed identically everywhere.
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "dynaopt/core/checkpoint.hpp"
#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/deck.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/gather.hpp"
#include "dynaopt/core/output.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/minimize.hpp"
#include "dynaopt/problems/mnist/trainer.hpp"
#include "dynaopt/problems/nanosphere/multistart.hpp"
#include "dynaopt/problems/problem_spec.hpp"

namespace {

using namespace dynaopt;

struct Options {
  bool help = false;
  bool check = false;
  std::string deck;
  std::string restart;
  std::vector<std::string> unknown;
};

// Our own flags; --kokkos-* flags are left for Kokkos.
Options parse_options(int argc, char* argv[]) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") o.help = true;
    else if (a == "--check") o.check = true;
    else if (a == "--restart" && i + 1 < argc) o.restart = argv[++i];
    else if (a.rfind("--kokkos-", 0) == 0) continue;
    else if (a.rfind("-", 0) == 0 || !o.deck.empty()) o.unknown.push_back(a);
    else o.deck = a;
  }
  return o;
}

void print_help(std::ostream& out) {
  out << "usage: mpirun -n P dynaopt DECK.yaml [--restart CHECKPOINT] [--kokkos-...]\n"
         "       dynaopt --check DECK.yaml    validate the deck and exit\n"
         "       dynaopt --help\n\n"
         "A deck has the sections problem, optimizer, run and output.\n\nproblem.type:\n";
  for (const auto& k : problem_kinds()) out << "  " << k.name << "\n      " << k.summary << "\n";
  out << "\noptimizer.type:\n";
  for (const auto& k : optimizer_kinds()) out << "  " << k.name << "\n      " << k.summary << "\n";
  out << "\nrun: mode (optimize|evaluate), steps, precision (double|float), log_every, history_every,\n"
         "     gradient_tolerance, on_nonfinite (skip|restart|abort), max_consecutive_skips,\n"
         "     checkpoint {every, keep, directory}\n"
         "output: directory (gets history.csv and result.yaml; nanosphere also starts.csv or spectrum.csv)\n";
}

struct Job {
  ProblemSpec problem;
  OptimizerSpec optimizer;
  RunSpec run;
  OutputSpec output;
  std::uint64_t deck_hash = 0;  // what a checkpoint must have been written by
  std::string restart;          // --restart
};

// The deck's problem and optimizer sections with their defaults, less what only sets the run's
// length (problem.epochs; run.steps is outside them): a run may be resumed to go on longer.
std::uint64_t deck_hash(const Deck& deck) {
  YAML::Node echo = YAML::Load(deck.echo());
  YAML::Node problem = echo["problem"];
  problem.remove("epochs");
  return fnv1a(YAML::Dump(problem) + "\n" + YAML::Dump(echo["optimizer"]));
}

Job read_job(const Deck& deck) {
  const DeckSection root = deck.root();
  Job job;
  job.problem = read_problem(root.section("problem"));
  job.output = read_output(root.optional_section("output"));
  job.run = read_run(root.optional_section("run"), job.output.directory);
  const bool evaluate = job.run.mode == RunSpec::Mode::evaluate;
  // Evaluating a design takes no steps, so it needs no optimizer.
  if (!evaluate || root.has("optimizer")) job.optimizer = read_optimizer(root.section("optimizer"));
  root.finish();
  if (const auto* nano = std::get_if<NanosphereSpec>(&job.problem)) {
    const DeckSection problem = root.section("problem");
    if (job.run.precision != "double") root.fail("run", "nanosphere problems run in double precision");
    if (evaluate && nano->thickness.empty()) problem.fail("thickness", "is required when run.mode is evaluate");
    if (!evaluate && !nano->thickness.empty()) {
      double radius = 0;
      for (double t : nano->thickness) radius += t;
      const double thinnest = *std::min_element(nano->thickness.begin(), nano->thickness.end());
      if (thinnest < nano->min_thickness || radius > nano->max_radius)
        problem.fail("thickness", "start 0 must satisfy the bounds (every layer >= " + exact(nano->min_thickness) +
                                      " nm, outer radius " + exact(radius) + " <= " + exact(nano->max_radius) + " nm)");
    }
  } else if (evaluate) {
    root.fail("run", "mode evaluate is for nanosphere problems");
  }
  return job;
}

// Runs `build` on every rank; if it throws anywhere, every rank throws (with the message of
// the lowest failing rank), so no rank goes on into a collective the failed one never joins.
template <class F>
auto on_all_ranks(const Comm& comm, F&& build) -> decltype(build()) {
  std::string error;
  decltype(build()) value{};
  try {
    value = build();
  } catch (const std::exception& e) {
    error = e.what();
  }
  error = comm.first_error(error);
  if (!error.empty()) throw std::invalid_argument(error);
  return value;
}

using Device = Kokkos::DefaultExecutionSpace::device_type;

// The run's files (history.csv and the like), kept on rank 0 until the run has finished and
// then written atomically with result.yaml, so a failed run leaves none of them; what they
// hold so far is part of a checkpoint, so a resumed run writes the same files as one that
// never stopped.
class RunOutput {
 public:
  RunOutput(const Comm& comm, const std::string& directory) : comm_(comm), dir_(directory) {
    if (comm.is_root()) make_directories(dir_);
  }
  // A file of the run with its header line; nullptr on ranks other than 0.
  std::ostream* file(const std::string& name, const char* header) {
    if (!comm_.is_root()) return nullptr;
    files_.push_back({name, std::make_unique<std::ostringstream>()});
    std::ostream& out = *files_.back().text;
    out.precision(17);
    out << header << '\n';
    return &out;
  }
  std::ostream* log() const { return comm_.is_root() ? &std::cout : nullptr; }
  void finish(const std::string& result_yaml) {
    if (!comm_.is_root()) return;
    for (const auto& f : files_) write_file_atomically(dir_ + "/" + f.name, f.text->str());
    write_file_atomically(dir_ + "/result.yaml", result_yaml);
  }
  const std::string& directory() const { return dir_; }

  void archive(StateArchive& state) {
    for (auto& f : files_) {
      std::string text = f.text->str();
      state.field("output." + f.name, text);
      if (state.loading()) f.text->str(""), *f.text << text;
    }
  }

 private:
  struct File {
    std::string name;
    std::unique_ptr<std::ostringstream> text;
  };
  const Comm& comm_;
  std::string dir_;
  std::vector<File> files_;
};

// Restores the run from --restart when one was given and returns the hook that writes its
// checkpoints after each step (or epoch); `loop_state` archives the run's loop.
std::function<void(long)> checkpointing(const char* problem, const char* counter, const Job& job, const Comm& comm,
                                        RunOutput& output, std::function<void(StateArchive&)> loop_state) {
  CheckpointIdentity identity{problem,  job.optimizer.type, job.run.precision, comm.size(),
                              job.deck_hash, counter};
  const auto checkpoints = std::make_shared<Checkpoints>(comm, job.run.checkpoint, identity, output.log());
  const auto state = [&output, loop_state](StateArchive& a) {
    output.archive(a);
    loop_state(a);
  };
  if (!job.restart.empty()) checkpoints->restore(job.restart, state);
  return [checkpoints, state](long n) { checkpoints->save_if_due(n, state); };
}

std::string result_header(const char* problem, const Job& job, const Comm& comm) {
  std::ostringstream out;
  const std::string optimizer = job.optimizer.type.empty() ? "none" : job.optimizer.type;
  out << "problem: " << problem << "\noptimizer: " << optimizer << "\nprecision: " << job.run.precision
      << "\nranks: " << comm.size() << "\n";
  return out.str();
}

long total_restarts(const std::vector<long>& restarts) {
  long total = 0;
  for (long r : restarts) total += r;
  return total;
}

template <class Scalar>
int run_problem(const RosenbrockSpec& spec, const Job& job, const Comm& comm) {
  const auto problem = on_all_ranks(comm, [&] { return std::make_unique<Rosenbrock<Scalar, Device>>(spec, comm); });
  auto space = problem->make_space();
  const auto optimizer = on_all_ranks(comm, [&] { return make_optimizer(job.optimizer, space); });

  RunOutput output(comm, job.output.directory);
  std::ostream* history = output.file("history.csv", history_header());
  Minimization<Scalar, Device> loop(*problem, *optimizer, space, job.run, comm);
  const auto checkpoint =
      checkpointing("rosenbrock", "step", job, comm, output, [&](StateArchive& a) { loop.archive(a); });
  const MinimizeResult result = loop.run(history, output.log(), checkpoint);
  const std::vector<double> x = gather_parameters(comm, space);
  std::ostringstream out;
  out << result_header("rosenbrock", job, comm) << "steps: " << result.steps
      << "\nconverged: " << (result.converged ? "true" : "false") << "\nskipped: " << result.skipped
      << "\nobjective: " << exact(result.objective)
      << "\ngradient_norm: " << exact(result.gradient_norm) << "\nrestarts: " << total_restarts(optimizer->restarts())
      << "\n";
  if (x.size() <= 1000) {
    out << "x: [";
    for (std::size_t i = 0; i < x.size(); ++i) out << (i ? ", " : "") << exact(x[i]);
    out << "]\n";
  }
  output.finish(out.str());
  if (comm.is_root())
    std::cout << "done: " << result.steps << " steps, objective " << exact(result.objective) << ", output in "
              << output.directory() << "/" << std::endl;
  return 0;
}

template <class Scalar>
int run_problem(const MnistSpec& spec, const Job& job, const Comm& comm) {
  const auto trainer =
      on_all_ranks(comm, [&] { return std::make_unique<MnistTrainer<Scalar, Device>>(spec, job.optimizer, job.run, comm); });
  if (comm.is_root())
    std::cout << "mnist: " << trainer->parameter_count() << " parameters, " << trainer->batches_per_epoch()
              << " batches per epoch, " << comm.size() << " rank(s)" << std::endl;
  RunOutput output(comm, job.output.directory);
  std::ostream* history = output.file("history.csv", training_history_header());
  const auto checkpoint =
      checkpointing("mnist", "epoch", job, comm, output, [&](StateArchive& a) { trainer->archive(a); });
  const TrainingResult result = trainer->train(history, output.log(), checkpoint);
  std::ostringstream out;
  out << result_header("mnist", job, comm) << "epochs: " << result.epochs << "\nobjective: " << exact(result.loss)
      << "\ntrain_accuracy: " << exact(result.train_accuracy)
      << "\nvalidation_accuracy: " << exact(result.validation_accuracy)
      << "\ntest_accuracy: " << exact(result.test_accuracy) << "\nbest_epoch: " << result.best_epoch
      << "\nbest_validation_test_accuracy: " << exact(result.best_validation_test_accuracy)
      << "\nseconds: " << result.seconds << "\n";
  output.finish(out.str());
  if (comm.is_root())
    std::cout << "done: test accuracy " << result.test_accuracy << ", output in " << output.directory() << "/"
              << std::endl;
  return 0;
}

std::string yaml_list(const std::vector<double>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + exact(values[i]);
  return out + "]";
}

// One design's spectrum and band averages (run.mode: evaluate).
int evaluate_design(const NanosphereSpec& spec, const Job& job, const Comm& comm) {
  // The design as given, even outside the optimizer's bounds: the force pass projects onto
  // bounds that never bind.
  NanosphereSpec unbounded = spec;
  unbounded.min_thickness = 0;
  unbounded.max_radius = std::numeric_limits<double>::infinity();
  const auto model = on_all_ranks(comm, [&] {
    auto m = std::make_unique<nanosphere::AbsorptionModel<Device>>(unbounded);
    double radius = 0;
    for (double t : spec.thickness) radius += t;
    m->require_orders(radius, "problem.thickness");
    return m;
  });
  const std::size_t layers = spec.layers.size();
  RunOutput output(comm, job.output.directory);
  std::string header = "wavelength_nm,cabs_nm2,qabs";
  for (std::size_t l = 1; l <= layers; ++l) header += ",dcabs_dt" + std::to_string(l);
  std::ostream* spectrum = output.file("spectrum.csv", header.c_str());
  for (const auto& p : model->spectrum(spec.thickness)) {
    if (!spectrum) break;
    *spectrum << exact(p.wavelength_nm) << ',' << exact(p.cabs) << ',' << exact(p.qabs);
    for (double d : p.dcabs_dt) *spectrum << ',' << exact(d);
    *spectrum << '\n';
  }
  // The band averages through the force pass itself, with the design as a batch of one.
  Kokkos::View<int*, Device> designs("designs", 1);
  Kokkos::View<double**, Kokkos::LayoutRight, Device> design("design", 1, layers), gradient("gradient", 1, layers);
  Kokkos::View<double*, Device> value("value", 1);
  Kokkos::deep_copy(Kokkos::subview(design, 0, Kokkos::ALL),
                    Kokkos::View<const double*, Kokkos::HostSpace>(spec.thickness.data(), layers));
  // Value and gradient of one band average: (J, dJ/dt_1, ..., dJ/dt_L).
  const auto average = [&](nanosphere::AbsorptionMeasure measure) {
    model->band_average(designs, 1, design, 1, 1, measure, value, gradient);
    auto v = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), value);
    auto g = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), gradient);
    std::vector<double> j = {v(0)};
    for (std::size_t l = 0; l < layers; ++l) j.push_back(g(0, l));
    return j;
  };
  const std::vector<double> cabs = average(nanosphere::AbsorptionMeasure::cabs);
  std::ostringstream out;
  out << result_header("nanosphere", job, comm) << "mode: evaluate\nwavelengths: " << model->wavelength_count()
      << "\nthickness: " << yaml_list(spec.thickness) << "\nband_average: " << exact(cabs[0])
      << "\ngradient: " << yaml_list({cabs.begin() + 1, cabs.end()}) << "\n";
  for (const auto measure : {nanosphere::AbsorptionMeasure::qabs, nanosphere::AbsorptionMeasure::cabs_per_volume}) {
    const std::vector<double> j = average(measure);
    out << measure_name(measure) << "_band_average: " << exact(j[0]) << "\n"
        << measure_name(measure) << "_gradient: " << yaml_list({j.begin() + 1, j.end()}) << "\n";
  }
  output.finish(out.str());
  if (comm.is_root())
    std::cout << "done: band-averaged Cabs " << exact(cabs[0]) << " nm^2, output in "
              << output.directory() << "/" << std::endl;
  return 0;
}

// Multi-start design (run.mode: optimize).
int optimize_designs(const NanosphereSpec& spec, const Job& job, const Comm& comm) {
  const auto design =
      on_all_ranks(comm, [&] { return std::make_unique<MultiStartDesign<Device>>(spec, job.optimizer, comm); });
  if (comm.is_root())
    std::cout << "nanosphere: " << spec.starts << " starts of " << spec.layers.size() << " layers over "
              << comm.size() << " rank(s), " << spec.quadrature().wavelengths.size() << " wavelengths" << std::endl;
  RunOutput output(comm, job.output.directory);
  std::ostream* history = output.file("history.csv", multistart_history_header());
  const auto checkpoint =
      checkpointing("nanosphere", "step", job, comm, output, [&](StateArchive& a) { design->archive(a); });
  const std::vector<StartRecord> records = design->run(job.run, history, output.log(), checkpoint);
  std::string header = "start,rank,steps,status,objective";
  for (std::size_t l = 1; l <= spec.layers.size(); ++l) header += ",t" + std::to_string(l);
  if (std::ostream* starts = output.file("starts.csv", header.c_str()))
    for (const StartRecord& r : records) {
      *starts << r.start << ',' << r.rank << ',' << r.steps << ',' << status_name(r.status) << ',' << exact(r.objective);
      for (double t : r.thickness) *starts << ',' << exact(t);
      *starts << '\n';
    }
  const std::vector<Optimum> optima = distinct_optima(records, spec.cluster_distance);
  long converged = 0, failed = 0;
  for (const StartRecord& r : records)
    converged += r.status == StartRecord::Status::converged, failed += r.status == StartRecord::Status::failed;
  std::ostringstream out;
  out << result_header("nanosphere", job, comm) << "mode: optimize\nobjective_measure: " << measure_name(spec.objective)
      << "\nstarts: " << spec.starts << "\nconverged: " << converged << "\nfailed: " << failed << "\n";
  if (!optima.empty())
    out << "best:\n  objective: " << exact(optima[0].objective) << "\n  thickness: " << yaml_list(optima[0].thickness)
        << "\n  start: " << optima[0].start << "\n";
  out << "distinct_optima:  # clustered within " << exact(spec.cluster_distance) << " nm, best first\n";
  for (const Optimum& o : optima)
    out << "  - {objective: " << exact(o.objective) << ", thickness: " << yaml_list(o.thickness)
        << ", start: " << o.start << ", starts: " << o.members << "}\n";
  output.finish(out.str());
  if (comm.is_root() && !optima.empty())
    std::cout << "done: best " << measure_name(spec.objective) << " " << exact(optima[0].objective) << " at "
              << yaml_list(optima[0].thickness) << " nm, " << optima.size() << " distinct optima, output in "
              << output.directory() << "/" << std::endl;
  return 0;
}

template <class Scalar>
int run_problem(const NanosphereSpec& spec, const Job& job, const Comm& comm) {
  // read_job admits double only: the Mie kernel and its designs are double throughout.
  return job.run.mode == RunSpec::Mode::evaluate ? evaluate_design(spec, job, comm)
                                                   : optimize_designs(spec, job, comm);
}

// Configuration errors (std::invalid_argument, raised on all ranks together) exit 1.
template <class Scalar>
int run_job(const Job& job, const Comm& comm) {
  try {
    return std::visit([&](const auto& spec) { return run_problem<Scalar>(spec, job, comm); }, job.problem);
  } catch (const std::invalid_argument& e) {
    if (comm.is_root()) std::cerr << "dynaopt: error: " << e.what() << std::endl;
    return 1;
  }
}

int run(const Options& options) {
  const Comm comm;
  if (options.help) {
    if (comm.is_root()) print_help(std::cout);
    return 0;
  }
  if (!options.unknown.empty() || options.deck.empty()) {
    if (comm.is_root()) {
      std::cerr << "dynaopt: error: "
                << (options.deck.empty() ? "no deck given" : "unexpected argument '" + options.unknown[0] + "'")
                << "\n\n";
      print_help(std::cerr);
    }
    return 1;
  }
  Job job;
  try {
    // Rank 0 reads the file; everyone parses the same text, so everyone agrees on errors.
    std::string text, read_error;
    if (comm.is_root()) {
      std::ifstream in(options.deck, std::ios::binary);
      std::ostringstream buffer;
      buffer << in.rdbuf();
      text = buffer.str();
      if (!in) read_error = options.deck + ": cannot read the deck";
    }
    read_error = comm.first_error(read_error);
    if (!read_error.empty()) throw DeckError(read_error);
    const Deck deck(comm.broadcast(text), options.deck);
    job = read_job(deck);
    job.deck_hash = deck_hash(deck);
    job.restart = options.restart;
    if (!job.restart.empty() && job.run.mode == RunSpec::Mode::evaluate)
      throw DeckError(options.deck + ": --restart: run.mode evaluate takes no steps, so there is nothing to resume");
    if (comm.is_root()) std::cout << "# deck " << options.deck << " with defaults:\n" << deck.echo() << "\n" << std::endl;
  } catch (const DeckError& e) {
    if (comm.is_root()) std::cerr << "dynaopt: error: " << e.what() << std::endl;
    return 1;
  }
  if (options.check) {
    if (comm.is_root()) std::cout << options.deck << ": deck is valid" << std::endl;
    return 0;
  }
  try {
    return job.run.precision == "float" ? run_job<float>(job, comm) : run_job<double>(job, comm);
  } catch (const CollectiveError& e) {
    if (comm.is_root()) std::cerr << "dynaopt: error: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    // A failure during the run may be on one rank only: end them all.
    comm.abort(std::string("run failed: ") + e.what(), 2);
  }
}

}  // namespace

int main(int argc, char* argv[]) {
  MPI_Init(&argc, &argv);
  int status = 0;
  {
    const Options options = parse_options(argc, argv);
    Kokkos::ScopeGuard kokkos(argc, argv);
    status = run(options);
  }
  MPI_Finalize();
  return status;
}
