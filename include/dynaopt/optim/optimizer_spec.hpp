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

// The registry of optimizers: every `optimizer.type` is one entry, read by --help, the deck
// reader and (through its settings type, optimizer_for) the factory.
struct OptimizerType {
  const char* name;
  const char* summary;                               // --help's line: what it is, its keys
  OptimizerSettings (*read)(const DeckSection& section);  // its keys of the `optimizer` section
};
const std::vector<OptimizerType>& optimizer_types();

// Reads and validates the `optimizer` section (every key, range and type).
OptimizerSpec read_optimizer(const DeckSection& section);

}  // namespace dynaopt
