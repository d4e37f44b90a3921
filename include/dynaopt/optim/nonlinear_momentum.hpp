#pragma once
// The nonlinear momentum family of paper 001 in its learning-rate form (step h, friction
// c = gamma h, damping exponent eta, kinetic exponent s, conjugate r = s/(s-1)):
//   D(p) = sgn(p)|p|^(eta-1)                  nonlinear damping force
//   V(p) = sgn(p)|p|^(r-1) = grad K*(p)       velocity of the anharmonic kinetic energy
//   p <- p - h grad V(y) - c D(p)
//   heavy ball (Alg. 1):  y = x,                         x <- x + V(p)
//   Nesterov   (Alg. 2):  y = x + V(p - c D(p)),         x <- x + V(p)
//   mirror     (Alg. 3):  y = x,                         x <- grad psi*(grad psi(x) + V(p))
// With eta = s = 2 these are classical heavy ball and Nesterov (lr h, momentum 1 - c). The
// damping exponents with a power-free law, eta = 2 (linear) and eta = 1 (dry friction,
// D(p) = sgn(p): a force of constant size against the motion, sgn(0) = 0), and s = 2 take
// paths without a power. The others take their powers from one logarithm per
// momentum (core/power.hpp: |p|^a = exp(a log|p|), vectorised): log|p| for the damping of the
// old momentum, log|p'| for the new one's velocity, its kinetic energy |p'| |V(p')| / r and
// (Nesterov) the damping of the look-ahead. The kinetic energy K*(p) = (1/r) sum |p|^r is
// reported so that the dissipation dE/dt = -v.D(v) <= 0 the method is built on can be watched.
#include <stdexcept>
#include <string>
#include <type_traits>

#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/power.hpp"
#include "dynaopt/optim/fused_apply.hpp"
#include "dynaopt/optim/mirror_map.hpp"
#include "dynaopt/optim/optimizer.hpp"
#include "dynaopt/optim/prebuilt.hpp"

namespace dynaopt {

enum class MomentumForm { heavy_ball, nesterov, mirror };

struct MirrorSpec {
  enum class Kind { euclidean, lp, box } kind = Kind::euclidean;
  double p = 2;  // l_p exponent
  double lower = 0, upper = 1;  // box
};

struct NonlinearMomentumSettings {
  MomentumForm form = MomentumForm::heavy_ball;
  double step = 1e-3;            // h
  double friction = 0.1;         // c = gamma h
  double damping_exponent = 2;   // eta
  double kinetic_exponent = 2;   // s
  MirrorSpec mirror;
};

template <class Scalar>
struct MomentumCoefficients {
  Scalar step, friction, momentum;  // h, c, 1 - c
  Scalar damping_power;             // eta - 1
  Scalar velocity_power;            // r - 1 = 1/(s - 1)
  Scalar inverse_conjugate;         // 1 / r
};

// The damping law D(p) = sgn(p)|p|^(eta-1) by the form of its exponent.
enum class Damping { linear, dry, power };  // eta = 2, eta = 1, otherwise

// The momentum law of the family, for the update and the constraint pass alike. A Magnitude
// holds |p| and log|p| where some power of p is taken, nothing where none is.
template <class Scalar, Damping DampingLaw, bool QuadraticKinetic>
struct MomentumLaw {
  static constexpr bool damping_power = DampingLaw == Damping::power;
  struct None {
    KOKKOS_INLINE_FUNCTION explicit None(Scalar) {}
  };
  using Magnitude = std::conditional_t<!damping_power && QuadraticKinetic, None, math::Magnitude<Scalar>>;

  // p - c D(p)
  KOKKOS_FORCEINLINE_FUNCTION static Scalar damped(const MomentumCoefficients<Scalar>& k, Scalar p, const Magnitude& m) {
    if constexpr (DampingLaw == Damping::linear) return k.momentum * p;
    else if constexpr (DampingLaw == Damping::dry) return p - math::select(p == Scalar(0), Scalar(0), math::with_sign_of(k.friction, p));
    else return p - k.friction * math::signed_power(p, m, k.damping_power);
  }
  KOKKOS_FORCEINLINE_FUNCTION static Scalar damped(const MomentumCoefficients<Scalar>& k, Scalar p) {
    return damped(k, p, Magnitude(damping_power ? p : Scalar(0)));
  }
  // V(p), and its inverse sgn(w)|w|^(s-1)
  KOKKOS_FORCEINLINE_FUNCTION static Scalar velocity(const MomentumCoefficients<Scalar>& k, Scalar p, const Magnitude& m) {
    if constexpr (QuadraticKinetic) return p;
    else return math::signed_power(p, m, k.velocity_power);
  }
  KOKKOS_FORCEINLINE_FUNCTION static Scalar velocity(const MomentumCoefficients<Scalar>& k, Scalar p) {
    return velocity(k, p, Magnitude(QuadraticKinetic ? Scalar(0) : p));
  }
  // K*(p) = |p|^r / r = |p| |V(p)| / r, from the velocity already taken (p^2 / 2 when s = 2).
  template <class Statistics>
  KOKKOS_FORCEINLINE_FUNCTION static void add_kinetic(const MomentumCoefficients<Scalar>& k, Scalar p, Scalar v,
                                                      Statistics& stats) {
    if constexpr (QuadraticKinetic) stats.add_velocity(p);
    else stats.add_kinetic(math::abs(p) * math::abs(v) * k.inverse_conjugate);
  }
  KOKKOS_INLINE_FUNCTION static Scalar momentum_of(const MomentumCoefficients<Scalar>& k, Scalar w) {
    if constexpr (QuadraticKinetic) return w;
    else return math::signed_power(w, Scalar(1) / k.velocity_power);
  }
};

template <class Scalar, class Device, class Mirror, bool LookAhead, Damping DampingLaw, bool QuadraticKinetic>
struct MomentumUpdate {
  using scalar_type = Scalar;
  using coefficients = MomentumCoefficients<Scalar>;
  using law = MomentumLaw<Scalar, DampingLaw, QuadraticKinetic>;
  Kokkos::View<Scalar*, Device> x, p, y;  // y only for the look-ahead form
  Kokkos::View<const Scalar*, Device> g;
  coefficients c;
  Mirror mirror;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int) const { return c; }

