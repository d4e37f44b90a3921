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

// The readers of each problem's `problem` section (its `type` read already); the registry
// (registry.hpp) names them.
RosenbrockSpec read_rosenbrock(const DeckSection& section);
MnistSpec read_mnist(const DeckSection& section);

}  // namespace dynaopt
