// The nonlinear momentum family in float for dynaopt's own executables (optim/prebuilt.hpp).
#include "dynaopt/optim/nonlinear_momentum.hpp"

namespace dynaopt {
DYNAOPT_PREBUILT_DEVICES(DYNAOPT_INSTANTIATE_TEMPLATE, NonlinearMomentum, float)
}  // namespace dynaopt