  template <class Statistics>
  KOKKOS_FORCEINLINE_FUNCTION void operator()(const coefficients& k, std::size_t i, Statistics& stats) const {
    const Scalar gi = g(i), x_old = x(i);
    const Scalar pi = law::damped(k, p(i)) - k.step * gi;
    const typename law::Magnitude m(pi);  // every power of the new momentum
    const Scalar vi = law::velocity(k, pi, m);
    const Scalar xi = mirror.from_dual(mirror.to_dual(x_old) + vi);
    p(i) = pi;
    x(i) = xi;
    if constexpr (LookAhead) y(i) = xi + law::velocity(k, law::damped(k, pi, m));
    stats.add_gradient(gi);
    stats.add_step(xi - x_old);
    law::add_kinetic(k, pi, vi, stats);
  }
};

// How a step moves x, for the constraint pass: by V(p) (in the mirror form, in the dual
// coordinates: the Euclidean metric there), so V(p) is the velocity with step size 1.
template <class Scalar, class Device, bool QuadraticKinetic>
struct MomentumMotion {
  using coefficients = MomentumCoefficients<Scalar>;
  using law = MomentumLaw<Scalar, Damping::linear, QuadraticKinetic>;
  static constexpr bool has_velocity = true;
  Kokkos::View<Scalar*, Device> p;
  coefficients c;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int) const { return c; }
  KOKKOS_INLINE_FUNCTION Scalar step_size(const coefficients&, std::size_t) const { return Scalar(1); }
  KOKKOS_INLINE_FUNCTION Scalar velocity(const coefficients& k, std::size_t i) const { return law::velocity(k, p(i)); }
  KOKKOS_INLINE_FUNCTION void set_velocity(const coefficients& k, std::size_t i, Scalar w) const {
    p(i) = law::momentum_of(k, w);
  }
};

// Nesterov's look-ahead point y = x + V(p - c D(p)) of the constrained state.
template <class Scalar, class Device, Damping DampingLaw, bool QuadraticKinetic>
struct LookAheadUpdate {
  using scalar_type = Scalar;
  using coefficients = MomentumCoefficients<Scalar>;
  using law = MomentumLaw<Scalar, DampingLaw, QuadraticKinetic>;
  Kokkos::View<const Scalar*, Device> x, p;
  Kokkos::View<Scalar*, Device> y;
  coefficients c;

  KOKKOS_INLINE_FUNCTION coefficients group_coefficients(int) const { return c; }
  template <class Statistics>
  KOKKOS_INLINE_FUNCTION void operator()(const coefficients& k, std::size_t i, Statistics&) const {
    y(i) = x(i) + law::velocity(k, law::damped(k, p(i)));
  }
};

template <class Scalar, class Device>
class NonlinearMomentum : public Optimizer<Scalar, Device> {
 public:
  using typename Optimizer<Scalar, Device>::space_type;
  using typename Optimizer<Scalar, Device>::view_type;

