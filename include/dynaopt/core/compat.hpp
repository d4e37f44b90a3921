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

// Lets a host function's loops use the widest vectors the target has (AVX-512's 64 bytes where
// the code is compiled for it): GCC's tunings for Intel cores prefer 32-byte vectors, which
// suits mixed code, while the fused loops are SIMD arithmetic only (the nonlinear family's
// powers ran 1.5 times faster on a Xeon; the memory-bound steps do not change). Not inlined:
// inlined into Kokkos' caller, the loop would be vectorised with the caller's width. Only the
// width changes; the instruction set stays the one the code is compiled for.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && !defined(__HIPCC__) && \
    !defined(__INTEL_COMPILER) && defined(__AVX512F__)
#define DYNAOPT_WIDE_VECTORS __attribute__((target("prefer-vector-width=512"), noinline))
#else
#define DYNAOPT_WIDE_VECTORS
#endif

// Unrolls a loop by n: copies of a long loop body side by side, so that the loads of the next
// elements issue while one element's chain of dependent operations runs (the nonlinear family's
// members with one power: 1.5-2 times faster with 4 copies; 16 spilled registers and lost).
#define DYNAOPT_PRAGMA(text) _Pragma(#text)
#if defined(__clang__) && !defined(__CUDA_ARCH__)
#define DYNAOPT_UNROLL(n) DYNAOPT_PRAGMA(clang loop unroll_count(n))
#elif defined(__GNUC__) && !defined(__CUDA_ARCH__) && !defined(__INTEL_COMPILER)
#define DYNAOPT_UNROLL(n) DYNAOPT_PRAGMA(GCC unroll n)
#else
#define DYNAOPT_UNROLL(n)
#endif

// Keeps a loop of a known short trip count a loop, so that the vectoriser makes it one SIMD
// iteration over a row of lanes. GCC otherwise unrolls it completely first and vectorises the
// enclosing loop across rows instead: a statistics block's lane sums then become chains of
// scalar adds (measured: 40% over the plain step, against nothing with the row kept a loop).
#if defined(__clang__) && !defined(__CUDA_ARCH__)
#define DYNAOPT_KEEP_LOOP _Pragma("clang loop unroll(disable)")
#elif defined(__GNUC__) && !defined(__CUDA_ARCH__) && !defined(__INTEL_COMPILER)
#define DYNAOPT_KEEP_LOOP _Pragma("GCC unroll 1")
#else
#define DYNAOPT_KEEP_LOOP
#endif
