#pragma once
// Powers |v|^e that a compiler can vectorise and a GPU evaluates in a few dozen instructions: the
// nonlinear momentum family of paper 001 takes two to four of them per parameter and step, and a
// call to the scalar library pow per element ran that family 40 times under the memory system.
//
//   vector_log(x)   log x (subnormals included; log 0 = -inf, NaN below 0, +inf and NaN pass)
//   vector_exp(y)   e^y, overflowing to +inf above the largest double (float) and to 0 below
//                   the smallest subnormal
//   Magnitude(v)    |v| and its logarithm, taken once for every power of the same element:
//                   |v|^e = exp(e log|v|)
//
// Both are written with the arithmetic of T, bit operations and selects only (no table, no
// call, no branch), so the fused loops stay SIMD loops on the host and branch-free on a device.
//   log: x = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), s = f / (m + 1), and
//        log m = 2 atanh s = f - s (f - 2 s^2 Q(s^2)) with Q a polynomial for the tail of
//        atanh's series (|s| <= 0.1716, s^2 <= 0.0295: 7 terms in double, 3 in float), then
//        k ln2 in two parts.
//   exp: y = n ln2 + r with n = round(y / ln2) (by the 1.5 2^52 shifter, n kept as a T),
//        |r| <= ln2 / 2, e^r = 1 + r (1 + r E(r)) with E a polynomial of degree 9 in double, 5 in
//        float, and 2^n applied as two factors so that results near the overflow and subnormal
//        ends are exact powers of two times e^r.
// Q and E are near-minimax: their truncated Chebyshev series, printed by
// scripts/power_coefficients.py (the truncation is 1.6e-18 and 1.2e-17 in double, 9e-10 and
// 1.6e-10 in float, well under half a unit of the last place), evaluated by Estrin's scheme: the
// loops are bound by the latency of one element's chain of dependent operations, which Estrin
// cuts from the degree to its logarithm.
// Accuracy, measured against std::pow by tstPower over every binade the optimizers can meet
// (subnormal to 1e300; the figures are in its header comment): the relative error of |v|^e is
// a few units in the last place plus |e log|v|| units of the logarithm's rounding, the error of
// any pow that rounds its logarithm to T (the library's carries extra bits).
#include <Kokkos_Core.hpp>
#include <cstdint>
#include <cstring>

#include "dynaopt/core/compat.hpp"

