#pragma once
// Mirror maps for the mirror-descent form of the nonlinear momentum method (paper 001, Alg. 3):
// x <- grad psi*( grad psi(x) + step ). Each map offers to_dual = grad psi and
// from_dual = grad psi* = (grad psi)^-1.
#include "dynaopt/core/power.hpp"

namespace dynaopt {

// psi(x) = |x|^2 / 2: plain (Euclidean) updates; the heavy-ball and Nesterov forms use it.
struct EuclideanMap {
  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION T to_dual(T x) const { return x; }
  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION T from_dual(T z) const { return z; }
};

// l_p geometry: psi(x) = (1/p) sum |x_i|^p, grad psi(x) = sgn(x)|x|^(p-1), and its inverse
// sgn(z)|z|^(q-1) with 1/p + 1/q = 1, since (p-1)(q-1) = 1.
struct LpMap {
  double p_minus_one;
  double q_minus_one;

  static LpMap with_exponent(double p) { return {p - 1, 1 / (p - 1)}; }

  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION T to_dual(T x) const { return math::signed_power(x, T(p_minus_one)); }
  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION T from_dual(T z) const { return math::signed_power(z, T(q_minus_one)); }
};

// The box [lower, upper] through the Fermi-Dirac entropy
// psi(x) = (x-a) log(x-a) + (b-x) log(b-x): grad psi(x) = log((x-a)/(b-x)) and its inverse is
// a + (b-a)/(1 + exp(-z)), so every iterate stays strictly inside the box.
struct BoxMap {
  double lower;
  double upper;

  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION T to_dual(T x) const {
    return math::vector_log((x - T(lower)) / (T(upper) - x));
  }
  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION T from_dual(T z) const {
    return T(lower) + T(upper - lower) / (T(1) + math::vector_exp(-z));
  }
};

}  // namespace dynaopt
