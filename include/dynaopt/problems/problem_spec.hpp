#pragma once
// What the `problem` section of a deck asks for, validated.
#include <string>
#include <variant>
#include <vector>

#include "dynaopt/core/deck.hpp"
#include "dynaopt/problems/mnist/mnist_spec.hpp"
#include "dynaopt/problems/nanosphere/nanosphere_spec.hpp"
#include "dynaopt/problems/rosenbrock.hpp"

namespace dynaopt {

using ProblemSpec = std::variant<RosenbrockSpec, MnistSpec, NanosphereSpec>;

const std::vector<TypeSummary>& problem_kinds();
ProblemSpec read_problem(const DeckSection& section);

}  // namespace dynaopt
