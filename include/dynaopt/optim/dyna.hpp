#pragma once
// Dyna (paper 000, Algorithm 1): explicit central-difference integration of damped Newtonian
// dynamics with a fictitious mass per parameter. Per element, with beta, zeta_t, and the
// group's total weight mu_t and learning rate alpha = 2 gamma / fan_in:
//   eta_t   = beta eta_{t-1} + (1 - beta) |g|           squared angular frequency estimate
//   w_t     = sqrt(eta_t / mu_t) + omega_eps            normalised angular frequency
//   v_t     = beta v_{t-1} - (1 - beta)/(2 zeta_t) g / w_t
//   theta  += alpha (v_t / mu_t) / w_t
// Warm restart (Sec. 4.1): when the objective a group sees increases, that group's eta, v and
// mu are zeroed within the same step, which the kernel does by decaying them with 0, not beta.
#include <algorithm>
#include <string>
#include <vector>

#include "dynaopt/core/compat.hpp"
#include "dynaopt/optim/damping_schedule.hpp"
#include "dynaopt/optim/fused_apply.hpp"
#include "dynaopt/optim/group_coefficients.hpp"
#include "dynaopt/optim/optimizer.hpp"

namespace dynaopt {

struct DynaSettings {
  double gamma = 1.0;       // stepsize factor
  double beta = 0.9;        // smoothing factor
  DampingSchedule damping = DampingSchedule::constant(1.0);
  double omega_eps = 1e-8;  // low cut-off of the angular frequency
  bool restart_on_increase = false;
};

template <class Scalar>
struct DynaCoefficients {
  Scalar state_decay;     // beta, or 0 on the step a group restarts
  Scalar one_minus_beta;  // 1 - beta
  Scalar force_scale;     // (1 - beta) / (2 zeta_t)
  Scalar inverse_weight;  // 1 / mu_t
  Scalar omega_eps;
  Scalar learning_rate;   // 2 gamma / fan_in
};

template <class Scalar, class Device>
struct DynaUpdate {
  using coefficients = DynaCoefficients<Scalar>;
  Kokkos::View<Scalar*, Device> x, omega_sq, velocity;
  Kokkos::View<const Scalar*, Device> g;
  Kokkos::View<const coefficients*, Device> group;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int k) const { return group(k); }

  template <class Statistics>
  KOKKOS_INLINE_FUNCTION void operator()(const coefficients& c, std::size_t i, Statistics& stats) const {
    // Every load before the first store: the compiler cannot tell that the Views do not alias,
    // so a load after a store waits for it, and a GPU thread keeps fewer loads in flight.
    const Scalar gi = g(i), xi = x(i), omega_sq_i = omega_sq(i), velocity_i = velocity(i);
    const Scalar eta = c.state_decay * omega_sq_i + c.one_minus_beta * math::abs(gi);
    const Scalar omega = math::sqrt(eta * c.inverse_weight) + c.omega_eps;
    const Scalar v = c.state_decay * velocity_i - c.force_scale * gi / omega;
    const Scalar v_hat = v * c.inverse_weight;
    omega_sq(i) = eta;
    velocity(i) = v;
    x(i) = xi + c.learning_rate * v_hat / omega;
    stats.add_gradient(gi);
    stats.observe_frequency(omega);
    stats.add_kinetic(0.5 * double(v_hat) * double(v_hat));
  }
};

// How a Dyna step moves x, for the constraint pass: by learning_rate (v / mu) / omega, so v is
// the velocity and learning_rate / (mu omega) its per-coordinate step size.
template <class Scalar, class Device>
struct DynaMotion {
  using coefficients = DynaCoefficients<Scalar>;
  static constexpr bool has_velocity = true;
  Kokkos::View<const Scalar*, Device> omega_sq;
  Kokkos::View<Scalar*, Device> v;
  Kokkos::View<const coefficients*, Device> group;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int k) const { return group(k); }
  KOKKOS_INLINE_FUNCTION Scalar step_size(const coefficients& c, std::size_t i) const {
    return c.learning_rate * c.inverse_weight / (math::sqrt(omega_sq(i) * c.inverse_weight) + c.omega_eps);
  }
  KOKKOS_INLINE_FUNCTION Scalar velocity(const coefficients&, std::size_t i) const { return v(i); }
  KOKKOS_INLINE_FUNCTION void set_velocity(const coefficients&, std::size_t i, Scalar w) const { v(i) = w; }
};

