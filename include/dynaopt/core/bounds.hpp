#pragma once
// Bound constraints per group, and the constraint pass that keeps a whole optimizer state on
// them (docs/constraints.md derives it). A group's feasible set is
//   C = { lower <= x_i <= upper for every element,  sum_i x_i <= max_sum }
// (a box, and optionally a sum bound: a nanosphere's outer radius). Three operations:
//   project(x)          the Euclidean projection onto C (a look-ahead point, a stateless step)
//   constrain(x, motion) the projection of a step in the optimizer's own metric, and the
//                       optimizer's velocity made tangent to the faces x then lies on
//   stationarity(x, g)   |G|^2 per group, G the projected gradient: the stationarity measure
// Every projection here has the form y_i = clip(v_i - theta a_i, lo_i, hi_i) with one
// multiplier theta >= 0 per group for its sum bound (zero where the bound does not bind), so
// one threshold search (sum_multiplier) serves them all. A group with a sum bound is held whole
// by one rank; a box alone may cut a group split over ranks (elementwise).
#include <Kokkos_Core.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "dynaopt/core/chunk_table.hpp"
#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/group_table.hpp"
#include "dynaopt/core/parameter_space.hpp"

namespace dynaopt {

// One group's bounds in the units of x; infinite values bound nothing.
struct GroupBounds {
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  double max_sum = std::numeric_limits<double>::infinity();
  // Set by Bounds' constructor, whatever they held: max_sum is finite; and the distance within
  // which stationarity counts a constraint as active (rounding of the sum bound's projection),
  // 1e-9 of the bounds' scale.
  bool has_sum = false;
  double activity = 1e-9;
};

// How an optimizer's step moves x, for the constraint pass: x moved by step_size(i) *
// velocity(i) (step_size > 0: the optimizer's per-coordinate metric), and how to write the
// velocity back. An optimizer without velocity sets has_velocity = false.
//   using coefficients = ...;                     coefficients group_coefficients(int group) const;
//   Scalar step_size(const coefficients&, i) const;
//   Scalar velocity(const coefficients&, i) const;  void set_velocity(const coefficients&, i, Scalar) const;
template <class Scalar>
struct EuclideanMotion {
  using coefficients = int;
  static constexpr bool has_velocity = false;
  KOKKOS_INLINE_FUNCTION int group_coefficients(int) const { return 0; }
  KOKKOS_INLINE_FUNCTION Scalar step_size(int, std::size_t) const { return Scalar(1); }
  KOKKOS_INLINE_FUNCTION Scalar velocity(int, std::size_t) const { return Scalar(0); }
  KOKKOS_INLINE_FUNCTION void set_velocity(int, std::size_t, Scalar) const {}
};

namespace detail {

KOKKOS_INLINE_FUNCTION double clip(double v, double lo, double hi) { return math::min(math::max(v, lo), hi); }

// The least theta >= 0 with sum_i b_i clip(v_i - theta a_i, lo_i, hi_i) <= budget over one
// group, by one team: the left side falls monotonically in theta, at most at the rate
// sum a_i b_i, which gives the bracket's lower end; bisection to the last representable
// midpoint leaves the upper end, where the sum is within the budget. Terms gives
// begin, end and term(i, theta) = b_i clip(...), rate(i) = a_i b_i.
template <class Member, class Terms>
KOKKOS_INLINE_FUNCTION double sum_multiplier(const Member& team, const Terms& terms, double budget) {
  const auto range = Kokkos::TeamThreadRange(team, terms.begin, terms.end);
  const auto sum_at = [&](double theta) {
    double sum = 0;
    Kokkos::parallel_reduce(range, [&](const std::size_t i, double& s) { s += terms.term(i, theta); }, sum);
    return sum;
  };
  const double at_zero = sum_at(0);
  if (!(at_zero > budget)) return 0;
  double rate = 0;
  Kokkos::parallel_reduce(range, [&](const std::size_t i, double& s) { s += terms.rate(i); }, rate);
  double low = (at_zero - budget) / rate, high = low;
  for (int k = 0; k < 2100 && sum_at(high) > budget; ++k) low = high, high *= 2;
  for (int k = 0; k < 2100; ++k) {
    const double mid = 0.5 * (low + high);
    if (!(mid > low && mid < high)) break;
    (sum_at(mid) > budget ? low : high) = mid;
  }
  return high;
}

}  // namespace detail

template <class Scalar, class Device>
class Bounds {
 public:
  using execution_space = typename Device::execution_space;
  using view_type = Kokkos::View<Scalar*, Device>;
  using space_type = ParameterSpace<Scalar, Device>;
  using member_type = typename Kokkos::TeamPolicy<execution_space>::member_type;

