#pragma once
// Forward-mode dual numbers with N derivative components: pushing Dual<double, N> through the
// Mie kernel gives the exact gradient with respect to N seeded inputs (the layer thicknesses)
// in one pass. Comparisons look at the value only, so control flow is the value's. Force-
// inlined throughout, like complex.hpp, so that duals stay in registers inside the Mie kernel.
#include "dynaopt/core/compat.hpp"
#include "dynaopt/problems/nanosphere/complex.hpp"

namespace dynaopt::nanosphere {

template <class T, int N>
struct Dual {
  T value{};
  T d[N]{};

  constexpr Dual() = default;
  KOKKOS_FORCEINLINE_FUNCTION constexpr Dual(T v) : value(v) {}  // NOLINT: constants have zero derivative
  KOKKOS_FORCEINLINE_FUNCTION static Dual variable(T v, int k) {
    Dual r(v);
    r.d[k] = T(1);
    return r;
  }

  KOKKOS_FORCEINLINE_FUNCTION Dual& operator+=(const Dual& o) { return *this = *this + o; }
  KOKKOS_FORCEINLINE_FUNCTION Dual& operator-=(const Dual& o) { return *this = *this - o; }
  KOKKOS_FORCEINLINE_FUNCTION Dual& operator*=(const Dual& o) { return *this = *this * o; }
  KOKKOS_FORCEINLINE_FUNCTION Dual& operator/=(const Dual& o) { return *this = *this / o; }

  // f(value) with derivative f'(value) by the chain rule.
  KOKKOS_FORCEINLINE_FUNCTION Dual chain(T f, T slope) const {
    Dual r(f);
    for (int k = 0; k < N; ++k) r.d[k] = slope * d[k];
    return r;
  }

  KOKKOS_FORCEINLINE_FUNCTION friend Dual operator+(const Dual& a, const Dual& b) {
    Dual r(a.value + b.value);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] + b.d[k];
    return r;
  }
  KOKKOS_FORCEINLINE_FUNCTION friend Dual operator-(const Dual& a, const Dual& b) {
    Dual r(a.value - b.value);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] - b.d[k];
    return r;
  }
  KOKKOS_FORCEINLINE_FUNCTION friend Dual operator-(const Dual& a) { return a.chain(-a.value, T(-1)); }
  KOKKOS_FORCEINLINE_FUNCTION friend Dual operator*(const Dual& a, const Dual& b) {
    Dual r(a.value * b.value);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] * b.value + a.value * b.d[k];
    return r;
  }
  // One reciprocal shared by the value and all N derivatives.
  KOKKOS_FORCEINLINE_FUNCTION friend Dual operator/(const Dual& a, const Dual& b) {
    const T inverse = T(1) / b.value, q = a.value * inverse;
    Dual r(q);
    for (int k = 0; k < N; ++k) r.d[k] = (a.d[k] - q * b.d[k]) * inverse;
    return r;
  }
  // A constant factor: N products instead of 2N.
  KOKKOS_FORCEINLINE_FUNCTION friend Dual operator*(const T& s, const Dual& a) { return a.chain(s * a.value, s); }
  KOKKOS_FORCEINLINE_FUNCTION friend Dual operator*(const Dual& a, const T& s) { return a.chain(a.value * s, s); }

  KOKKOS_FORCEINLINE_FUNCTION friend bool operator==(const Dual& a, const Dual& b) { return a.value == b.value; }
  KOKKOS_FORCEINLINE_FUNCTION friend bool operator!=(const Dual& a, const Dual& b) { return a.value != b.value; }
  KOKKOS_FORCEINLINE_FUNCTION friend bool operator<(const Dual& a, const Dual& b) { return a.value < b.value; }
  KOKKOS_FORCEINLINE_FUNCTION friend bool operator>(const Dual& a, const Dual& b) { return a.value > b.value; }
  KOKKOS_FORCEINLINE_FUNCTION friend bool operator<=(const Dual& a, const Dual& b) { return a.value <= b.value; }
  KOKKOS_FORCEINLINE_FUNCTION friend bool operator>=(const Dual& a, const Dual& b) { return a.value >= b.value; }
};

