#pragma once
// What the `optimizer` section of a deck asks for, validated, before any View exists.
#include <string>
#include <variant>
#include <vector>

#include "dynaopt/core/deck.hpp"
#include "dynaopt/optim/adam.hpp"
#include "dynaopt/optim/dyna.hpp"
#include "dynaopt/optim/dyna_prototype.hpp"
#include "dynaopt/optim/nonlinear_momentum.hpp"
#include "dynaopt/optim/sgd.hpp"

namespace dynaopt {

using OptimizerSettings =
    std::variant<SgdSettings, AdamSettings, DynaSettings, DynaPrototypeSettings, NonlinearMomentumSettings>;

struct OptimizerSpec {
  std::string type;
  OptimizerSettings settings;
  // Data-parallel problems: each rank keeps the optimizer state of one block of the parameters
  // (reduce-scatter of the gradient, local update, allgather of the parameters) instead of all.
  bool sharded = false;
};

// Every `optimizer.type`, with a line for --help.
const std::vector<TypeSummary>& optimizer_kinds();

// Reads and validates the `optimizer` section (every key, range and type).
OptimizerSpec read_optimizer(const DeckSection& section);

}  // namespace dynaopt
