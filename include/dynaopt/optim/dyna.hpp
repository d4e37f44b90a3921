#pragma once
// Dyna (paper 000, Algorithm 1): explicit central-difference integration of damped Newtonian
// dynamics with a fictitious mass per parameter. Per element, with beta, zeta_t, and the
// group's total weight mu_t and learning rate alpha = 2 gamma / fan_in:
//   eta_t   = beta eta_{t-1} + (1 - beta) |g|           squared angular frequency estimate
//   w_t     = sqrt(eta_t / mu_t) + omega_eps            normalised angular frequency
//   v_t     = beta v_{t-1} - (1 - beta)/(2 zeta_t) g / w_t
//   theta  += alpha (v_t / mu_t) / w_t
// The numerical strategies of Sec. 4, per group (a network layer), all off by default:
// - warm restart (4.1): when the objective the group sees increased (step to step, or between
//   the means of windows of steps), its eta, v and mu are zeroed, or rescaled by a factor f,
//   within the same step: the kernel decays them by beta f instead of beta (f = 0: zeroing).
//   Rescaling keeps w and v-hat (both normalised by mu) and shortens the memory.
// - adaptive cut-off (4.2): omega_eps of a group follows the stiffest mode of its last step,
//   clamp(ratio max w, floor, omega_eps), from the statistics combined over the ranks, so a
//   layer whose frequencies all become tiny keeps its effective timestep.
// - noise (4.2): when the group's objective decreases by less than a relative amount between
//   windows of steps, its velocity gets zero-mean noise that moves each parameter by sigma
//   times eq. 20's effective step alpha / (2 zeta_t) (the step from rest), drawn from a
//   counter-based generator keyed by (seed, group name, step, global index): independent of
//   the rank count, and reproduced by a restart.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/splitmix64.hpp"
#include "dynaopt/optim/damping_schedule.hpp"
#include "dynaopt/optim/fused_apply.hpp"
#include "dynaopt/optim/group_coefficients.hpp"
#include "dynaopt/optim/objective_trend.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/optim/prebuilt.hpp"