template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION T value_of(const Dual<T, N>& v) { return v.value; }
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Dual<T, N> abs(const Dual<T, N>& v) { return v.value < T(0) ? -v : v; }
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Dual<T, N> sqrt(const Dual<T, N>& v) {
  const T s = math::sqrt(v.value);
  return v.chain(s, T(0.5) / s);
}
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Dual<T, N> exp(const Dual<T, N>& v) {
  const T e = math::exp(v.value);
  return v.chain(e, e);
}
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Dual<T, N> log(const Dual<T, N>& v) { return v.chain(math::log(v.value), T(1) / v.value); }
// v^p for a constant exponent p.
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Dual<T, N> pow(const Dual<T, N>& v, double p) {
  const T power = math::pow(v.value, T(p));
  return v.chain(power, T(p) * math::pow(v.value, T(p - 1)));
}
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Dual<T, N> sin(const Dual<T, N>& v) { return v.chain(math::sin(v.value), math::cos(v.value)); }
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Dual<T, N> cos(const Dual<T, N>& v) { return v.chain(math::cos(v.value), -math::sin(v.value)); }

// Quotient of complex duals: the value by Smith's division of the values, each derivative by
// the quotient rule d(a/b) = (da - (a/b) db) / b over plain complex numbers, instead of Smith's
// algorithm carried out in dual arithmetic.
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Complex<Dual<T, N>> divide(const Complex<Dual<T, N>>& a, const Complex<Dual<T, N>>& b) {
  const Complex<T> b_value(b.re.value, b.im.value), inverse = Complex<T>(T(1)) / b_value;
  const Complex<T> q = Complex<T>(a.re.value, a.im.value) / b_value;
  Complex<Dual<T, N>> r(Dual<T, N>(q.re), Dual<T, N>(q.im));
  for (int k = 0; k < N; ++k) {
    const Complex<T> dq = (Complex<T>(a.re.d[k], a.im.d[k]) - q * Complex<T>(b.re.d[k], b.im.d[k])) * inverse;
    r.re.d[k] = dq.re;
    r.im.d[k] = dq.im;
  }
  return r;
}

// Lifting a function whose value f and derivative f' at the value of its argument are known
// (computed in plain arithmetic) onto a dual argument u: f(u) carries f'(u) du. The Mie kernel
// runs its special-function recurrences on plain numbers and lifts the results this way,
// instead of pushing every step of the recurrences through dual arithmetic.
//
// real argument, real function
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Dual<T, N> analytic_at(const Dual<T, N>& u, const T& f, const T& slope) {
  return u.chain(f, slope);
}
// real argument, complex function
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Complex<Dual<T, N>> analytic_at(const Dual<T, N>& u, const Complex<T>& f, const Complex<T>& slope) {
  return {u.chain(f.re, slope.re), u.chain(f.im, slope.im)};
}
// complex argument, complex-analytic function: df = f'(z) dz
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Complex<Dual<T, N>> analytic_at(const Complex<Dual<T, N>>& z, const Complex<T>& f,
                                                       const Complex<T>& slope) {
  Complex<Dual<T, N>> r(Dual<T, N>(f.re), Dual<T, N>(f.im));
  for (int k = 0; k < N; ++k) {
    r.re.d[k] = slope.re * z.re.d[k] - slope.im * z.im.d[k];
    r.im.d[k] = slope.re * z.im.d[k] + slope.im * z.re.d[k];
  }
  return r;
}
// two complex arguments: df = (df/dz1) dz1 + (df/dz2) dz2
template <class T, int N>
KOKKOS_FORCEINLINE_FUNCTION Complex<Dual<T, N>> analytic_at(const Complex<Dual<T, N>>& z1, const Complex<Dual<T, N>>& z2,
                                                       const Complex<T>& f, const Complex<T>& slope1,
                                                       const Complex<T>& slope2) {
  Complex<Dual<T, N>> r(Dual<T, N>(f.re), Dual<T, N>(f.im));
  for (int k = 0; k < N; ++k) {
    r.re.d[k] = slope1.re * z1.re.d[k] - slope1.im * z1.im.d[k] + slope2.re * z2.re.d[k] - slope2.im * z2.im.d[k];
    r.im.d[k] = slope1.re * z1.im.d[k] + slope1.im * z1.re.d[k] + slope2.re * z2.im.d[k] + slope2.im * z2.re.d[k];
  }
  return r;
}

}  // namespace dynaopt::nanosphere
