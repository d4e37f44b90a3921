#pragma once
// The prototype of Dyna (paper 000, Sec. 4.3, eq. 21): Adam with its last five lines replaced,
// beta2 reused as the damping ratio zeta. With the paper's slip corrected (beta1 m_{t-1}):
//   v_t  = beta1 v_{t-1} + (1 - beta1) |g|
//   vh_t = sqrt(v_t / (1 - beta1^t)) + eps
//   m_t  = beta1 m_{t-1} + (1 - beta1)/(2 zeta) g / vh_t
//   theta -= lr (m_t / (1 - beta1^t)) / vh_t
#include <cmath>

#include "dynaopt/core/compat.hpp"
#include "dynaopt/optim/fused_apply.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/optim/prebuilt.hpp"

namespace dynaopt {

struct DynaPrototypeSettings {
  double lr = 2.0 / 784.0;
  double beta1 = 0.9;
  double damping_ratio = 0.999;
  double eps = 1e-8;
};

template <class Scalar>
struct DynaPrototypeCoefficients {
  Scalar beta1, one_minus_beta1, force_scale, inverse_weight, eps, lr;
};

template <class Scalar, class Device>
struct DynaPrototypeUpdate {
  using scalar_type = Scalar;
  using coefficients = DynaPrototypeCoefficients<Scalar>;
  Kokkos::View<Scalar*, Device> x, frequency_sq, momentum;
  Kokkos::View<const Scalar*, Device> g;
  coefficients c;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int) const { return c; }

  template <class Statistics>
  KOKKOS_INLINE_FUNCTION void operator()(const coefficients& k, std::size_t i, Statistics& stats) const {
    // Every load before the first store, as in DynaUpdate (dyna.hpp says why).
    const Scalar gi = g(i), xi = x(i), frequency_sq_i = frequency_sq(i), momentum_i = momentum(i);
    const Scalar v = k.beta1 * frequency_sq_i + k.one_minus_beta1 * math::abs(gi);
    const Scalar v_hat = math::sqrt(v * k.inverse_weight) + k.eps;
    const Scalar m = k.beta1 * momentum_i + k.force_scale * gi / v_hat;
    const Scalar m_hat = m * k.inverse_weight;
    frequency_sq(i) = v;
    momentum(i) = m;
    const Scalar moved = xi - k.lr * m_hat / v_hat;
    x(i) = moved;
    stats.add_gradient(gi);
    stats.add_step(moved - xi);
    stats.observe_frequency(v_hat);
    stats.add_velocity(m_hat);
  }
};

// How a prototype step moves x, for the constraint pass: by -lr m_hat / vh, so -m is the
// velocity and lr / (1 - beta1^t) / vh its step size.
template <class Scalar, class Device>
struct DynaPrototypeMotion {
  using coefficients = DynaPrototypeCoefficients<Scalar>;
  static constexpr bool has_velocity = true;
  Kokkos::View<const Scalar*, Device> frequency_sq;
  Kokkos::View<Scalar*, Device> momentum;
  coefficients c;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int) const { return c; }
  KOKKOS_INLINE_FUNCTION Scalar step_size(const coefficients& k, std::size_t i) const {
    return k.lr * k.inverse_weight / (math::sqrt(frequency_sq(i) * k.inverse_weight) + k.eps);
  }
  KOKKOS_INLINE_FUNCTION Scalar velocity(const coefficients&, std::size_t i) const { return -momentum(i); }
  KOKKOS_INLINE_FUNCTION void set_velocity(const coefficients&, std::size_t i, Scalar w) const { momentum(i) = -w; }
};

template <class Scalar, class Device>
class DynaPrototype : public Optimizer<Scalar, Device> {
 public:
  using typename Optimizer<Scalar, Device>::space_type;

  DynaPrototype(const space_type& space, DynaPrototypeSettings settings)
      : Optimizer<Scalar, Device>(space, /*restart_clock=*/true),
        settings_(settings),
        frequency_sq_(this->state_array("dyna_prototype.v", space.size())),
        momentum_(this->state_array("dyna_prototype.m", space.size())) {}

  const char* name() const override { return "DynaPrototype"; }

 protected:
  void advance(space_type& space, const Objectives&, const StatisticsView<Device>& statistics) override {
    const long t = ++this->steps_;
    const double b1 = settings_.beta1;
    DynaPrototypeCoefficients<Scalar>& c = coefficients_;
    c.beta1 = Scalar(b1);
    c.one_minus_beta1 = Scalar(1 - b1);
    c.force_scale = Scalar((1 - b1) / (2 * settings_.damping_ratio));
    c.inverse_weight = Scalar(1 / (1 - std::pow(b1, double(t))));
    c.eps = Scalar(settings_.eps);
    c.lr = Scalar(settings_.lr);
    fused_apply("dynaopt::dyna_prototype", space.chunks,
                DynaPrototypeUpdate<Scalar, Device>{space.x, frequency_sq_, momentum_, space.g, c},
                statistics, space.instance);
  }

 public:

  void constrain(space_type& space, const Bounds<Scalar, Device>& bounds) override {
    bounds.constrain(space, DynaPrototypeMotion<Scalar, Device>{frequency_sq_, momentum_, coefficients_});
  }

 private:
  DynaPrototypeSettings settings_;
  Kokkos::View<Scalar*, Device> frequency_sq_, momentum_;
  DynaPrototypeCoefficients<Scalar> coefficients_{};  // the last step's
};

template <>
struct optimizer_for<DynaPrototypeSettings> {
  static StateArrays state(const DynaPrototypeSettings&) { return {2, "the prototype's squared frequencies and momenta"}; }
  template <class Scalar, class Device>
  using type = DynaPrototype<Scalar, Device>;
};

DYNAOPT_PREBUILT(DynaPrototype)

}  // namespace dynaopt
