#pragma once
// The `run` and `output` sections of a deck.
#include <string>

#include "dynaopt/core/deck.hpp"

namespace dynaopt {

// run.checkpoint: a restart dump every `every` steps (MNIST: epochs), the newest `keep` kept.
struct CheckpointSpec {
  long every = 0;         // 0: no checkpoints
  long keep = 2;
  std::string directory;  // default: <output.directory>/checkpoints
};

// What a step whose loss or gradient is not finite on some rank does (every rank agrees).
enum class NonfinitePolicy {
  skip,     // leave parameters and optimizer state as they were, count the step
  restart,  // the same, and bring the optimizer to rest (its momenta zeroed)
  abort     // end the run (exit status 2)
};

inline constexpr Named<NonfinitePolicy> nonfinite_policies[] = {
    {NonfinitePolicy::skip, "skip"}, {NonfinitePolicy::restart, "restart"}, {NonfinitePolicy::abort, "abort"}};

struct RunSpec {
  enum class Mode { optimize, evaluate } mode = Mode::optimize;  // evaluate: one design, no steps (nanosphere)
  long steps = 1000;
  std::string precision = "double";  // or "float"
  long log_every = 100;              // a log line every so many steps (0: none)
  long history_every = 1;            // a history.csv row every so many steps
  double gradient_tolerance = 0;     // stop when |g|_2 <= this (0: run all steps)
  NonfinitePolicy on_nonfinite = NonfinitePolicy::skip;
  long max_consecutive_skips = 10;   // more non-finite steps in a row than this end the run
  CheckpointSpec checkpoint;
  // A run whose memory estimate exceeds what a node or device has free is refused (exit 1)
  // before anything is allocated; warn: the estimate is printed with a warning and the run goes on.
  bool memory_warn_only = false;
  // run.wall_time (HH:MM:SS): the job's time limit in seconds from the process's start, 0 for
  // none. The run stops as on SIGTERM (checkpoint, outputs, exit 3) when the steps it would
  // still take, a checkpoint and the finish would not fit in what is left.
  double wall_time = 0;
};

inline constexpr Named<RunSpec::Mode> run_modes[] = {{RunSpec::Mode::optimize, "optimize"},
                                                     {RunSpec::Mode::evaluate, "evaluate"}};

struct OutputSpec {
  std::string directory = "output";
};

inline const char* policy_name(NonfinitePolicy policy) { return name_of(nonfinite_policies, policy); }

// "HH:MM:SS" (hours any number of digits, minutes and seconds below 60) in seconds; -1 when
// the text is not of that form.
double parse_wall_time(const std::string& text);

// `output_directory` gives the checkpoints' default directory.
RunSpec read_run(const DeckSection& section, const std::string& output_directory);
OutputSpec read_output(const DeckSection& section);

// The directories a run writes (output.directory; run.checkpoint.directory when it writes
// checkpoints) must exist as writable directories or be creatable; a DeckError names the key and
// the reason. Creates nothing (--check makes the same check).
void check_output_directories(const DeckSection& root, const RunSpec& run, const OutputSpec& output);

}  // namespace dynaopt