namespace dynaopt {

// Sec. 4.1: when to restart a group, and how.
struct DynaRestart {
  enum class Mode { zero, rescale };
  bool on_increase = false;  // restart when the objective increased
  Mode mode = Mode::zero;
  double factor = 0;         // rescale: eta, v and mu multiplied by it (zero: 0)
  long over_steps = 1;       // compare the means of windows of this many steps (1: step to step)
};

// Sec. 4.2: the cut-off of each group from the stiffest mode of its last step.
struct DynaAdaptiveCutoff {
  bool enabled = false;
  double ratio = 0;  // omega_eps_l = clamp(ratio max w_l, floor, omega_eps)
  double floor = 0;
};

// Sec. 4.2: noise in the velocity while the objective decreases slowly.
struct DynaNoise {
  bool enabled = false;
  double relative_decrease = 0;  // noise while (previous - current) / |previous| < this
  long over_steps = 1;           // between the mean objectives of windows of this many steps
  double scale = 0;              // sigma: the noise's standard deviation in units of alpha / (2 zeta_t)
  std::uint64_t seed = 1;
};

struct DynaSettings {
  double gamma = 1.0;       // stepsize factor
  double beta = 0.9;        // smoothing factor
  DampingSchedule damping = DampingSchedule::constant(1.0);
  double omega_eps = 1e-8;  // low cut-off of the angular frequency (the adaptive one's ceiling)
  DynaRestart restart;
  DynaAdaptiveCutoff adaptive_cutoff;
  DynaNoise noise;
};

template <class Scalar>
struct DynaCoefficients {
  Scalar state_decay;     // beta, or beta f on the step a group restarts
  Scalar one_minus_beta;  // 1 - beta
  Scalar force_scale;     // (1 - beta) / (2 zeta_t)
  Scalar inverse_weight;  // 1 / mu_t
  Scalar omega_eps;
  Scalar learning_rate;   // 2 gamma / fan_in
  Scalar noise_scale;     // sigma mu_t / (2 zeta_t) on a noisy step, else 0 (noisy kernel only)
  std::uint64_t noise_stream;  // the generator's key of the group and step
  std::uint64_t index_shift;   // global index - local index of the group's elements
};

// Zero-mean, unit-variance noise: uniform on [-sqrt 3, sqrt 3], the element's draw of a stream.
KOKKOS_INLINE_FUNCTION double unit_noise(std::uint64_t stream, std::uint64_t index) {
  return 1.7320508075688772 * (2 * open_unit(splitmix64(stream ^ splitmix64(index))) - 1);
}

template <class Scalar, class Device, bool Noisy = false>
struct DynaUpdate {
  using scalar_type = Scalar;
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
    Scalar v = c.state_decay * velocity_i - c.force_scale * gi / omega;
    // v-hat moves by noise_scale/mu omega xi, so x by alpha noise_scale/mu xi = sigma alpha/(2 zeta) xi.
    if constexpr (Noisy) v += c.noise_scale * omega * Scalar(unit_noise(c.noise_stream, i + c.index_shift));
    const Scalar v_hat = v * c.inverse_weight;
    const Scalar moved = xi + c.learning_rate * v_hat / omega;
    omega_sq(i) = eta;
    velocity(i) = v;
    x(i) = moved;
    stats.add_gradient(gi);
    stats.observe_frequency(omega);
    stats.add_velocity(v_hat);
    stats.add_step(moved - xi);
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
      : Optimizer<Scalar, Device>(space),
        settings_(settings),
        omega_sq_(this->state_array("dyna.omega_sq", space.size())),
        velocity_(this->state_array("dyna.velocity", space.size())),
        coefficients_("dyna::coefficients", space.group_count()),
        total_weight_(std::size_t(space.group_count()), 0.0),
        omega_eps_(std::size_t(space.group_count()), settings.omega_eps),
        restarts_(std::size_t(space.group_count()), 0),
        restart_trend_(settings.restart.over_steps, space.group_count()),
        noise_trend_(settings.noise.over_steps, space.group_count()),
        noisy_(std::size_t(space.group_count()), 0),
        noisy_steps_(std::size_t(space.group_count()), 0) {
    for (int k = 0; k < space.group_count(); ++k) {
      const Group& group = space.groups[k];
      auto& c = coefficients_[k];
      c.learning_rate = Scalar(2 * settings_.gamma / group.fan_in);
      c.noise_scale = Scalar(0);
      c.index_shift = std::uint64_t(group.global_offset) - std::uint64_t(group.offset);
      // The group's key in the noise generator: its name (the same on every rank), not its index.
      group_key_.push_back(splitmix64(settings_.noise.seed ^ fnv1a(group.name)));
    }
  }

  const char* name() const override { return "Dyna"; }

 protected:
  // Warm restart and the noise trend compare objectives across steps; Dyna asks for them with
  // either off too, so that turning one on never makes a caller's step invalid.
  bool reads_objectives() const override { return true; }

  void advance(space_type& space, const Objectives& objective, const StatisticsView<Device>& statistics) override {
    const long t = ++this->steps_;
    if (t == 1) restart_trend_.clear(), noise_trend_.clear();  // new problems: no history to compare
    const double beta = settings_.beta;
    const double inverse_twice_ratio = settings_.damping.inverse_twice_ratio(t);
    const double force_scale = (1 - beta) * inverse_twice_ratio;
    bool noisy_step = false;
    for (int k : space.selected) {  // a group the step leaves alone keeps its mu_t and its windows
      const auto uk = static_cast<std::size_t>(k);
      bool restart = false;
      if (settings_.restart.on_increase) {
        const auto change = restart_trend_.add(k, objective[uk]);
        restart = change.closed && change.current > change.previous;
        if (restart) ++restarts_[uk];
      }
      const double decay = restart ? beta * settings_.restart.factor : beta;
      total_weight_[uk] = decay * total_weight_[uk] + (1 - beta);
      auto& c = coefficients_[k];
      c.state_decay = Scalar(decay);
      c.one_minus_beta = Scalar(1 - beta);
      c.force_scale = Scalar(force_scale);
      c.inverse_weight = Scalar(1 / total_weight_[uk]);
      c.omega_eps = Scalar(omega_eps_[uk]);
      if (settings_.noise.enabled) {
        c.noise_scale = Scalar(noisy_[uk] ? settings_.noise.scale * total_weight_[uk] * inverse_twice_ratio : 0.0);
        c.noise_stream = splitmix64(group_key_[uk] + std::uint64_t(t));
        if (noisy_[uk]) noisy_step = true, ++noisy_steps_[uk];
        // This step's objective decides the steps after it.
        const auto change = noise_trend_.add(k, objective[uk]);
        if (change.closed)
          noisy_[uk] = change.previous - change.current < settings_.noise.relative_decrease * std::abs(change.previous);
      }
    }
    if (settings_.adaptive_cutoff.enabled) stepped_ = space.selected;
    const auto& group = coefficients_.sync(space.instance);
    if (noisy_step)
      fused_apply("dynaopt::dyna+noise", space.chunks,
                  DynaUpdate<Scalar, Device, true>{space.x, omega_sq_, velocity_, space.g, group}, statistics, space.instance);
    else
      fused_apply("dynaopt::dyna", space.chunks, DynaUpdate<Scalar, Device>{space.x, omega_sq_, velocity_, space.g, group},
                  statistics, space.instance);
  }