namespace dynaopt {
namespace math {
namespace detail {

template <class T>
struct Binary;  // the layout of T's bits

template <>
struct Binary<double> {
  using Bits = std::uint64_t;  // unsigned: the shifts of meaningless inputs stay defined
  static constexpr int mantissa = 52, bias = 1023;
  static constexpr double subnormal_scale = 0x1p54, shifter = 0x1.8p52, two_to_mantissa = 0x1p52;
  static constexpr double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
  static constexpr double overflow = 0x1.62e42fefa39efp+9;   // log of the largest double
  static constexpr double underflow = -0x1.74910d52d3051p+9;  // log of half the smallest subnormal
  static constexpr double splitter = 0x1p43 + 1;  // Veltkamp: a 10-bit head (k ln2_hi has 43 bits)
};

template <>
struct Binary<float> {
  using Bits = std::uint32_t;
  static constexpr int mantissa = 23, bias = 127;
  static constexpr float subnormal_scale = 0x1p25f, shifter = 0x1.8p23f, two_to_mantissa = 0x1p23f;
  static constexpr float ln2_hi = 0x1.62p-1f, ln2_lo = 0x1.c85fep-10f;  // 9 bits: k ln2_hi exact
  static constexpr float overflow = 0x1.62e42ep+6f;
  static constexpr float underflow = -0x1.9fe368p+6f;
  static constexpr float splitter = 0x1p17f + 1;  // a 7-bit head (k ln2_hi has 17 bits)
};

template <class T>
KOKKOS_FORCEINLINE_FUNCTION typename Binary<T>::Bits bits_of(T x) {
  typename Binary<T>::Bits b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T from_bits(typename Binary<T>::Bits b) {
  T x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}
// c ? a : b for the loops to stay SIMD loops. GCC (12) keeps floating-point traps by default and
// duplicates the operations after a ternary into its two arms, which are then conditional
// operations that may trap: without AVX-512's masked instructions it leaves the whole loop scalar
// (the nonlinear family ran 3 to 10 times slower on an AVX2 machine). An and-or of the bits under a
// mask made from the condition is no branch to any pass; AVX-512 and devices, which predicate,
// keep the ternary (one blend or selp).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T select(bool c, T a, T b) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__) || defined(__AVX512F__)
  return c ? a : b;
#else
  using Bits = typename Binary<T>::Bits;
  const Bits mask = Bits(0) - Bits(c);
  return from_bits<T>((bits_of(a) & mask) | (bits_of(b) & ~mask));
#endif
}
// a b + c, fused (one rounding, one instruction) where the hardware has it: a device, or a host
// compiled for FMA; elsewhere a multiply and an add, never a call.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T multiply_add(T a, T b, T c) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
  return fma(a, b, c);
#elif defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
  if constexpr (sizeof(T) == sizeof(float)) return __builtin_fmaf(a, b, c);
  else return __builtin_fma(a, b, c);
#else
  return a * b + c;
#endif
}

// C::values[I], read through a constexpr function in a constant expression: the way the CUDA
// programming guide allows device code to read an element of a host constexpr array (nvcc 13
// accepts a direct read as well; the guide promises no more).
template <class C, int I>
KOKKOS_INLINE_FUNCTION constexpr auto coefficient() {
  return C::values[I];
}
// sum_(j < N) c[First + j] u^j by Estrin's scheme, powers[k] = u^(2^k): the halves below and
// above the largest power of two under N are independent, so the chain of dependent
// operations is log2 N fused multiply-adds long instead of N.
template <class T, class C, int First, int N>
KOKKOS_FORCEINLINE_FUNCTION T estrin(const T* powers) {
  if constexpr (N == 1) {
    constexpr T c = T(coefficient<C, First>());
    return c;
  } else {
    constexpr int level = N > 8 ? 3 : N > 4 ? 2 : N > 2 ? 1 : 0, half = 1 << level;
    return multiply_add(estrin<T, C, First + half, N - half>(powers), powers[level], estrin<T, C, First, half>(powers));
  }
}
// 2^-k, k >= 0, in a constant expression.
template <class T>
KOKKOS_INLINE_FUNCTION constexpr T inverse_power_of_two(int k) {
  return k == 0 ? T(1) : T(0.5) * inverse_power_of_two<T>(k - 1);
}
template <class T, class C>
KOKKOS_FORCEINLINE_FUNCTION T polynomial(T u) {
  constexpr int n = int(sizeof(C::values) / sizeof(C::values[0]));
  static_assert(n <= 16, "powers up to u^8");
  constexpr int levels = n > 8 ? 4 : n > 4 ? 3 : n > 2 ? 2 : 1;
  // A subnormal power or product costs x86 a microcode assist of a hundred cycles per
  // operation (a float step of 1e-10 made the box mirror 2.1 times slower), so a u below
  // tiny = 2^-((bias - 1) / n) counts as 0: its terms after the constant one change the
  // polynomial by less than tiny relative to it, and every caller scales the polynomial by u or
  // more against the leading term of its result, far under T's precision. From tiny up every
  // power the scheme forms is at least tiny^(n - 1) and every product one of those times a
  // coefficient above 2^-30: normal. One select on u, not one per power, since it lies on the
  // chain of dependent operations the loops are bound by.
  constexpr T tiny = inverse_power_of_two<T>((Binary<T>::bias - 1) / n);
  T powers[levels];
  powers[0] = select(math::abs(u) < tiny, T(0), u);
  for (int k = 1; k < levels; ++k) powers[k] = powers[k - 1] * powers[k - 1];
  return estrin<T, C, 0, n>(powers);
}

// The coefficients of scripts/power_coefficients.py: E(r) = (e^r - 1 - r) / r^2 and
// Q(z) = (atanh(sqrt z) / sqrt z - 1) / z, lowest power first.
template <class T>
struct ExpTail;
template <>
struct ExpTail<double> {
  static constexpr double values[] = {0x1.0000000000001p-1, 0x1.5555555555557p-3, 0x1.5555555553d62p-5,
                                      0x1.11111111100dbp-7, 0x1.6c16c1788c0eep-10, 0x1.a01a01abe824dp-13,
                                      0x1.a019b90c7771cp-16, 0x1.71de02312a642p-19, 0x1.2891861bf46efp-22,
                                      0x1.af4dea43cc39ep-26};
};
template <>
struct ExpTail<float> {
  static constexpr float values[] = {0x1p-1f, 0x1.555556p-3f, 0x1.5554eap-5f, 0x1.1110c6p-7f, 0x1.6d4328p-10f, 0x1.a1517cp-13f};
};
template <class T>
struct AtanhTail;
template <>
struct AtanhTail<double> {
  static constexpr double values[] = {0x1.5555555555558p-2, 0x1.999999999527dp-3, 0x1.2492492dfb337p-3,
                                      0x1.c71c62da162a0p-4, 0x1.7462b7a2de7a9p-4, 0x1.39fe0564e6ca4p-4,
                                      0x1.2b5c60d039819p-4};
};
template <>
struct AtanhTail<float> {
  static constexpr float values[] = {0x1.55555cp-2f, 0x1.997c1ap-3f, 0x1.2ee916p-3f};
};

// 2^n for an integral n within T's normal exponents: n + bias in the low bits of the mantissa
// of 2^mantissa + n + bias, shifted into the exponent field (the shift drops 2^mantissa's own
// exponent bits off the top).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T power_of_two(T n) {
  using B = Binary<T>;
  return from_bits<T>(bits_of(n + (T(B::two_to_mantissa) + T(B::bias))) << B::mantissa);
}

}  // namespace detail

