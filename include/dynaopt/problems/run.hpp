#pragma once
// A whole run of a deck's job on a problem: the optimizer from the registry, the run's files,
// checkpoints and restarts around the integrator, and result.yaml. Every problem that takes
// steps runs through here.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "dynaopt/core/checkpoint.hpp"
#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/memory_estimate.hpp"
#include "dynaopt/core/profiling.hpp"
#include "dynaopt/core/run_output.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/core/timing.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/integrator.hpp"
#include "dynaopt/problems/problem_spec.hpp"

namespace dynaopt {

// How a run ended: its whole schedule (or converged, or the problem was done), or stopped
// early by a signal or run.wall_time with a checkpoint to go on from (exit status 3).
enum class RunStatus { done, interrupted };

// Problems of at most this many groups write groups.csv.
inline constexpr int max_listed_groups = 16;

// Everything a deck asks for, validated.
struct Job {
  std::string problem_type;  // the registry's name of `problem`
  ProblemSpec problem;
  OptimizerSpec optimizer;
  RunSpec run;
  OutputSpec output;
  std::uint64_t deck_hash = 0;  // what a checkpoint must have been written by
  std::string restart;          // --restart: a checkpoint file or directory
  // --check: build everything a run builds before its first step (so make every check it
  // makes), then stop, writing nothing.
  bool dry_run = false;
};

// The memory every stepping run holds besides its problem's own data, on one rank: x, g and the
// optimizer's state (one term: they grow together with space.key), a copy of x where a
// certified point is kept, the integrator's and the optimizer's per-group records, and a
// checkpoint's staging. A checkpoint archives x and the optimizer's state (`all_parameters`:
// their elements summed over the ranks; `extra`: a rank's further bytes); rank 0 gathers every
// rank's section and encodes the file in one buffer, and reading one back holds the file and
// its sections.
inline void add_stepping_memory(MemoryEstimate& m, const Job& job, const SpaceShape& space, double all_parameters,
                                int ranks, bool root, double extra = 0) {
  const double scalar = job.run.precision == "float" ? 4 : 8;
  const StateArrays state = state_arrays(job.optimizer);
  m.add({"x, g" + (state.count > 0 ? " and " + state.what : std::string()), space.key, space.size,
         (2 + state.count) * space.parameters * scalar});
  if (job.run.gradient_tolerance > 0)
    m.add({"the certified point (a copy of x)", space.key, space.size, space.parameters * scalar});
  const double per_group = 3 * sizeof(GroupStatistics) + 2 * sizeof(double) + state.per_group;
  m.add({"per group: statistics, the optimizer's coefficients", space.key, space.size, space.groups * per_group, false});
  if (job.run.checkpoint.every == 0 && job.restart.empty()) return;
  const double archived = (1 + state.count) * space.parameters * scalar + extra;
  const double archived_all = (1 + state.count) * all_parameters * scalar + extra * ranks;
  // The archive, a std::string, grows by doubling: up to twice its size is touched meanwhile.
  m.add({"checkpoint staging (the archive; rank 0: every rank's section and the file)", space.key, space.size,
         2 * archived + (root ? 2 * archived_all : 0), false, true});
}

// Opens result.yaml's mapping with the keys every result starts with; finish_run closes it.
// `interruption`: what stopped the run at `step` ("" for a run that is done).
inline void begin_result(YAML::Emitter& result, const std::string& problem, const Job& job, const Comm& comm,
                         const std::string& interruption = "", long step = 0) {
  result << YAML::BeginMap << YAML::Key << "problem" << YAML::Value << problem << YAML::Key << "optimizer" << YAML::Value
         << (job.optimizer.type.empty() ? std::string("none") : job.optimizer.type) << YAML::Key << "precision"
         << YAML::Value << job.run.precision << YAML::Key << "ranks" << YAML::Value << comm.size() << YAML::Key
         << "status" << YAML::Value << (interruption.empty() ? "done" : "interrupted");
  if (!interruption.empty())
    result << YAML::Key << "stopped_by" << YAML::Value << interruption << YAML::Key << "step" << YAML::Value << step;
}

// result.yaml and the run's other files, written atomically by rank 0, and the closing line
// (of a run stopped by `interruption`: where its checkpoints are, to go on from).
inline void finish_run(RunOutput& output, YAML::Emitter& result, const std::string& summary, const Comm& comm,
                       const std::string& interruption = "", const std::string& checkpoints = "") {
  result << YAML::EndMap;
  output.finish(std::string(result.c_str()) + "\n");
  if (!comm.is_root()) return;
  if (interruption.empty()) std::cout << "done: ";
  else std::cout << "interrupted (" << interruption << "): ";
  std::cout << summary << ", output in " << output.directory() << "/";
  if (!interruption.empty()) std::cout << "; go on with --restart " << checkpoints;
  std::cout << std::endl;
}

// Runs `problem` to the end of the job's schedule (from a checkpoint when job.restart names
// one), or until a stop (checkpointed; the outputs say `status: interrupted`); a dry run stops
// once the optimizer is built. Collective; exceptions as the integrator raises them.
template <class Scalar, class Device>
RunStatus run_problem(Problem<Scalar, Device>& problem, const Job& job, const Comm& comm) {
  const auto optimizer = on_all_ranks(comm, [&] { return make_optimizer(job.optimizer, problem.space()); });
  if (job.dry_run) return RunStatus::done;
  if (comm.is_root() && !problem.banner().empty()) std::cout << problem.banner() << std::endl;
  RunOutput output(comm, job.output.directory);
  std::ostream* history = output.file("history.csv", problem.history_header());
  Integrator<Scalar, Device> integrator(problem, *optimizer, job.run, comm);
  integrator.output(history, output.log());
  // The groups of a network (at most max_listed_groups layers) each get their rows; the designs
  // of a batch are in the problem's own files.
  if (!problem.independent_groups() && problem.space().group_count() <= max_listed_groups)
    integrator.group_output(output.file("groups.csv", integrator.group_header()));

  const CheckpointIdentity identity{problem.name(), job.optimizer.type, job.run.precision,
                                    comm.size(),    job.deck_hash,      integrator.schedule().cycle};
  const Checkpoints checkpoints(comm, job.run.checkpoint, identity, output.log());
  const auto state = [&](StateArchive& a) {
    output.archive(a);
    integrator.archive(a);
  };
  if (!job.restart.empty()) checkpoints.restore(job.restart, state);
  integrator.checkpoint([&](long cycles, long step, bool ends_cycle) { checkpoints.save(cycles, step, ends_cycle, state); });

  const StepRecord& record = integrator.run();
  YAML::Emitter result;
  begin_result(result, problem.name(), job, comm, integrator.interruption(), record.step);
  const Region region("dynaopt::finish");
  const std::string summary = problem.finish(record, output, result);
  report_timing(integrator.times(), integrator.seconds(), comm, output.log(), result);
  finish_run(output, result, summary, comm, integrator.interruption(), job.run.checkpoint.directory);
  return integrator.interruption().empty() ? RunStatus::done : RunStatus::interrupted;
}

}  // namespace dynaopt
