#pragma once
// The optimizer classes compiled once, for dynaopt's own executables (driver, tests, benchmarks).
// Their kernels are header templates, instantiated by every translation unit that builds or
// steps one: about a minute of compilation per (scalar, device) pair for the nonlinear family
// alone, paid again in each of a dozen test files. A target that links the internal
// dynaopt_prebuilt library gets DYNAOPT_PREBUILT_OPTIMIZERS defined; each optimizer header then
// declares its class `extern template` for the pairs below, and src/prebuilt_*.cpp instantiate
// them, with the flags of dynaopt's executables. Without the macro (the installed package: a
// consumer's project) nothing changes: the kernels instantiate where they are used, with the
// consumer's own flags. A pair not listed (another scalar, a user's own memory space)
// instantiates as any template does.
#include <Kokkos_Core.hpp>

// F(Class, Scalar, Device) for each host and device backend Kokkos enables, the pairs the tests
// run over (tests/test_backends.hpp).
#if defined(KOKKOS_ENABLE_SERIAL)
#define DYNAOPT_PREBUILT_ON_SERIAL(F, C, S) F(C, S, Kokkos::Serial::device_type)
#else
#define DYNAOPT_PREBUILT_ON_SERIAL(F, C, S)
#endif
#if defined(KOKKOS_ENABLE_OPENMP)
#define DYNAOPT_PREBUILT_ON_OPENMP(F, C, S) F(C, S, Kokkos::OpenMP::device_type)
#else
#define DYNAOPT_PREBUILT_ON_OPENMP(F, C, S)
#endif
#if defined(KOKKOS_ENABLE_CUDA)
#define DYNAOPT_PREBUILT_ON_CUDA(F, C, S) F(C, S, Kokkos::Cuda::device_type)
#else
#define DYNAOPT_PREBUILT_ON_CUDA(F, C, S)
#endif
#define DYNAOPT_PREBUILT_DEVICES(F, C, S) \
  DYNAOPT_PREBUILT_ON_SERIAL(F, C, S) DYNAOPT_PREBUILT_ON_OPENMP(F, C, S) DYNAOPT_PREBUILT_ON_CUDA(F, C, S)

// F(Class, Scalar, Device) for every prebuilt pair: the devices above, in double and float.
#define DYNAOPT_PREBUILT_PAIRS(F, C) DYNAOPT_PREBUILT_DEVICES(F, C, double) DYNAOPT_PREBUILT_DEVICES(F, C, float)

#define DYNAOPT_EXTERN_TEMPLATE(C, S, D) extern template class C<S, D>;
#define DYNAOPT_INSTANTIATE_TEMPLATE(C, S, D) template class C<S, D>;

// At namespace dynaopt's scope, after the class template's definition.
#if defined(DYNAOPT_PREBUILT_OPTIMIZERS)
#define DYNAOPT_PREBUILT(C) DYNAOPT_PREBUILT_PAIRS(DYNAOPT_EXTERN_TEMPLATE, C)
#else
#define DYNAOPT_PREBUILT(C)
#endif
