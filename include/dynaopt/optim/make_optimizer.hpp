#pragma once
// Builds the optimizer an OptimizerSpec describes, for one scalar type and device.
#include <memory>
#include <type_traits>

#include "dynaopt/optim/optimizer_spec.hpp"

namespace dynaopt {

template <class Scalar, class Device>
std::unique_ptr<Optimizer<Scalar, Device>> make_optimizer(const OptimizerSpec& spec,
                                                           const ParameterSpace<Scalar, Device>& space) {
  return std::visit(
      [&](const auto& settings) -> std::unique_ptr<Optimizer<Scalar, Device>> {
        using S = std::decay_t<decltype(settings)>;
        if constexpr (std::is_same<S, SgdSettings>::value)
          return std::make_unique<Sgd<Scalar, Device>>(space, settings);
        else if constexpr (std::is_same<S, AdamSettings>::value)
          return std::make_unique<Adam<Scalar, Device>>(space, settings);
        else if constexpr (std::is_same<S, DynaSettings>::value)
          return std::make_unique<Dyna<Scalar, Device>>(space, settings);
        else if constexpr (std::is_same<S, DynaPrototypeSettings>::value)
          return std::make_unique<DynaPrototype<Scalar, Device>>(space, settings);
        else
          return std::make_unique<NonlinearMomentum<Scalar, Device>>(space, settings);
      },
      spec.settings);
}

}  // namespace dynaopt