  struct Span {
    std::size_t begin, end;
  };

  Bounds() = default;
  // One entry per group of `groups`; throws std::invalid_argument (prefixed by `key`, a deck's
  // key path or the caller's name for them) for a set that is empty or a sum bound on a group
  // split over ranks.
  Bounds(const GroupTable& groups, std::vector<GroupBounds> bounds, const std::string& key = "Bounds")
      : key_(key),
        bounds_("dynaopt::bounds", bounds.size()),
        spans_("dynaopt::bounds::spans", bounds.size()),
        multiplier_("dynaopt::bounds::multiplier", 2 * bounds.size()),
        selected_("dynaopt::bounds::selected", bounds.size()) {
    if (int(bounds.size()) != groups.count())
      throw std::invalid_argument(key + ": " + std::to_string(bounds.size()) + " GroupBounds for " +
                                  std::to_string(groups.count()) + " group(s); it takes one per group");
    auto b = Kokkos::create_mirror_view(bounds_);
    auto s = Kokkos::create_mirror_view(spans_);
    for (int k = 0; k < groups.count(); ++k) {
      GroupBounds& gb = bounds[std::size_t(k)];
      const Group& g = groups[k];
      gb.has_sum = gb.max_sum < std::numeric_limits<double>::infinity();
      if (!(gb.lower <= gb.upper))
        throw std::invalid_argument(key + ": lower " + exact(gb.lower) + " is above upper " + exact(gb.upper));
      if (gb.has_sum && g.size != g.global_size)
        throw std::invalid_argument(key + ": a sum bound needs each group held by one rank, but '" + g.name +
                                    "' is split over the ranks");
      if (gb.has_sum && std::isfinite(gb.lower) && double(g.size) * gb.lower > gb.max_sum)
        throw std::invalid_argument(key + ": " + std::to_string(g.size) + " x lower " + exact(gb.lower) +
                                    " exceeds max_sum " + exact(gb.max_sum) + ": no point is feasible");
      double scale = 1;
      for (double v : {gb.lower, gb.upper, gb.max_sum})
        if (std::isfinite(v)) scale = std::max(scale, std::fabs(v));
      gb.activity = 1e-9 * scale;
      any_sum_ = any_sum_ || gb.has_sum;
      b(std::size_t(k)) = gb;
      s(std::size_t(k)) = {g.offset, g.offset + g.size};
    }
    Kokkos::deep_copy(bounds_, b);
    Kokkos::deep_copy(spans_, s);
    host_ = std::move(bounds);
    selected_host_ = Kokkos::create_mirror_view(selected_);
  }

  int group_count() const { return int(host_.size()); }
  const GroupBounds& operator[](int group) const { return host_[std::size_t(group)]; }

