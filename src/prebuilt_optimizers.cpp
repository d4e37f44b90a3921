// The optimizers of dynaopt's own executables, compiled once (optim/prebuilt.hpp); the nonlinear
// family, the longest to compile, has a file per scalar so that a parallel build splits it.
#include "dynaopt/optim/adam.hpp"
#include "dynaopt/optim/dyna.hpp"
#include "dynaopt/optim/dyna_prototype.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/optim/sgd.hpp"

namespace dynaopt {

DYNAOPT_PREBUILT_PAIRS(DYNAOPT_INSTANTIATE_TEMPLATE, Optimizer)
DYNAOPT_PREBUILT_PAIRS(DYNAOPT_INSTANTIATE_TEMPLATE, Sgd)
DYNAOPT_PREBUILT_PAIRS(DYNAOPT_INSTANTIATE_TEMPLATE, Adam)
DYNAOPT_PREBUILT_PAIRS(DYNAOPT_INSTANTIATE_TEMPLATE, Dyna)
DYNAOPT_PREBUILT_PAIRS(DYNAOPT_INSTANTIATE_TEMPLATE, DynaPrototype)

}  // namespace dynaopt
