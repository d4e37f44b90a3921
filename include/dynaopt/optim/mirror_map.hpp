#pragma once
// Mirror maps for the mirror-descent form of the nonlinear momentum method (paper 001, Alg. 3):
// x <- grad psi*( grad psi(x) + step ). Each map offers to_dual = grad psi and
// from_dual = grad psi* = (grad psi)^-1.
#include <cmath>

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
// a + (b-a)/(1 + exp(-z)), strictly inside the box in exact arithmetic. In floating point the
// sum rounds to a or b once |z| passes about 37 in double, 17 in float (bounds of order one), and an iterate
// on a bound has the dual coordinate -inf or +inf, from which no step brings it back: so from_dual
// clamps to the representable values next inside the bounds.
struct BoxMap {
  double lower, upper;
  double inner_lower, inner_upper;      // the doubles next inside (lower, upper)
  float inner_lower_f, inner_upper_f;   // the floats next inside

  static BoxMap between(double a, double b) {
    float fa = float(a), fb = float(b);
    if (double(fa) <= a) fa = std::nextafter(fa, HUGE_VALF);
    if (double(fb) >= b) fb = std::nextafter(fb, -HUGE_VALF);
    return {a, b, std::nextafter(a, b), std::nextafter(b, a), fa, fb};
  }

  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION T to_dual(T x) const {
    return math::vector_log((x - T(lower)) / (T(upper) - x));
  }
  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION T from_dual(T z) const {
    const T x = T(lower) + T(upper - lower) / (T(1) + math::vector_exp(-z));
    const T low = sizeof(T) == sizeof(float) ? T(inner_lower_f) : T(inner_lower);
    const T high = sizeof(T) == sizeof(float) ? T(inner_upper_f) : T(inner_upper);
    return math::min(math::max(x, low), high);
  }
};

}  // namespace dynaopt
