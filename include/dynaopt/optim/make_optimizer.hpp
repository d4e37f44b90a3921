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
        using Settings = std::decay_t<decltype(settings)>;
        using Type = typename optimizer_for<Settings>::template type<Scalar, Device>;
        return std::make_unique<Type>(space, settings);
      },
      spec.settings);
}

// The arrays shaped like x the optimizer of `spec` will keep, known before it is built.
inline StateArrays state_arrays(const OptimizerSpec& spec) {
  return std::visit(
      [](const auto& settings) { return optimizer_for<std::decay_t<decltype(settings)>>::state(settings); },
      spec.settings);
}

}  // namespace dynaopt