 public:

  bool steered_by_statistics() const override { return settings_.adaptive_cutoff.enabled; }

  // The adaptive cut-off of each group the last step advanced, from its max w over all ranks.
  void observe(const std::vector<GroupStatistics>& groups) override {
    if (!settings_.adaptive_cutoff.enabled) return;
    const auto& rule = settings_.adaptive_cutoff;
    for (int k : stepped_) {
      const double stiffest = groups[std::size_t(k)].max_frequency;
      if (std::isfinite(stiffest))
        omega_eps_[std::size_t(k)] = std::clamp(rule.ratio * stiffest, rule.floor, settings_.omega_eps);
    }
  }

  void constrain(space_type& space, const Bounds<Scalar, Device>& bounds) override {
    bounds.constrain(space, DynaMotion<Scalar, Device>{omega_sq_, velocity_, coefficients_.device()});
  }

  std::vector<long> restarts() const override { return restarts_; }

  std::vector<std::string> group_columns() const override { return {"omega_eps", "noisy_steps"}; }
  std::vector<double> group_values(int k) const override {
    return {omega_eps_[std::size_t(k)], double(noisy_steps_[std::size_t(k)])};
  }

  // Dyna's own warm restart of the listed groups: t (the damping schedule's clock) goes on.
  void reset(const space_type& space, const std::vector<int>& groups) override {
    Optimizer<Scalar, Device>::reset(space, groups);
    for (int k : groups) total_weight_[std::size_t(k)] = 0.0;
  }

  void archive(StateArchive& state) override {
    Optimizer<Scalar, Device>::archive(state);
    state.field("dyna.total_weight", total_weight_);
    state.field("dyna.omega_eps", omega_eps_);
    state.field("dyna.restarts", restarts_);
    restart_trend_.archive(state, "dyna.restart_trend");
    noise_trend_.archive(state, "dyna.noise_trend");
    state.field("dyna.noisy", noisy_);
    state.field("dyna.noisy_steps", noisy_steps_);
  }

 private:
  DynaSettings settings_;
  Kokkos::View<Scalar*, Device> omega_sq_, velocity_;
  GroupCoefficients<DynaCoefficients<Scalar>, Device> coefficients_;
  std::vector<double> total_weight_;  // mu_t per group, kept in double on the host
  std::vector<double> omega_eps_;     // the cut-off per group (constant unless adaptive)
  std::vector<long> restarts_;
  ObjectiveTrend restart_trend_, noise_trend_;
  std::vector<std::int8_t> noisy_;    // the group's next steps get noise
  std::vector<long> noisy_steps_;
  std::vector<std::uint64_t> group_key_;
  std::vector<int> stepped_;          // the groups this cycle's step advanced (observe() steers these)
};

template <>
struct optimizer_for<DynaSettings> {
  static StateArrays state(const DynaSettings&) {
    // Per group: the coefficients (device and host), mu_t, omega_eps, the restart and noise
    // counters and keys, two objective trends (a sum, a mean and two counts each).
    return {2, "Dyna's squared frequencies and velocities",
            2 * sizeof(DynaCoefficients<double>) + 5 * 8 + 2 * 32 + 1 + 4};
  }
  template <class Scalar, class Device>
  using type = Dyna<Scalar, Device>;
};

DYNAOPT_PREBUILT(Dyna)

}  // namespace dynaopt
