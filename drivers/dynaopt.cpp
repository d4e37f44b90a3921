// dynaopt: runs one YAML input deck.
//   mpirun -n P dynaopt deck.yaml [--kokkos-...]     run it
//   mpirun -n P dynaopt deck.yaml --restart PATH     go on from a checkpoint (file or directory)
//   dynaopt --check deck.yaml                        validate it, run nothing
//   dynaopt --help                                   problem and optimizer types
// Exit status: 0 done, 1 bad deck or configuration, 2 the run failed, 3 stopped early by
// SIGTERM, SIGINT, SIGUSR2 or run.wall_time (checkpointed: --restart goes on); SIGUSR1 writes a
// checkpoint and the run goes on (signals.hpp). Every rank exits with the same status: a deck is
// read on rank 0, broadcast, and parsed identically everywhere. The driver knows no problem's
// insides: the registries build and run everything.
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/deck.hpp"
#include "dynaopt/core/memory_estimate.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/core/signals.hpp"
#include "dynaopt/core/timing.hpp"
#include "dynaopt/optim/optimizer_spec.hpp"
#include "dynaopt/problems/registry.hpp"
#include "dynaopt/problems/run.hpp"

namespace {

using namespace dynaopt;

struct Options {
  bool help = false;
  bool kokkos_help = false;
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
    else if (a == "--kokkos-help") o.kokkos_help = true;
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
         "       dynaopt --help               this text; --kokkos-help for Kokkos' own options\n\n"
         "A deck has the sections problem, optimizer, run and output.\n\nproblem.type:\n";
  for (const auto& t : problem_types()) out << "  " << t.name << "\n      " << t.summary << "\n";
  out << "\noptimizer.type:\n";
  for (const auto& t : optimizer_types()) out << "  " << t.name << "\n      " << t.summary << "\n";
  out << "\nrun: mode (optimize|evaluate, nanosphere), steps, precision (double|float), log_every, history_every,\n"
         "     gradient_tolerance, on_nonfinite (skip|restart|abort), max_consecutive_skips,\n"
         "     checkpoint {every, keep, directory}, memory_check (refuse|warn), wall_time (HH:MM:SS);\n"
         "     a key the problem does not use is an error\n"
         "output: directory (gets history.csv and result.yaml; nanosphere also starts.csv or spectrum.csv)\n\n"
         "exit status: 0 done, 1 bad deck, 2 the run failed, 3 stopped by SIGTERM, SIGINT, SIGUSR2 or\n"
         "run.wall_time (a checkpoint written: --restart goes on); SIGUSR1 writes a checkpoint and the run\n"
         "goes on\n";
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
  const auto report = [&](const std::exception& e) {
    if (comm.is_root()) std::cerr << "dynaopt: error: " << e.what() << std::endl;
  };
  try {
    // Rank 0 reads the file (on_all_ranks: every rank gets its error); everyone parses the same
    // text, so everyone agrees on the deck's errors.
    const std::string text =
        on_all_ranks(comm, [&] { return comm.is_root() ? read_deck_file(options.deck) : std::string(); });
    const Deck deck(comm.broadcast(text), options.deck);
    job = read_job(deck);
    // The directories the run will write, checked on every rank before any work (a rank may
    // see another file system); the first rank's reason ends them all with exit status 1.
    on_all_ranks(comm, [&] { return check_output_directories(deck.root(), job.run, job.output), 0; });
    job.restart = options.restart;
    if (!job.restart.empty() && job.run.mode == RunSpec::Mode::evaluate)
      throw DeckError(options.deck + ": --restart: run.mode evaluate takes no steps, so there is nothing to resume");
    if (comm.is_root()) std::cout << "# deck " << options.deck << " with defaults:\n" << deck.echo() << "\n" << std::endl;
    // What the run will hold, from the deck alone, against what each node and device has free:
    // a run that cannot fit ends here, before its first allocation.
    const ProblemType& type = problem_type(job.problem_type);
    on_all_ranks(comm, [&] { return type.memory(job, comm.size(), comm.rank()), 0; });  // data files' errors
    on_all_ranks(comm, [&] {
      check_memory(
          deck.root(), [&](int rank) { return type.memory(job, comm.size(), rank); }, host_available_memory(),
          device_available_memory(), device_id(), job.run.memory_warn_only, comm, std::cout);
      return 0;
    });
  } catch (const DeckError& e) {
    return report(e), 1;
  } catch (const std::invalid_argument& e) {  // an error on_all_ranks agreed on
    return report(e), 1;
  }
  job.dry_run = options.check;
  try {
    const RunStatus status = problem_type(job.problem_type).run(job, comm);
    if (options.check && comm.is_root())
      std::cout << options.deck << ": deck is valid (problem and optimizer built on " << comm.size() << " rank(s))"
                << std::endl;
    return status == RunStatus::interrupted ? 3 : 0;
  } catch (const std::invalid_argument& e) {
    // Configuration errors, raised on all ranks together.
    return report(e), 1;
  } catch (const CollectiveError& e) {
    return report(e), 2;
  } catch (const std::exception& e) {
    // A failure during the run may be on one rank only: end them all.
    comm.abort(std::string("run failed: ") + e.what(), 2);
  }
}

}  // namespace

int main(int argc, char* argv[]) {
  process_seconds();  // run.wall_time counts from here
  MPI_Init(&argc, &argv);
  install_signal_handlers();
  int status = 0;
  {
    const Options options = parse_options(argc, argv);
    // Kokkos sees its own flags only: given --help it would print its options before ours.
    std::vector<char*> kokkos_args{argv[0]};
    for (int i = 1; i < argc; ++i)
      if (std::string(argv[i]).rfind("--kokkos-", 0) == 0) kokkos_args.push_back(argv[i]);
    int kokkos_argc = int(kokkos_args.size());
    Kokkos::ScopeGuard kokkos(kokkos_argc, kokkos_args.data());
    if (!options.kokkos_help) status = run(options);  // --kokkos-help: Kokkos has printed its options
  }
  MPI_Finalize();
  return status;
}
