// dynaopt: runs one YAML input deck.
//   mpirun -n P dynaopt deck.yaml [--kokkos-...]     run it
//   dynaopt --check deck.yaml                        validate it, run nothing
//   dynaopt --help                                   problem and optimizer types
// Exit status: 0 done, 1 bad deck or configuration, 2 the run failed. Every rank exits with the
// same status: a deck is read on rank 0, broadcast, and parsed identically everywhere.
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/deck.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/gather.hpp"
#include "dynaopt/core/output.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/minimize.hpp"
#include "dynaopt/problems/mnist/trainer.hpp"
#include "dynaopt/problems/problem_spec.hpp"

namespace {

using namespace dynaopt;

struct Options {
  bool help = false;
  bool check = false;
  std::string deck;
  std::vector<std::string> unknown;
};

// Our own flags; --kokkos-* flags are left for Kokkos.
Options parse_options(int argc, char* argv[]) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") o.help = true;
    else if (a == "--check") o.check = true;
    else if (a.rfind("--kokkos-", 0) == 0) continue;
    else if (a.rfind("-", 0) == 0 || !o.deck.empty()) o.unknown.push_back(a);
    else o.deck = a;
  }
  return o;
}

void print_help(std::ostream& out) {
  out << "usage: mpirun -n P dynaopt DECK.yaml [--kokkos-...]\n"
         "       dynaopt --check DECK.yaml    validate the deck and exit\n"
         "       dynaopt --help\n\n"
         "A deck has the sections problem, optimizer, run and output.\n\nproblem.type:\n";
  for (const auto& k : problem_kinds()) out << "  " << k.name << "\n      " << k.summary << "\n";
  out << "\noptimizer.type:\n";
  for (const auto& k : optimizer_kinds()) out << "  " << k.name << "\n      " << k.summary << "\n";
  out << "\nrun: steps, precision (double|float), log_every, history_every, gradient_tolerance\n"
         "output: directory (gets history.csv and result.yaml)\n";
}

struct Job {
  ProblemSpec problem;
  OptimizerSpec optimizer;
  RunSpec run;
  OutputSpec output;
};

Job read_job(const Deck& deck) {
  const DeckSection root = deck.root();
  Job job{read_problem(root.section("problem")), read_optimizer(root.section("optimizer")),
          read_run(root.optional_section("run")), read_output(root.optional_section("output"))};
  root.finish();
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

// history.csv, streamed on rank 0 under a temporary name; result.yaml; both renamed into place
// only when the run has finished, so a failed run leaves neither.
class RunOutput {
 public:
  RunOutput(const Comm& comm, const std::string& directory, const char* header) : comm_(comm), dir_(directory) {
    if (!comm.is_root()) return;
    make_directories(dir_);
    history_ = std::make_unique<AtomicFile>(dir_ + "/history.csv");
    history_->stream() << header << '\n';
  }
  std::ostream* history() { return history_ ? &history_->stream() : nullptr; }
  std::ostream* log() const { return comm_.is_root() ? &std::cout : nullptr; }
  void finish(const std::string& result_yaml) {
    if (!comm_.is_root()) return;
    history_->commit();
    write_file_atomically(dir_ + "/result.yaml", result_yaml);
  }
  const std::string& directory() const { return dir_; }

 private:
  const Comm& comm_;
  std::string dir_;
  std::unique_ptr<AtomicFile> history_;
};

std::string result_header(const char* problem, const Job& job, const Comm& comm) {
  std::ostringstream out;
  out << "problem: " << problem << "\noptimizer: " << job.optimizer.type << "\nprecision: " << job.run.precision
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

  RunOutput output(comm, job.output.directory, history_header());
  const MinimizeResult result = minimize(*problem, *optimizer, space, job.run, comm, output.history(), output.log());
  const std::vector<double> x = gather_parameters(comm, space);
  std::ostringstream out;
  out << result_header("rosenbrock", job, comm) << "steps: " << result.steps
      << "\nconverged: " << (result.converged ? "true" : "false") << "\nobjective: " << exact(result.objective)
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
      on_all_ranks(comm, [&] { return std::make_unique<MnistTrainer<Scalar, Device>>(spec, job.optimizer, comm); });
  if (comm.is_root())
    std::cout << "mnist: " << trainer->parameter_count() << " parameters, " << trainer->batches_per_epoch()
              << " batches per epoch, " << comm.size() << " rank(s)" << std::endl;
  RunOutput output(comm, job.output.directory, training_history_header());
  const TrainingResult result = trainer->train(output.history(), output.log());
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
