#pragma once
// A small complex type for device code over any real-like T: Kokkos::complex accepts only
// floating-point types, and the Mie kernel must also run on forward-mode dual numbers.
// Everything is force-inlined: over dual numbers these are struct-returning calls that the
// compiler otherwise leaves out of line in the large Mie kernel (1.4x slower gradients).
#include <type_traits>

#include "dynaopt/core/compat.hpp"

namespace dynaopt::nanosphere {

template <class T>
struct Complex {
  T re{}, im{};

  constexpr Complex() = default;
  KOKKOS_FORCEINLINE_FUNCTION constexpr Complex(T r) : re(r), im(T(0)) {}  // NOLINT: reals are complex
  KOKKOS_FORCEINLINE_FUNCTION constexpr Complex(T r, T i) : re(r), im(i) {}

  KOKKOS_FORCEINLINE_FUNCTION Complex& operator+=(const Complex& o) { re += o.re, im += o.im; return *this; }
  KOKKOS_FORCEINLINE_FUNCTION Complex& operator-=(const Complex& o) { re -= o.re, im -= o.im; return *this; }
  KOKKOS_FORCEINLINE_FUNCTION Complex& operator*=(const Complex& o) { return *this = *this * o; }
  KOKKOS_FORCEINLINE_FUNCTION Complex& operator/=(const Complex& o) { return *this = *this / o; }

  KOKKOS_FORCEINLINE_FUNCTION friend Complex operator+(const Complex& a, const Complex& b) { return {a.re + b.re, a.im + b.im}; }
  KOKKOS_FORCEINLINE_FUNCTION friend Complex operator-(const Complex& a, const Complex& b) { return {a.re - b.re, a.im - b.im}; }
  KOKKOS_FORCEINLINE_FUNCTION friend Complex operator-(const Complex& a) { return {-a.re, -a.im}; }
  KOKKOS_FORCEINLINE_FUNCTION friend Complex operator*(const Complex& a, const Complex& b) {
    return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  }
  // A real factor costs two products, not the four of a complex one.
  KOKKOS_FORCEINLINE_FUNCTION friend Complex operator*(const T& s, const Complex& z) { return {s * z.re, s * z.im}; }
  KOKKOS_FORCEINLINE_FUNCTION friend Complex operator*(const Complex& z, const T& s) { return {z.re * s, z.im * s}; }
  KOKKOS_FORCEINLINE_FUNCTION friend Complex operator/(const Complex& a, const Complex& b) { return divide(a, b); }
};

// Smith's algorithm (Commun. ACM 5, 435 (1962)): scales by the larger component of b, so |b|^2
// is never formed and cannot overflow or underflow. Number types with a cheaper exact rule
// overload divide (dual.hpp); operator/ finds the overload by argument-dependent lookup.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION Complex<T> divide(const Complex<T>& a, const Complex<T>& b) {
  using math::abs;
  if (abs(b.re) >= abs(b.im)) {
    const T r = b.im / b.re, inverse = T(1) / (b.re + b.im * r);
    return {(a.re + a.im * r) * inverse, (a.im - a.re * r) * inverse};
  }
  const T r = b.re / b.im, inverse = T(1) / (b.re * r + b.im);
  return {(a.re * r + a.im) * inverse, (a.im * r - a.re) * inverse};
}

// A product of complex numbers over different reals, e.g. a constant refractive index
// (double) times a field quantity that carries derivatives (dual): only the products that can
// carry derivatives are formed over the richer type.
template <class A, class B, class = std::enable_if_t<!std::is_same<A, B>::value>>
KOKKOS_FORCEINLINE_FUNCTION auto operator*(const Complex<A>& a, const Complex<B>& b) -> Complex<decltype(a.re * b.re)> {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}

template <class T>
KOKKOS_FORCEINLINE_FUNCTION T real(const Complex<T>& z) { return z.re; }
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T imag(const Complex<T>& z) { return z.im; }
template <class T>
KOKKOS_FORCEINLINE_FUNCTION Complex<T> conj(const Complex<T>& z) { return {z.re, -z.im}; }
// |z|^2
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T abs2(const Complex<T>& z) { return z.re * z.re + z.im * z.im; }
// exp(i z) = exp(-Im z) (cos Re z + i sin Re z); bounded by 1 for Im z >= 0.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION Complex<T> exp_i(const Complex<T>& z) {
  using math::cos;
  using math::exp;
  using math::sin;
  const T decay = exp(-z.im);
  return {decay * cos(z.re), decay * sin(z.re)};
}

}  // namespace dynaopt::nanosphere
