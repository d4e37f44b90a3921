#include "dynaopt/problems/problem_spec.hpp"

namespace dynaopt {

const std::vector<TypeSummary>& problem_kinds() {
  static const std::vector<TypeSummary> kinds = {
      {"rosenbrock", "paper 001 eq. 51 in d dimensions: dimension, x0 (d numbers, or one for all)"},
  };
  return kinds;
}

ProblemSpec read_problem(const DeckSection& s) {
  s.choice("type", names_of(problem_kinds()));
  RosenbrockSpec r;
  r.dimension = s.integer("dimension", 2, Range::closed(2, 1e9));
  if (s.is_sequence("x0")) {
    r.x0 = s.numbers("x0");
    if (static_cast<long>(r.x0.size()) != r.dimension)
      s.fail("x0", "has " + std::to_string(r.x0.size()) + " values but dimension is " + std::to_string(r.dimension));
  } else {
    r.x0.assign(static_cast<std::size_t>(r.dimension), s.number("x0", -1.0));
  }
  s.finish();
  return r;
}

}  // namespace dynaopt
