#pragma once
// The one place that knows which Kokkos it is compiled against. dynaopt builds against
// Kokkos 3.4.01 (CI) and 4.x (clusters); everything version-specific is mapped here and
// nowhere else.
#include <Kokkos_Core.hpp>

#if KOKKOS_VERSION >= 40000
#define DYNAOPT_KOKKOS_MATH Kokkos
#else
#define DYNAOPT_KOKKOS_MATH Kokkos::Experimental
#endif

namespace dynaopt {
namespace math {

// Kokkos 3.4 keeps its portable math functions in Kokkos::Experimental; 4.x moved them to
// Kokkos:: and deprecated the old spelling.
using DYNAOPT_KOKKOS_MATH::cos;
using DYNAOPT_KOKKOS_MATH::exp;
using DYNAOPT_KOKKOS_MATH::fabs;
using DYNAOPT_KOKKOS_MATH::fmax;
using DYNAOPT_KOKKOS_MATH::log;
using DYNAOPT_KOKKOS_MATH::pow;
using DYNAOPT_KOKKOS_MATH::sin;
using DYNAOPT_KOKKOS_MATH::sqrt;

// Kokkos 3.4 has fabs but no floating-point abs.
template <class T>
KOKKOS_INLINE_FUNCTION T abs(T x) { return fabs(x); }

// +infinity on every backend (numeric traits: Kokkos::Experimental in 3.4 and 4.x).
template <class T>
KOKKOS_INLINE_FUNCTION constexpr T infinity() { return Kokkos::Experimental::infinity<T>::value; }

template <class T>
KOKKOS_INLINE_FUNCTION constexpr T max(T a, T b) { return a < b ? b : a; }
template <class T>
KOKKOS_INLINE_FUNCTION constexpr T min(T a, T b) { return b < a ? b : a; }

// x - x is 0 for every finite x and NaN for an infinity or a NaN: a finiteness test that needs
// no library function on any backend (and holds because no target builds with fast-math).
template <class T>
KOKKOS_INLINE_FUNCTION constexpr bool is_finite(T x) { return x - x == T(0); }

}  // namespace math

// Labelled fences exist only from Kokkos 3.6 on.
inline void fence(const char* label) {
#if KOKKOS_VERSION >= 30600
  Kokkos::fence(label);
#else
  (void)label;
  Kokkos::fence();
#endif
}

}  // namespace dynaopt

#undef DYNAOPT_KOKKOS_MATH

// Tells the host compiler that a loop's iterations are independent (the Views a kernel streams
// never alias), so that it vectorises the fused update without runtime alias checks.
#if defined(__clang__) && !defined(__CUDA_ARCH__)
#define DYNAOPT_VECTORIZE _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__) && !defined(__CUDA_ARCH__) && !defined(__INTEL_COMPILER)
#define DYNAOPT_VECTORIZE _Pragma("GCC ivdep")
#else
#define DYNAOPT_VECTORIZE
#endif

// Unrolls a short loop of a known trip count completely, so that what it carries from one
// iteration to the next (a statistics block's lane sums) stays in registers.
#if defined(__clang__) && !defined(__CUDA_ARCH__)
#define DYNAOPT_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__) && !defined(__CUDA_ARCH__) && !defined(__INTEL_COMPILER)
#define DYNAOPT_UNROLL _Pragma("GCC unroll 16")
#else
#define DYNAOPT_UNROLL
#endif
