#pragma once
// Exact Euclidean projection of layer thicknesses onto the design constraints of paper 001
// Sec. 4.2: every thickness >= t_min and the outer radius (their sum) <= R_max. With
// u = t - t_min the set is {u >= 0, sum u <= S}, S = R_max - n t_min; its projection is
// max(v, 0) when that already satisfies the sum, and otherwise the projection onto the simplex
// {u >= 0, sum u = S}, max(v - theta, 0) with the threshold theta of Held, Wolfe and Crowder
// (1974) / Duchi et al. (2008), found here without sorting (n is a handful of layers).
#include "dynaopt/core/compat.hpp"

namespace dynaopt::nanosphere {

// Projects t[0..n) in place; returns false when the set is empty (n t_min > R_max).
template <class T>
KOKKOS_INLINE_FUNCTION bool project_thicknesses(T* t, int n, T min_thickness, T max_radius) {
  const T budget = max_radius - T(n) * min_thickness;
  if (budget < T(0)) return false;
  T clipped_sum = 0;
  for (int i = 0; i < n; ++i) clipped_sum += math::max(t[i] - min_thickness, T(0));
  T theta = 0;
  if (clipped_sum > budget) {
    // Candidate j keeps the components v_i >= v_j and solves their sum - k theta = S; it is
    // consistent when v_j >= theta_j, and the threshold is the largest consistent candidate
    // (sum max(v - theta, 0) decreases in theta, and each consistent candidate has it >= S).
    for (int j = 0; j < n; ++j) {
      const T vj = t[j] - min_thickness;
      T kept_sum = 0;
      int kept = 0;
      for (int i = 0; i < n; ++i) {
        const T vi = t[i] - min_thickness;
        if (vi >= vj) kept_sum += vi, ++kept;
      }
      const T candidate = (kept_sum - budget) / T(kept);
      if (candidate <= vj && candidate > theta) theta = candidate;
    }
  }
  for (int i = 0; i < n; ++i) t[i] = min_thickness + math::max(t[i] - min_thickness - theta, T(0));
  return true;
}

}  // namespace dynaopt::nanosphere
