#pragma once
// The (scalar, device) pairs every backend-generic test runs over: each enabled Kokkos backend
// (Serial, OpenMP, CUDA), in double and, for AllBackends, also float.
#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>

namespace dynaopt::test {

template <class S, class D>
struct Backend {
  using scalar = S;
  using device = D;
};

template <class... T>
struct List {};
template <class... Lists>
struct Concat;
template <class... A>
struct Concat<List<A...>> {
  using type = List<A...>;
};
template <class... A, class... B, class... Rest>
struct Concat<List<A...>, List<B...>, Rest...> {
  using type = typename Concat<List<A..., B...>, Rest...>::type;
};
template <class L>
struct AsGtestTypes;
template <class... T>
struct AsGtestTypes<List<T...>> {
  using type = ::testing::Types<T...>;
};

template <class S>
using BackendsOf = typename Concat<
#if defined(KOKKOS_ENABLE_SERIAL)
    List<Backend<S, Kokkos::Serial::device_type>>,
#else
    List<>,
#endif
#if defined(KOKKOS_ENABLE_OPENMP)
    List<Backend<S, Kokkos::OpenMP::device_type>>,
#else
    List<>,
#endif
#if defined(KOKKOS_ENABLE_CUDA)
    List<Backend<S, Kokkos::Cuda::device_type>>
#else
    List<>
#endif
    >::type;

using DoubleBackends = AsGtestTypes<BackendsOf<double>>::type;
using AllBackends = AsGtestTypes<typename Concat<BackendsOf<double>, BackendsOf<float>>::type>::type;

// Names the instantiations after their backend and scalar in the test output.
struct BackendName {
  template <class B>
  static std::string GetName(int) {
    return std::string(B::device::execution_space::name()) +
           (std::is_same<typename B::scalar, double>::value ? "_double" : "_float");
  }
};

}  // namespace dynaopt::test