  NonlinearMomentum(const space_type& space, NonlinearMomentumSettings settings)
      : Optimizer<Scalar, Device>(space),
        settings_(settings),
        momentum_(this->state_array("nonlinear_momentum.p", space.size())) {
    const double s = settings.kinetic_exponent, r = s / (s - 1);
    coefficients_ = {Scalar(settings.step),          Scalar(settings.friction), Scalar(1 - settings.friction),
                     Scalar(settings.damping_exponent - 1), Scalar(r - 1), Scalar(1 / r)};
    if (settings_.form == MomentumForm::mirror && settings_.mirror.kind == MirrorSpec::Kind::box)
      require_inside_box(space);
    if (settings_.form == MomentumForm::nesterov) {
      // p = 0 at the start, so the first look-ahead point is x itself.
      look_ahead_ = view_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "nonlinear_momentum::y"), space.size());
      Kokkos::deep_copy(space.instance, look_ahead_, space.x);
    }
  }

  view_type evaluation_point(const space_type& space) const override {
    return settings_.form == MomentumForm::nesterov ? look_ahead_ : space.x;
  }

  const char* name() const override { return "NonlinearMomentum"; }

 protected:
  void advance(space_type& space, const Objectives&, const StatisticsView<Device>& statistics) override {
    ++this->steps_;
    const auto& s = settings_;
    const MomentumCoefficients<Scalar>& c = coefficients_;
    switch (s.form) {
      case MomentumForm::heavy_ball:
        return launch<false>(space, c, EuclideanMap{}, statistics);
      case MomentumForm::nesterov:
        return launch<true>(space, c, EuclideanMap{}, statistics);
      case MomentumForm::mirror:
        switch (s.mirror.kind) {
          case MirrorSpec::Kind::lp:
            return launch<false>(space, c, LpMap::with_exponent(s.mirror.p), statistics);
          case MirrorSpec::Kind::box:
            return launch<false>(space, c, BoxMap::between(s.mirror.lower, s.mirror.upper), statistics);
          case MirrorSpec::Kind::euclidean:
            return launch<false>(space, c, EuclideanMap{}, statistics);
        }
    }
  }

 public:

  // The momentum made tangent to the faces x lies on; Nesterov's look-ahead point then follows
  // from the constrained x and p and is itself projected, so every gradient is taken at a
  // feasible point.
  void constrain(space_type& space, const Bounds<Scalar, Device>& bounds) override {
    with_exponents([&](auto damping, auto quadratic_kinetic) {
      constexpr bool quadratic = decltype(quadratic_kinetic)::value;
      bounds.constrain(space, MomentumMotion<Scalar, Device, quadratic>{momentum_, coefficients_});
      if (settings_.form != MomentumForm::nesterov) return;
      fused_apply("dynaopt::nonlinear_momentum::look_ahead", space.chunks,
                  LookAheadUpdate<Scalar, Device, decltype(damping)::value, quadratic>{space.x, momentum_, look_ahead_, coefficients_}, {}, space.instance);
      bounds.project(look_ahead_, space);
    });
  }

  void reset(const space_type& space, const std::vector<int>& groups) override {
    Optimizer<Scalar, Device>::reset(space, groups);
    if (look_ahead_.size() > 0) copy_groups(space, groups, look_ahead_, space.x);  // p = 0: y = x
  }

  void archive(StateArchive& state) override {
    Optimizer<Scalar, Device>::archive(state);
    if (look_ahead_.size() > 0) state.field("nonlinear_momentum.y", look_ahead_);
  }

 private:
  // Calls f(damping, quadratic_kinetic) with the damping law and s = 2 as compile-time
  // constants, so the members with power-free laws run without a single power.
  template <class F>
  void with_exponents(F&& f) const {
    const double eta = settings_.damping_exponent;
    const auto with_damping = [&](auto damping) {
      if (settings_.kinetic_exponent == 2) f(damping, std::true_type{});
      else f(damping, std::false_type{});
    };
    if (eta == 2) with_damping(std::integral_constant<Damping, Damping::linear>{});
    else if (eta == 1) with_damping(std::integral_constant<Damping, Damping::dry>{});
    else with_damping(std::integral_constant<Damping, Damping::power>{});
  }

  template <bool LookAhead, class Mirror>
  void launch(space_type& space, const MomentumCoefficients<Scalar>& c, const Mirror& mirror,
              const StatisticsView<Device>& statistics) {
    with_exponents([&](auto damping, auto quadratic_kinetic) {
      using Update = MomentumUpdate<Scalar, Device, Mirror, LookAhead, decltype(damping)::value,
                                    decltype(quadratic_kinetic)::value>;
      fused_apply("dynaopt::nonlinear_momentum", space.chunks,
                  Update{space.x, momentum_, look_ahead_, space.g, c, mirror}, statistics, space.instance);
    });
  }

  // The box map's dual coordinate log((x-a)/(b-x)) exists only strictly inside the box.
  void require_inside_box(const space_type& space) const {
    const auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), space.x);
    const double a = settings_.mirror.lower, b = settings_.mirror.upper;
    for (std::size_t i = 0; i < x.extent(0); ++i)
      if (!(double(x(i)) > a && double(x(i)) < b))
        throw std::invalid_argument("optimizer.mirror.box: the starting point must lie strictly inside (" +
                                    exact(a) + ", " + exact(b) + "), but parameter " + std::to_string(i) +
                                    " is " + exact(double(x(i))));
  }

  NonlinearMomentumSettings settings_;
  MomentumCoefficients<Scalar> coefficients_;
  view_type momentum_;
  view_type look_ahead_;
};

template <>
struct optimizer_for<NonlinearMomentumSettings> {
  static StateArrays state(const NonlinearMomentumSettings& s) {
    if (s.form == MomentumForm::nesterov) return {2, "the momenta p and the look-ahead point y"};
    return {1, "the momenta p"};
  }
  template <class Scalar, class Device>
  using type = NonlinearMomentum<Scalar, Device>;
};

DYNAOPT_PREBUILT(NonlinearMomentum)

}  // namespace dynaopt
