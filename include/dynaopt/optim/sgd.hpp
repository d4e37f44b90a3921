#pragma once
// Plain gradient descent, x <- x - lr g: the baseline every momentum method is measured against.
#include "dynaopt/optim/fused_apply.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/optim/prebuilt.hpp"

namespace dynaopt {

struct SgdSettings {
  double lr = 1e-3;
};

template <class Scalar, class Device>
struct SgdUpdate {
  using scalar_type = Scalar;
  using coefficients = Scalar;  // the learning rate
  Kokkos::View<Scalar*, Device> x;
  Kokkos::View<const Scalar*, Device> g;
  Scalar lr;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int) const { return lr; }

  template <class Statistics>
  KOKKOS_INLINE_FUNCTION void operator()(const coefficients& rate, std::size_t i, Statistics& stats) const {
    const Scalar gi = g(i), xi = x(i);
    const Scalar moved = xi - rate * gi;
    x(i) = moved;
    stats.add_gradient(gi);
    stats.add_step(moved - xi);
  }
};

template <class Scalar, class Device>
class Sgd : public Optimizer<Scalar, Device> {
 public:
  using typename Optimizer<Scalar, Device>::space_type;

  Sgd(const space_type& space, SgdSettings settings) : Optimizer<Scalar, Device>(space), settings_(settings) {}

  const char* name() const override { return "Sgd"; }

 protected:
  void advance(space_type& space, const Objectives&, const StatisticsView<Device>& statistics) override {
    ++this->steps_;
    fused_apply("dynaopt::sgd", space.chunks, SgdUpdate<Scalar, Device>{space.x, space.g, Scalar(settings_.lr)},
                statistics, space.instance);
  }

 private:
  SgdSettings settings_;
};

template <>
struct optimizer_for<SgdSettings> {
  static StateArrays state(const SgdSettings&) { return {0, ""}; }
  template <class Scalar, class Device>
  using type = Sgd<Scalar, Device>;
};

DYNAOPT_PREBUILT(Sgd)

}  // namespace dynaopt
