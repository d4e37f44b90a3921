#pragma once
// A small complex type for device code over any real-like T: Kokkos::complex accepts only
// floating-point types, and the Mie kernel must also run on forward-mode dual numbers.
#include "dynaopt/core/compat.hpp"

namespace dynaopt::nanosphere {

template <class T>
struct Complex {
  T re{}, im{};

  KOKKOS_INLINE_FUNCTION constexpr Complex() = default;
  KOKKOS_INLINE_FUNCTION constexpr Complex(T r) : re(r), im(T(0)) {}  // NOLINT: reals are complex
  KOKKOS_INLINE_FUNCTION constexpr Complex(T r, T i) : re(r), im(i) {}

  KOKKOS_INLINE_FUNCTION Complex& operator+=(const Complex& o) { re += o.re, im += o.im; return *this; }
  KOKKOS_INLINE_FUNCTION Complex& operator-=(const Complex& o) { re -= o.re, im -= o.im; return *this; }
  KOKKOS_INLINE_FUNCTION Complex& operator*=(const Complex& o) { return *this = *this * o; }
  KOKKOS_INLINE_FUNCTION Complex& operator/=(const Complex& o) { return *this = *this / o; }

  KOKKOS_INLINE_FUNCTION friend Complex operator+(const Complex& a, const Complex& b) { return {a.re + b.re, a.im + b.im}; }
  KOKKOS_INLINE_FUNCTION friend Complex operator-(const Complex& a, const Complex& b) { return {a.re - b.re, a.im - b.im}; }
  KOKKOS_INLINE_FUNCTION friend Complex operator-(const Complex& a) { return {-a.re, -a.im}; }
  KOKKOS_INLINE_FUNCTION friend Complex operator*(const Complex& a, const Complex& b) {
    return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  }
  // Smith's algorithm: scales by the larger component of b so |b|^2 cannot overflow.
  KOKKOS_INLINE_FUNCTION friend Complex operator/(const Complex& a, const Complex& b) {
    using math::abs;
    if (abs(b.re) >= abs(b.im)) {
      const T r = b.im / b.re, d = b.re + b.im * r;
      return {(a.re + a.im * r) / d, (a.im - a.re * r) / d};
    }
    const T r = b.re / b.im, d = b.re * r + b.im;
    return {(a.re * r + a.im) / d, (a.im * r - a.re) / d};
  }
};

template <class T>
KOKKOS_INLINE_FUNCTION Complex<T> conj(const Complex<T>& z) { return {z.re, -z.im}; }
template <class T>
KOKKOS_INLINE_FUNCTION T norm2(const Complex<T>& z) { return z.re * z.re + z.im * z.im; }
template <class T>
KOKKOS_INLINE_FUNCTION T modulus(const Complex<T>& z) { return math::sqrt(norm2(z)); }
// exp(i z) = exp(-Im z) (cos Re z + i sin Re z)
template <class T>
KOKKOS_INLINE_FUNCTION Complex<T> exp_i(const Complex<T>& z) {
  using math::cos;
  using math::exp;
  using math::sin;
  const T decay = exp(-z.im);
  return {decay * cos(z.re), decay * sin(z.re)};
}

}  // namespace dynaopt::nanosphere