  // A precondition of the constrained dynamics (the pass keeps a feasible point feasible; it
  // is not meant to repair a start): throws std::invalid_argument naming the first element of
  // `x` (this rank's, copied to the host) outside the bounds, or the group whose sum exceeds
  // its bound.
  void require_feasible(const view_type& x, const std::string& what = "the starting point") const {
    const auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x);
    const auto s = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), spans_);
    for (std::size_t k = 0; k < host_.size(); ++k) {
      const GroupBounds& b = host_[k];
      double sum = 0;
      for (std::size_t i = s(k).begin; i < s(k).end; ++i) {
        const double v = double(h(i));
        if (!(v >= b.lower && v <= b.upper))
          throw std::invalid_argument(key_ + ": " + what + " is infeasible: its element " +
                                      std::to_string(i - s(k).begin) + " of group " + std::to_string(k) + " is " +
                                      exact(v) + ", outside [" + exact(b.lower) + ", " + exact(b.upper) + "]");
        sum += v;
      }
      if (b.has_sum && sum > b.max_sum)
        throw std::invalid_argument(key_ + ": " + what + " is infeasible: the sum of group " + std::to_string(k) +
                                    " is " + exact(sum) + ", above max_sum " + exact(b.max_sum));
    }
  }

  // `point` (shaped like space.x) onto the bounds, Euclidean, for the space's selected groups.
  void project(const view_type& point, const space_type& space) const {
    apply(point, space, EuclideanMotion<Scalar>{});
  }

  // The constraint pass after a step of the selected groups: x onto the bounds in the metric
  // of the motion's step sizes, argmin_{y in C} sum (y_i - x_i)^2 / step_size_i, so that a
  // preconditioned step stays a descent direction; then the velocity projected onto the
  // tangent cone of the faces x lies on (in the same metric), so the optimizer no longer
  // pushes into a face it is held on. An element the pass does not move is left bit for bit.
  template <class Motion>
  void constrain(const space_type& space, const Motion& motion) const {
    apply(space.x, space, motion);
  }

  // |G|^2 of each selected group (into `out`, one slot per group, on this rank), G the
  // projection of -g onto the tangent cone of the constraints active at `point` (within the
  // group's activity distance): the gradient mapping (x - P(x - tau g))/tau in the limit of
  // small tau, zero exactly at a KKT point. Without bounds it is |g|^2.
  void stationarity(const view_type& point, const view_type& g, const space_type& space,
                    const Kokkos::View<double*, Device>& out) const {
    require_groups(space);
    if (out.extent(0) < std::size_t(space.group_count()))
      throw std::invalid_argument(key_ + ": stationarity needs a slot per group, got " + std::to_string(out.extent(0)));
    Kokkos::deep_copy(space.instance, out, 0.0);
    if (space.chunks.extent(0) == 0) return;
    const auto chunks = space.chunks;
    const auto bounds = bounds_;
    const auto multiplier = multiplier_;
    if (any_sum_) {
      const auto spans = spans_;
      const auto groups = publish(space.selected, space.instance);
      Kokkos::parallel_for(
          "dynaopt::bounds::stationarity_multiplier", team_per_item(space.instance, space.selected.size()),
          KOKKOS_LAMBDA(const member_type& team) {
            const int k = groups(team.league_rank());
            const GroupBounds b = bounds(k);
            double theta = 0;
            if (b.has_sum) {
              const Span s = spans(k);
              double sum = 0;
              Kokkos::parallel_reduce(
                  Kokkos::TeamThreadRange(team, s.begin, s.end),
                  [&](const std::size_t i, double& t) { t += double(point(i)); }, sum);
              if (b.max_sum - sum <= b.activity)
                theta = detail::sum_multiplier(team, ConeTerms{point, g, b, s.begin, s.end}, 0.0);
            }
            Kokkos::single(Kokkos::PerTeam(team), [&]() { multiplier(2 * k) = theta; });
          });
    }
    Kokkos::parallel_for(
        "dynaopt::bounds::stationarity", team_per_item(space.instance, chunks.extent(0)), KOKKOS_LAMBDA(const member_type& team) {
          const Chunk c = chunks(team.league_rank());
          const GroupBounds b = bounds(c.group);
          const double theta = b.has_sum ? multiplier(2 * c.group) : 0.0;
          double sum = 0;
          Kokkos::parallel_reduce(
              Kokkos::TeamThreadRange(team, c.begin, c.end),
              [&](const std::size_t i, double& t) {
                const double gi = ConeTerms::projected(point(i), g(i), b, theta);
                t += gi * gi;
              },
              sum);
          Kokkos::single(Kokkos::PerTeam(team), [&]() { Kokkos::atomic_add(&out(c.group), sum); });
        });
  }

  // The steps of the passes, public only because nvcc rejects extended lambdas in private
  // member functions.
  template <class Motion>
  void apply(const view_type& x, const space_type& space, const Motion& motion) const {
    require_groups(space);
    if (space.chunks.extent(0) == 0) return;
    const auto chunks = space.chunks;
    const auto bounds = bounds_;
    const auto multiplier = multiplier_;
    if (any_sum_) {
      // Per group with a sum bound: the multiplier of the projection of x, and of the
      // velocity's projection onto the tangent cone when the sum bound binds.
      const auto spans = spans_;
      const auto groups = publish(space.selected, space.instance);
      Kokkos::parallel_for(
          "dynaopt::bounds::multipliers", team_per_item(space.instance, space.selected.size()), KOKKOS_LAMBDA(const member_type& team) {
            const int k = groups(team.league_rank());
            const GroupBounds b = bounds(k);
            double position = 0, velocity = 0;
            if (b.has_sum) {
              const Span s = spans(k);
              const auto c = motion.group_coefficients(k);
              position = detail::sum_multiplier(team, PositionTerms<Motion>{x, motion, c, b, s.begin, s.end},
                                                b.max_sum);
              if (Motion::has_velocity && position > 0)
                velocity = detail::sum_multiplier(
                    team, VelocityTerms<Motion>{x, motion, c, b, position, s.begin, s.end}, 0.0);
            }
            Kokkos::single(Kokkos::PerTeam(team), [&]() {
              multiplier(2 * k) = position;
              multiplier(2 * k + 1) = velocity;
            });
          });
    }
    Kokkos::parallel_for(
        "dynaopt::bounds::constrain", team_per_item(space.instance, chunks.extent(0)), KOKKOS_LAMBDA(const member_type& team) {
          const Chunk chunk = chunks(team.league_rank());
          const GroupBounds b = bounds(chunk.group);
          const double position = b.has_sum ? multiplier(2 * chunk.group) : 0.0;
          const double velocity = b.has_sum ? multiplier(2 * chunk.group + 1) : 0.0;
          const auto c = motion.group_coefficients(chunk.group);
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, chunk.begin, chunk.end), [&](const std::size_t i) {
            const double v = double(x(i));
            const double y = position > 0 ? detail::clip(v - position * double(motion.step_size(c, i)), b.lower, b.upper)
                                          : detail::clip(v, b.lower, b.upper);
            if (y != v) x(i) = Scalar(y);
            if constexpr (Motion::has_velocity) {
              const double w = double(motion.velocity(c, i));
              const double tangent = VelocityTerms<Motion>::tangent(w, y, b, position > 0 ? velocity : 0.0);
              if (tangent != w) motion.set_velocity(c, i, Scalar(tangent));
            }
          });
        });
  }

  // The terms of the threshold searches (detail::sum_multiplier).
  template <class Motion>
  struct PositionTerms {  // sum_i clip(x_i - theta h_i, lower, upper) <= max_sum
    view_type x;
    Motion motion;
    typename Motion::coefficients c;
    GroupBounds b;
    std::size_t begin, end;
    KOKKOS_INLINE_FUNCTION double term(std::size_t i, double theta) const {
      return detail::clip(double(x(i)) - theta * double(motion.step_size(c, i)), b.lower, b.upper);
    }
    KOKKOS_INLINE_FUNCTION double rate(std::size_t i) const { return double(motion.step_size(c, i)); }
  };
  template <class Motion>
  struct VelocityTerms {  // the displacement sum_i h_i w_i <= 0 on the sum face
    view_type x;  // the unconstrained step, before the pass writes it
    Motion motion;
    typename Motion::coefficients c;
    GroupBounds b;
    double position;  // the position's multiplier
    std::size_t begin, end;
    // w shifted by theta and kept out of the faces y lies on (y_i at a bound: no outward w_i).
    KOKKOS_INLINE_FUNCTION static double tangent(double w, double y, const GroupBounds& b, double theta) {
      const double inf = math::infinity<double>();
      return detail::clip(w - theta, y <= b.lower ? 0.0 : -inf, y >= b.upper ? 0.0 : inf);
    }
    KOKKOS_INLINE_FUNCTION double term(std::size_t i, double theta) const {
      const double h = double(motion.step_size(c, i));
      const double y = detail::clip(double(x(i)) - position * h, b.lower, b.upper);
      return h * tangent(double(motion.velocity(c, i)), y, b, theta);
    }
    KOKKOS_INLINE_FUNCTION double rate(std::size_t i) const { return double(motion.step_size(c, i)); }
  };
  struct ConeTerms {  // -g onto the tangent cone at x: sum_i G_i <= 0 when the sum bound is active
    view_type x, g;
    GroupBounds b;
    std::size_t begin, end;
    KOKKOS_INLINE_FUNCTION static double projected(Scalar xi, Scalar gi, const GroupBounds& b, double theta) {
      const double inf = math::infinity<double>();
      return detail::clip(-double(gi) - theta, double(xi) - b.lower <= b.activity ? 0.0 : -inf,
                          b.upper - double(xi) <= b.activity ? 0.0 : inf);
    }
    KOKKOS_INLINE_FUNCTION double term(std::size_t i, double theta) const { return projected(x(i), g(i), b, theta); }
    KOKKOS_INLINE_FUNCTION double rate(std::size_t) const { return 1.0; }
  };

 private:
  // The selected groups on the device, for the per-group passes.
  // (A copy from pageable host memory on an instance has read its source when it returns.)
  Kokkos::View<const int*, Device> publish(const std::vector<int>& groups, const execution_space& instance) const {
    for (std::size_t i = 0; i < groups.size(); ++i) selected_host_(i) = groups[i];
    Kokkos::deep_copy(instance, selected_, selected_host_);
    return selected_;
  }
  // Bounds of one table of groups, applied to a space of another, would read past spans_.
  void require_groups(const space_type& space) const {
    if (space.group_count() != group_count())
      throw std::invalid_argument(key_ + ": bounds of " + std::to_string(group_count()) + " group(s) for a space of " +
                                  std::to_string(space.group_count()));
  }

  std::string key_;
  std::vector<GroupBounds> host_;
  Kokkos::View<GroupBounds*, Device> bounds_;
  Kokkos::View<Span*, Device> spans_;
  Kokkos::View<double*, Device> multiplier_;  // per group: position's, velocity's (or G's)
  Kokkos::View<int*, Device> selected_;
  typename Kokkos::View<int*, Device>::HostMirror selected_host_;
  bool any_sum_ = false;
};

}  // namespace dynaopt
