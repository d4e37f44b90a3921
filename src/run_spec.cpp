#include "dynaopt/core/run_spec.hpp"

namespace dynaopt {

RunSpec read_run(const DeckSection& s) {
  RunSpec r;
  r.mode = s.choice("mode", {"optimize", "evaluate"}, "optimize") == "evaluate" ? RunSpec::Mode::evaluate
                                                                                : RunSpec::Mode::optimize;
  r.steps = s.integer("steps", r.steps, Range::at_least(1));
  r.precision = s.choice("precision", {"double", "float"}, r.precision);
  r.log_every = s.integer("log_every", r.log_every, Range::at_least(0));
  r.history_every = s.integer("history_every", r.history_every, Range::at_least(1));
  r.gradient_tolerance = s.number("gradient_tolerance", r.gradient_tolerance, Range::at_least(0));
  s.finish();
  return r;
}

OutputSpec read_output(const DeckSection& s) {
  OutputSpec o;
  o.directory = s.string("directory", o.directory);
  if (o.directory.empty()) s.fail("directory", "must not be empty");
  s.finish();
  return o;
}

}  // namespace dynaopt
