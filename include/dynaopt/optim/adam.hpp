#pragma once
// Adam (Kingma & Ba 2014) with bias correction; weight decay either as an L2 term added to the
// gradient or decoupled from it (AdamW, Loshchilov & Hutter 2019).
#include <cmath>

#include "dynaopt/core/compat.hpp"
#include "dynaopt/optim/fused_apply.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/optim/prebuilt.hpp"

namespace dynaopt {

struct AdamSettings {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool decoupled = false;
};

template <class Scalar>
struct AdamCoefficients {
  Scalar beta1, one_minus_beta1, beta2, one_minus_beta2;
  Scalar first_correction, second_correction;  // 1/(1 - beta^t)
  Scalar eps, lr, l2, decoupled_decay;        // exactly one of l2, decoupled_decay is non-zero
};

template <class Scalar, class Device>
struct AdamUpdate {
  using scalar_type = Scalar;
  using coefficients = AdamCoefficients<Scalar>;
  Kokkos::View<Scalar*, Device> x, first, second;
  Kokkos::View<const Scalar*, Device> g;
  coefficients c;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int) const { return c; }

  template <class Statistics>
  KOKKOS_INLINE_FUNCTION void operator()(const coefficients& k, std::size_t i, Statistics& stats) const {
    const Scalar xi = x(i);
    const Scalar gi = g(i) + k.l2 * xi;
    const Scalar m = k.beta1 * first(i) + k.one_minus_beta1 * gi;
    const Scalar v = k.beta2 * second(i) + k.one_minus_beta2 * gi * gi;
    const Scalar m_hat = m * k.first_correction;
    const Scalar root_v_hat = math::sqrt(v * k.second_correction);
    first(i) = m;
    second(i) = v;
    const Scalar moved = xi - k.lr * (m_hat / (root_v_hat + k.eps) + k.decoupled_decay * xi);
    x(i) = moved;
    stats.add_gradient(gi);
    stats.add_step(moved - xi);
    stats.observe_frequency(root_v_hat);
    stats.add_velocity(m_hat);
  }
};

// How an Adam step moves x, for the constraint pass: by -lr m_hat / (sqrt(v_hat) + eps), so
// -m is the velocity and lr / (1 - beta1^t) / (sqrt(v_hat) + eps) its step size.
template <class Scalar, class Device>
struct AdamMotion {
  using coefficients = AdamCoefficients<Scalar>;
  static constexpr bool has_velocity = true;
  Kokkos::View<Scalar*, Device> first;
  Kokkos::View<const Scalar*, Device> second;
  coefficients c;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int) const { return c; }
  KOKKOS_INLINE_FUNCTION Scalar step_size(const coefficients& k, std::size_t i) const {
    return k.lr * k.first_correction / (math::sqrt(second(i) * k.second_correction) + k.eps);
  }
  KOKKOS_INLINE_FUNCTION Scalar velocity(const coefficients&, std::size_t i) const { return -first(i); }
  KOKKOS_INLINE_FUNCTION void set_velocity(const coefficients&, std::size_t i, Scalar w) const { first(i) = -w; }
};

template <class Scalar, class Device>
class Adam : public Optimizer<Scalar, Device> {
 public:
  using typename Optimizer<Scalar, Device>::space_type;

  Adam(const space_type& space, AdamSettings settings)
      : Optimizer<Scalar, Device>(space, /*restart_clock=*/true),
        settings_(settings),
        first_(this->state_array("adam.m", space.size())),
        second_(this->state_array("adam.v", space.size())) {}

  const char* name() const override { return "Adam"; }

 protected:
  void advance(space_type& space, const Objectives&, const StatisticsView<Device>& statistics) override {
    const double t = double(++this->steps_);
    const auto& s = settings_;
    AdamCoefficients<Scalar>& c = coefficients_;
    c.beta1 = Scalar(s.beta1);
    c.one_minus_beta1 = Scalar(1 - s.beta1);
    c.beta2 = Scalar(s.beta2);
    c.one_minus_beta2 = Scalar(1 - s.beta2);
    c.first_correction = Scalar(1 / (1 - std::pow(s.beta1, t)));
    c.second_correction = Scalar(1 / (1 - std::pow(s.beta2, t)));
    c.eps = Scalar(s.eps);
    c.lr = Scalar(s.lr);
    c.l2 = Scalar(s.decoupled ? 0 : s.weight_decay);
    c.decoupled_decay = Scalar(s.decoupled ? s.weight_decay : 0);
    fused_apply("dynaopt::adam", space.chunks, AdamUpdate<Scalar, Device>{space.x, first_, second_, space.g, c},
                statistics, space.instance);
  }

 public:

  void constrain(space_type& space, const Bounds<Scalar, Device>& bounds) override {
    bounds.constrain(space, AdamMotion<Scalar, Device>{first_, second_, coefficients_});
  }

 private:
  AdamSettings settings_;
  Kokkos::View<Scalar*, Device> first_, second_;
  AdamCoefficients<Scalar> coefficients_{};  // the last step's
};

template <>
struct optimizer_for<AdamSettings> {
  static StateArrays state(const AdamSettings&) { return {2, "Adam's two moments"}; }
  template <class Scalar, class Device>
  using type = Adam<Scalar, Device>;
};

DYNAOPT_PREBUILT(Adam)

}  // namespace dynaopt