template <class Scalar, class Device>
class Dyna : public Optimizer<Scalar, Device> {
 public:
  using typename Optimizer<Scalar, Device>::space_type;

  Dyna(const space_type& space, DynaSettings settings)
      : settings_(settings),
        omega_sq_(this->state_array("dyna.omega_sq", space.size())),
        velocity_(this->state_array("dyna.velocity", space.size())),
        coefficients_("dyna::coefficients", space.group_count()),
        total_weight_(static_cast<std::size_t>(space.group_count()), 0.0),
        previous_objective_(static_cast<std::size_t>(space.group_count()), 0.0),
        restarts_(static_cast<std::size_t>(space.group_count()), 0) {
    for (int k = 0; k < space.group_count(); ++k)
      coefficients_[k].learning_rate = Scalar(2 * settings_.gamma / space.groups[k].fan_in);
  }

  void step(space_type& space, const std::vector<double>& objective,
            const StatisticsView<Device>& statistics = {}) override {
    const long t = ++this->steps_;
    const double beta = settings_.beta;
    const double force_scale = (1 - beta) * settings_.damping.inverse_twice_ratio(t);
    for (int k : space.selected) {  // a group the step leaves alone keeps its mu_t and last objective
      const auto uk = static_cast<std::size_t>(k);
      const bool restart = settings_.restart_on_increase && t > 1 && objective[uk] > previous_objective_[uk];
      if (restart) ++restarts_[uk];
      previous_objective_[uk] = objective[uk];
      const double decay = restart ? 0.0 : beta;
      total_weight_[uk] = decay * total_weight_[uk] + (1 - beta);
      auto& c = coefficients_[k];
      c.state_decay = Scalar(decay);
      c.one_minus_beta = Scalar(1 - beta);
      c.force_scale = Scalar(force_scale);
      c.inverse_weight = Scalar(1 / total_weight_[uk]);
      c.omega_eps = Scalar(settings_.omega_eps);
    }
    DynaUpdate<Scalar, Device> update{space.x, omega_sq_, velocity_, space.g, coefficients_.sync()};
    fused_apply("dynaopt::dyna", space.chunks, update, statistics);
  }

  void constrain(space_type& space, const Bounds<Scalar, Device>& bounds) override {
    bounds.constrain(space, DynaMotion<Scalar, Device>{omega_sq_, velocity_, coefficients_.device()});
  }

  std::vector<long> restarts() const override { return restarts_; }

  // Dyna's own warm restart of the listed groups: t (the damping schedule's clock) goes on.
  void reset(const space_type& space, const std::vector<int>& groups) override {
    Optimizer<Scalar, Device>::reset(space, groups);
    for (int k : groups) total_weight_[std::size_t(k)] = 0.0;
  }

  void archive(StateArchive& state) override {
    Optimizer<Scalar, Device>::archive(state);
    state.field("dyna.total_weight", total_weight_);
    state.field("dyna.previous_objective", previous_objective_);
    state.field("dyna.restarts", restarts_);
  }

 private:
  DynaSettings settings_;
  Kokkos::View<Scalar*, Device> omega_sq_, velocity_;
  GroupCoefficients<DynaCoefficients<Scalar>, Device> coefficients_;
  std::vector<double> total_weight_;  // mu_t per group, kept in double on the host
  std::vector<double> previous_objective_;
  std::vector<long> restarts_;
};

template <>
struct optimizer_for<DynaSettings> {
  template <class Scalar, class Device>
  using type = Dyna<Scalar, Device>;
};

}  // namespace dynaopt