namespace detail {

// log x = hi + lo with hi = k ln2_hi exactly (k ln2_hi has at most T's digits), |lo| <= ln2
// apart from k ln2_lo: a power's exponent e log x is then formed without the rounding of a
// large product.
template <class T>
struct LogParts {
  T hi, lo;
};

template <class T>
KOKKOS_FORCEINLINE_FUNCTION LogParts<T> log_parts(T x) {
  using B = Binary<T>;
  using Bits = typename B::Bits;
  // Every select below picks between values computed on both sides: a select whose arm holds an
  // operation is a branch to a compiler that keeps floating-point traps (GCC's default), and a
  // branch keeps the loop from vectorising.
  // The subnormal test reads the top 32 bits of x (sign and exponent bits 0 only for +0 and
  // positive subnormals; a negative x, -0 included, gives NaN or -inf at the end, and Magnitude
  // passes |v|). In double this is the loop's one operation on 32-bit lanes, so GCC vectorises
  // with the factor of 32-bit data: every double operation becomes two vector instructions side
  // by side, two independent chains that the out-of-order core overlaps where one chain alone
  // fills its window (the eta = s = 1.9 step ran 1.2 times faster). Written as a shift and a
  // test for 0: GCC folded `top < 2^20` back into one 64-bit compare. In float it is the same
  // test on the whole word.
  constexpr int low_bits = 8 * int(sizeof(T)) - 32;
  const bool subnormal = (std::uint32_t(bits_of(x) >> low_bits) >> (B::mantissa - low_bits)) == 0;
  const T scaled = x * B::subnormal_scale;
  const Bits bits = bits_of(select(subnormal, scaled, x));
  const Bits mantissa_mask = (Bits(1) << B::mantissa) - 1;
  // x = 2^k m with m in [sqrt(1/2), sqrt(2)) in integer steps: adding bits(1) - bits(sqrt(1/2))
  // carries into the exponent field exactly when the mantissa is at or above sqrt(2)'s, and the
  // low bits plus bits(sqrt(1/2)) are then m's.
  const Bits sqrt_half = bits_of(T(0.70710678118654752440)), shifted = bits + (bits_of(T(1)) - sqrt_half);
  const T m = from_bits<T>((shifted & mantissa_mask) + sqrt_half);
  // The exponent field as a T without an integer conversion (none for 64 bits before AVX-512):
  // the field in the mantissa of 2^mantissa, then 2^mantissa subtracted.
  const T two_to_mantissa = T(B::two_to_mantissa);
  const T field = from_bits<T>((shifted >> B::mantissa) | bits_of(two_to_mantissa)) - two_to_mantissa;
  const T bias_normal = T(B::bias), bias_subnormal = T(B::bias + B::mantissa + 2);
  const T kf = field - select(subnormal, bias_subnormal, bias_normal);
  // m - 1 is exact; m + 1 (the same rounding of the same value as 2 + f) is formed beside it,
  // not after it.
  const T f = m - T(1), s = f / (m + T(1)), z = s * s;
  // 2 atanh(s) - 2s = 2 s z (1/3 + z/5 + z^2/7 + ...) = 2 s z Q(z), and 2s = f - s f
  const T q = polynomial<T, AtanhTail<T>>(z);
  const T log_m = multiply_add(-s, multiply_add(T(-2) * z, q, f), f);
  const T hi = kf * B::ln2_hi, lo = multiply_add(kf, T(B::ln2_lo), log_m);
  const bool finite = x < infinity<T>();  // +inf and NaN as they are
  return {select(finite, hi, x), select(finite, lo, T(0))};
}

// e^(hi + lo), hi a multiple of ln2_hi's last bit (or lo = 0), |lo| a few units at most.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T exp_parts(T hi, T lo) {
  using B = Binary<T>;
  using Bits = typename B::Bits;
  // Outside T's exponents (and for hi + lo of no integral n within 2^mantissa) what is computed
  // is meaningless and the selects at the end give the limits; NaN propagates.
  const T y = hi + lo;
  const T n = multiply_add(y, T(1.44269504088896340736), T(B::shifter)) - B::shifter;  // round to nearest
  // hi - n ln2_hi is exact (both are multiples of ln2_hi's last bit, and so is the short
  // difference): r carries only the roundings of small terms.
  const T r = multiply_add(-n, T(B::ln2_hi), hi) + multiply_add(-n, T(B::ln2_lo), lo);
  // 1 + r (1 + r E(r)): the last two steps by Horner's rule keep the rounding near 1 ulp; E's
  // own is damped by r^2 <= 0.12.
  const T p = multiply_add(r, multiply_add(r, polynomial<T, ExpTail<T>>(r), T(1)), T(1));
  // 2^n as 2^n1 2^(n - n1), each factor a normal number; n1 = round(n / 2) as n is.
  const T n1 = (n * T(0.5) + B::shifter) - B::shifter, n2 = n - n1;
  T result = p * power_of_two<T>(n1) * power_of_two<T>(n2);
  const T overflowed = infinity<T>(), underflowed = T(0);
  result = select(y > T(B::overflow), overflowed, result);
  result = select(y < T(B::underflow), underflowed, result);
  return result;
}

}  // namespace detail

