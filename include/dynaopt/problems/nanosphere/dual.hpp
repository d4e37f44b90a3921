#pragma once
// Forward-mode dual numbers with N derivative components: pushing Dual<double, N> through the
// Mie kernel gives the exact gradient with respect to N seeded inputs (the layer thicknesses)
// in one pass. Comparisons look at the value only, so control flow is the value's.
#include "dynaopt/core/compat.hpp"

namespace dynaopt::nanosphere {

template <class T, int N>
struct Dual {
  T value{};
  T d[N]{};

  KOKKOS_INLINE_FUNCTION constexpr Dual() = default;
  KOKKOS_INLINE_FUNCTION constexpr Dual(T v) : value(v) {}  // NOLINT: constants have zero derivative
  KOKKOS_INLINE_FUNCTION static Dual variable(T v, int k) {
    Dual r(v);
    r.d[k] = T(1);
    return r;
  }

  KOKKOS_INLINE_FUNCTION Dual& operator+=(const Dual& o) { return *this = *this + o; }
  KOKKOS_INLINE_FUNCTION Dual& operator-=(const Dual& o) { return *this = *this - o; }
  KOKKOS_INLINE_FUNCTION Dual& operator*=(const Dual& o) { return *this = *this * o; }
  KOKKOS_INLINE_FUNCTION Dual& operator/=(const Dual& o) { return *this = *this / o; }

  // f(value) with derivative f'(value) by the chain rule.
  KOKKOS_INLINE_FUNCTION Dual chain(T f, T slope) const {
    Dual r(f);
    for (int k = 0; k < N; ++k) r.d[k] = slope * d[k];
    return r;
  }

  KOKKOS_INLINE_FUNCTION friend Dual operator+(const Dual& a, const Dual& b) {
    Dual r(a.value + b.value);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] + b.d[k];
    return r;
  }
  KOKKOS_INLINE_FUNCTION friend Dual operator-(const Dual& a, const Dual& b) {
    Dual r(a.value - b.value);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] - b.d[k];
    return r;
  }
  KOKKOS_INLINE_FUNCTION friend Dual operator-(const Dual& a) { return a.chain(-a.value, T(-1)); }
  KOKKOS_INLINE_FUNCTION friend Dual operator*(const Dual& a, const Dual& b) {
    Dual r(a.value * b.value);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] * b.value + a.value * b.d[k];
    return r;
  }
  KOKKOS_INLINE_FUNCTION friend Dual operator/(const Dual& a, const Dual& b) {
    const T q = a.value / b.value;
    Dual r(q);
    for (int k = 0; k < N; ++k) r.d[k] = (a.d[k] - q * b.d[k]) / b.value;
    return r;
  }
  KOKKOS_INLINE_FUNCTION friend bool operator<(const Dual& a, const Dual& b) { return a.value < b.value; }
  KOKKOS_INLINE_FUNCTION friend bool operator>(const Dual& a, const Dual& b) { return a.value > b.value; }
  KOKKOS_INLINE_FUNCTION friend bool operator<=(const Dual& a, const Dual& b) { return a.value <= b.value; }
  KOKKOS_INLINE_FUNCTION friend bool operator>=(const Dual& a, const Dual& b) { return a.value >= b.value; }
};

template <class T, int N>
KOKKOS_INLINE_FUNCTION double value_of(const Dual<T, N>& v) { return double(v.value); }
template <class T, int N>
KOKKOS_INLINE_FUNCTION Dual<T, N> abs(const Dual<T, N>& v) { return v.value < T(0) ? -v : v; }
template <class T, int N>
KOKKOS_INLINE_FUNCTION Dual<T, N> sqrt(const Dual<T, N>& v) {
  const T s = math::sqrt(v.value);
  return v.chain(s, T(0.5) / s);
}
template <class T, int N>
KOKKOS_INLINE_FUNCTION Dual<T, N> exp(const Dual<T, N>& v) {
  const T e = math::exp(v.value);
  return v.chain(e, e);
}
template <class T, int N>
KOKKOS_INLINE_FUNCTION Dual<T, N> sin(const Dual<T, N>& v) { return v.chain(math::sin(v.value), math::cos(v.value)); }
template <class T, int N>
KOKKOS_INLINE_FUNCTION Dual<T, N> cos(const Dual<T, N>& v) { return v.chain(math::cos(v.value), -math::sin(v.value)); }

}  // namespace dynaopt::nanosphere
