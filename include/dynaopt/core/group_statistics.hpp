#pragma once
// Per-group statistics of one step, gathered inside the fused update kernel and combined over
// ranks with a single allreduce: sums add, the frequency maximum takes the max.
#include <Kokkos_Core.hpp>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "dynaopt/core/compat.hpp"

namespace dynaopt {

struct GroupStatistics {
  double grad_abs_sum = 0;  // sum |g|
  double grad_sq_sum = 0;   // sum g^2
  double kinetic_energy = 0;  // K*(p) of the Hamiltonian family, 1/2 sum v^2 of Dyna and Adam
  double step_sq_sum = 0;     // sum (x_t - x_{t-1})^2: the step the update took (Dyna's effective step)
  double max_frequency = 0;   // max omega-hat (Dyna) or max sqrt(v-hat) (Adam): the stiffest mode

  static constexpr int sum_count = 4;  // leading members combined by sum, the rest by max

  // What an update reports per element, in its own precision (accumulated here in double):
  // the gradient, the kinetic energy (or a velocity, whose v^2 / 2 it is), the step x_t - x_(t-1),
  // a frequency.
  template <class V>
  KOKKOS_INLINE_FUNCTION void add_gradient(V g) {
    const double d = double(g);
    grad_abs_sum += d < 0 ? -d : d;
    grad_sq_sum += d * d;
  }
  template <class V>
  KOKKOS_INLINE_FUNCTION void add_kinetic(V k) { kinetic_energy += double(k); }
  template <class V>
  KOKKOS_INLINE_FUNCTION void add_velocity(V v) { kinetic_energy += 0.5 * double(v) * double(v); }
  template <class V>
  KOKKOS_INLINE_FUNCTION void add_step(V dx) { step_sq_sum += double(dx) * double(dx); }
  template <class V>
  KOKKOS_INLINE_FUNCTION void observe_frequency(V w) {
    const double d = double(w);
    max_frequency = max_frequency < d || d != d ? d : max_frequency;  // a NaN wins: it must surface
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
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION void add_gradient(V) const {}
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION void add_kinetic(V) const {}
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION void add_velocity(V) const {}
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION void add_step(V) const {}
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION void observe_frequency(V) const {}
};

// The statistics of a host loop, in SIMD lanes: `lanes` partial sums of each statistic in the
// parameters' precision T, which a loop over the lanes keeps in vector registers whatever T is
// (double accumulators of float data would halve the vector width and need conversions). 16
// lanes: one AVX-512 register of float, two of double, as many as a loop vectorised with the
// factor of 32-bit data takes per vector iteration (the nonlinear family's double loops are, for
// the reason core/power.hpp gives; with 8 lanes their rows did not vectorise that way and ran 1.3
// times slower). After every block of `fold` rows of lanes they are added into per-lane double
// sums (a SIMD loop too), so a float partial sum holds at most 8 terms; the double lanes are
// summed into the chunk's totals once, at its end. Eight rows also make a block the compiler
// unrolls completely (it unrolls no outer loop partly), so that the rows' chains of dependent
// operations overlap.
// The maximum runs on the bit patterns: for the non-negative frequencies they order as the
// values do (a NaN sorts above +inf, so it still surfaces), and an integer max vectorises where a
// floating-point one needs fast-math.
template <class T>
struct LaneStatistics {
  static constexpr int lanes = 16;  // elements per row
  static constexpr int fold = 8;
  using Bits = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  T abs_sum[lanes], sq_sum[lanes], kinetic[lanes], step_sq[lanes];  // this block's
  double chunk_abs[lanes], chunk_sq[lanes], chunk_kinetic[lanes], chunk_step_sq[lanes];
  Bits max_bits[lanes];

  LaneStatistics() {
    for (int j = 0; j < lanes; ++j) chunk_abs[j] = chunk_sq[j] = chunk_kinetic[j] = chunk_step_sq[j] = 0, max_bits[j] = 0;
    clear_block();
  }
  void clear_block() {
    for (int j = 0; j < lanes; ++j) abs_sum[j] = sq_sum[j] = kinetic[j] = step_sq[j] = T(0);
  }
  // The block's sums into the double lanes, and the block cleared. Kept a SIMD loop: unrolled,
  // its float-to-double conversions were 48 scalar ones per block, and float SGD's statistics
  // cost 80% over its step.
  void fold_block() {
    DYNAOPT_VECTORIZE
    DYNAOPT_KEEP_LOOP
    for (int j = 0; j < lanes; ++j) {
      chunk_abs[j] += double(abs_sum[j]), chunk_sq[j] += double(sq_sum[j]);
      chunk_kinetic[j] += double(kinetic[j]), chunk_step_sq[j] += double(step_sq[j]);
    }
    clear_block();
  }
  // Everything folded so far into `total`.
  void add_to(GroupStatistics& total) const {
    Bits top = 0;
    for (int j = 0; j < lanes; ++j) {
      total.grad_abs_sum += chunk_abs[j], total.grad_sq_sum += chunk_sq[j];
      total.kinetic_energy += chunk_kinetic[j], total.step_sq_sum += chunk_step_sq[j];
      top = top < max_bits[j] ? max_bits[j] : top;
    }
    T w;
    std::memcpy(&w, &top, sizeof w);
    total.observe_frequency(w);
  }

  // Lane j, as an update sees it.
  struct Lane {
    LaneStatistics& s;
    int j;
    template <class V>
    KOKKOS_FORCEINLINE_FUNCTION void add_gradient(V g) const {
      const T t = T(g);
      s.abs_sum[j] += math::abs(t);
      s.sq_sum[j] += t * t;
    }
    template <class V>
    KOKKOS_FORCEINLINE_FUNCTION void add_kinetic(V k) const { s.kinetic[j] += T(k); }
    template <class V>
    KOKKOS_FORCEINLINE_FUNCTION void add_velocity(V v) const {
      const T t = T(v);
      s.kinetic[j] += T(0.5) * t * t;
    }
    template <class V>
    KOKKOS_FORCEINLINE_FUNCTION void add_step(V dx) const {
      const T t = T(dx);
      s.step_sq[j] += t * t;
    }
    template <class V>
    KOKKOS_FORCEINLINE_FUNCTION void observe_frequency(V w) const {
      const T t = T(w);
      Bits bits;
      std::memcpy(&bits, &t, sizeof bits);
      s.max_bits[j] = s.max_bits[j] < bits ? bits : s.max_bits[j];
    }
  };
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