using detail::select;

template <class T>
KOKKOS_FORCEINLINE_FUNCTION T vector_log(T x) {
  const detail::LogParts<T> l = detail::log_parts(x);
  const T nan = infinity<T>() - infinity<T>();
  return select(x > T(0), l.hi + l.lo, select(x == T(0), -infinity<T>(), nan));
}

template <class T>
KOKKOS_FORCEINLINE_FUNCTION T vector_exp(T y) {
  return detail::exp_parts(y, T(0));
}

// |v| and log|v|, for every power of the same element.
template <class T>
struct Magnitude {
  T abs;
  detail::LogParts<T> log;
  KOKKOS_FORCEINLINE_FUNCTION explicit Magnitude(T v) : abs(math::abs(v)), log(detail::log_parts(abs)) {}
  // |v|^e for e >= 0: 0 at v = 0 (also for e = 0: dry friction's sgn), 1 for e = 0 otherwise.
  // e = e_hi + e_lo with e_hi short enough that e_hi log.hi is exact (e is the same for a whole
  // loop: the split is hoisted out of it).
  KOKKOS_FORCEINLINE_FUNCTION T power(T e) const {
    const T t = e * detail::Binary<T>::splitter, e_hi = t - (t - e), e_lo = e - e_hi;
    const T p = detail::exp_parts(e_hi * log.hi, detail::multiply_add(e_lo, log.hi, e * log.lo));
    // Two selects after p, the others' conditions known long before it is.
    const T finite = select(abs == T(0), T(0), p), infinite = select(e == T(0), T(1), abs);
    return select(abs < infinity<T>(), finite, infinite);
  }
};
// a >= 0 with the sign bit of v: one bit operation where a negation and a select are two on
// the chain (v = -0 gives -a).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T with_sign_of(T a, T v) {
  using Bits = typename detail::Binary<T>::Bits;
  const Bits sign = Bits(1) << (8 * sizeof(T) - 1);
  return detail::from_bits<T>(detail::bits_of(a) | (detail::bits_of(v) & sign));
}
// sgn(v) |v|^e, e >= 0: the signed power every Hamiltonian update of paper 001 is made of
// (v = -0 gives -0).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T signed_power(T v, const Magnitude<T>& m, T e) {
  return with_sign_of(m.power(e), v);
}
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T signed_power(T v, T e) {
  return signed_power(v, Magnitude<T>(v), e);
}

}  // namespace math
}  // namespace dynaopt
