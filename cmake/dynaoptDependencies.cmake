# The dependencies of dynaopt, found the same way when dynaopt is built and when a downstream
# project finds the installed package. Kokkos and Kokkos Kernels come from -DKokkos_ROOT /
# -DKokkosKernels_ROOT (3.4.01 or 4.x); MPI, yaml-cpp and zlib from the system.
include(CMakeFindDependencyMacro)
find_dependency(Kokkos)
find_dependency(KokkosKernels)
find_dependency(MPI COMPONENTS CXX)
find_dependency(yaml-cpp)
find_dependency(ZLIB)
# yaml-cpp 0.7 exports the target `yaml-cpp`; 0.8 renames it `yaml-cpp::yaml-cpp`.
if(TARGET yaml-cpp::yaml-cpp)
  set(DYNAOPT_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(DYNAOPT_YAML_TARGET yaml-cpp)
endif()
