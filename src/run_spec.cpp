#include "dynaopt/core/run_spec.hpp"

#include <string>

#include "dynaopt/core/output.hpp"

namespace dynaopt {

double parse_wall_time(const std::string& text) {
  const std::size_t n = text.size();
  if (n < 8 || n > 14 || text[n - 3] != ':' || text[n - 6] != ':') return -1;
  for (std::size_t i = 0; i < n; ++i)
    if (i != n - 3 && i != n - 6 && (text[i] < '0' || text[i] > '9')) return -1;
  const double hours = std::stod(text.substr(0, n - 6));
  const int minutes = std::stoi(text.substr(n - 5, 2)), seconds = std::stoi(text.substr(n - 2));
  if (minutes > 59 || seconds > 59) return -1;
  return 3600 * hours + 60.0 * minutes + seconds;
}

RunSpec read_run(const DeckSection& s, const std::string& output_directory) {
  RunSpec r;
  r.mode = s.choice("mode", run_modes, r.mode);
  r.steps = s.integer("steps", r.steps, Range::closed(1, 1e15));
  r.precision = s.choice("precision", {"double", "float"}, r.precision);
  r.log_every = s.integer("log_every", r.log_every, Range::at_least(0));
  r.history_every = s.integer("history_every", r.history_every, Range::at_least(1));
  r.gradient_tolerance = s.number("gradient_tolerance", r.gradient_tolerance, Range::at_least(0));
  r.on_nonfinite = s.choice("on_nonfinite", nonfinite_policies, r.on_nonfinite);
  r.max_consecutive_skips = s.integer("max_consecutive_skips", r.max_consecutive_skips, Range::at_least(0));
  r.memory_warn_only = s.choice("memory_check", {"refuse", "warn"}, "refuse") == "warn";
  if (s.has("wall_time")) {
    r.wall_time = parse_wall_time(s.string("wall_time"));
    if (r.wall_time <= 0) s.fail("wall_time", "expected a positive time limit HH:MM:SS, e.g. 01:30:00");
  }
  const DeckSection c = s.optional_section("checkpoint");
  r.checkpoint.every = c.integer("every", r.checkpoint.every, Range::at_least(0));
  r.checkpoint.keep = c.integer("keep", r.checkpoint.keep, Range::closed(1, 1000));
  r.checkpoint.directory = c.string("directory", output_directory + "/checkpoints");
  if (r.checkpoint.directory.empty()) c.fail("directory", "must not be empty");
  c.finish();
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

void check_output_directories(const DeckSection& root, const RunSpec& run, const OutputSpec& output) {
  if (const std::string why = unusable_directory(output.directory); !why.empty())
    root.optional_section("output").fail("directory", why);
  // A stop (signal, wall time) writes a checkpoint whatever `every` says.
  if (run.mode == RunSpec::Mode::optimize)
    if (const std::string why = unusable_directory(run.checkpoint.directory); !why.empty())
      root.optional_section("run").optional_section("checkpoint").fail("directory", why);
}

}  // namespace dynaopt
