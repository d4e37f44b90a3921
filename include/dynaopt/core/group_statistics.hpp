#pragma once
// Per-group statistics of one step, gathered inside the fused update kernel and combined over
// ranks with a single allreduce: sums add, the frequency maximum takes the max.
#include <Kokkos_Core.hpp>
#include <cstdint>
#include <cstring>

namespace dynaopt {

struct GroupStatistics {
  double grad_abs_sum = 0;  // sum |g|
  double grad_sq_sum = 0;   // sum g^2
  double kinetic_energy = 0;  // K*(p) of the Hamiltonian family, 1/2 sum v^2 of Dyna and Adam
  double step_sq_sum = 0;     // sum (x_t - x_{t-1})^2: the step the update took (Dyna's effective step)
  double max_frequency = 0;   // max omega-hat (Dyna) or max sqrt(v-hat) (Adam): the stiffest mode

  static constexpr int sum_count = 4;  // leading members combined by sum, the rest by max

  KOKKOS_INLINE_FUNCTION void add_gradient(double g) {
    grad_abs_sum += g < 0 ? -g : g;
    grad_sq_sum += g * g;
  }
  KOKKOS_INLINE_FUNCTION void add_kinetic(double k) { kinetic_energy += k; }
  KOKKOS_INLINE_FUNCTION void add_step(double dx) { step_sq_sum += dx * dx; }
  KOKKOS_INLINE_FUNCTION void observe_frequency(double w) {
    max_frequency = max_frequency < w ? w : max_frequency;
  }
  KOKKOS_INLINE_FUNCTION GroupStatistics& operator+=(const GroupStatistics& o) {
    grad_abs_sum += o.grad_abs_sum;
    grad_sq_sum += o.grad_sq_sum;
    kinetic_energy += o.kinetic_energy;
    step_sq_sum += o.step_sq_sum;
    observe_frequency(o.max_frequency);
    return *this;
  }
};

// What an update sees when nobody asked for statistics: every call vanishes when inlined,
// so the plain step streams its arrays with nothing else in the loop.
struct NoStatistics {
  KOKKOS_INLINE_FUNCTION void add_gradient(double) const {}
  KOKKOS_INLINE_FUNCTION void add_kinetic(double) const {}
  KOKKOS_INLINE_FUNCTION void add_step(double) const {}
  KOKKOS_INLINE_FUNCTION void observe_frequency(double) const {}
};

// The same accumulation into plain variables of a host loop: the form an OpenMP SIMD
// reduction keeps in vector registers. The maximum runs on the bit patterns: for the
// non-negative frequencies they order as the values do (a NaN sorts above +inf, so it still
// surfaces), and an integer max vectorises where a floating-point one needs fast-math.
struct StatisticsAccumulators {
  double& grad_abs_sum;
  double& grad_sq_sum;
  double& kinetic_energy;
  double& step_sq_sum;
  std::int64_t& max_frequency_bits;

  void add_gradient(double g) const {
    grad_abs_sum += g < 0 ? -g : g;
    grad_sq_sum += g * g;
  }
  void add_kinetic(double k) const { kinetic_energy += k; }
  void add_step(double dx) const { step_sq_sum += dx * dx; }
  void observe_frequency(double w) const {
    std::int64_t bits;
    std::memcpy(&bits, &w, sizeof bits);
    max_frequency_bits = max_frequency_bits < bits ? bits : max_frequency_bits;
  }
  static double frequency(std::int64_t bits) {
    double w;
    std::memcpy(&w, &bits, sizeof w);
    return w;
  }
};

template <class Device>
using StatisticsView = Kokkos::View<GroupStatistics*, Device>;

}  // namespace dynaopt

namespace Kokkos {
// Lets Kokkos' Sum reducer combine GroupStatistics inside a team.
template <>
struct reduction_identity<dynaopt::GroupStatistics> {
  KOKKOS_FORCEINLINE_FUNCTION static dynaopt::GroupStatistics sum() { return {}; }
};
}  // namespace Kokkos
