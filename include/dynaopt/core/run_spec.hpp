#pragma once
// The `run` and `output` sections of a deck.
#include <string>

#include "dynaopt/core/deck.hpp"

namespace dynaopt {

struct RunSpec {
  enum class Mode { optimize, evaluate } mode = Mode::optimize;  // evaluate: one design, no steps (nanosphere)
  long steps = 1000;
  std::string precision = "double";  // or "float"
  long log_every = 100;              // a log line every so many steps (0: none)
  long history_every = 1;            // a history.csv row every so many steps
  double gradient_tolerance = 0;     // stop when |g|_2 <= this (0: run all steps)
};

struct OutputSpec {
  std::string directory = "output";
};

RunSpec read_run(const DeckSection& section);
OutputSpec read_output(const DeckSection& section);

}  // namespace dynaopt
