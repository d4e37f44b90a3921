// The optimizers of dynaopt's own executables, compiled once (optim/prebuilt.hpp); the nonlinear
// family, the longest to compile, has a file per scalar so that a parallel build splits it.
#include "dynaopt/optim/adam.hpp"
#include "dynaopt/optim/dyna.hpp"
#include "dynaopt/optim/dyna_prototype.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/optim/sgd.hpp"

namespace dynaopt {

#define DYNAOPT_INSTANTIATE(C) \
  DYNAOPT_PREBUILT_DEVICES(DYNAOPT_INSTANTIATE_TEMPLATE, C, double) \
  DYNAOPT_PREBUILT_DEVICES(DYNAOPT_INSTANTIATE_TEMPLATE, C, float)
DYNAOPT_INSTANTIATE(Optimizer)
DYNAOPT_INSTANTIATE(Sgd)
DYNAOPT_INSTANTIATE(Adam)
DYNAOPT_INSTANTIATE(Dyna)
DYNAOPT_INSTANTIATE(DynaPrototype)

}  // namespace dynaopt
