#pragma once
// A Kokkos profiling region for the life of a scope, so that kokkos-tools (space-time-stack, the
// Caliper and Nsight connectors) see the phases of the loop by name instead of anonymous
// kernels: dynaopt::force, ::integrate, ::stationarity, ::constrain, ::allreduce, ::end_cycle,
// ::output, ::checkpoint, ::restart, ::finish. pushRegion/popRegion are in Kokkos 3.4 and 4.x
// and return at once when no tool is loaded.
#include <Kokkos_Core.hpp>
#include <string>

namespace dynaopt {

class Region {
 public:
  explicit Region(const std::string& name) { Kokkos::Profiling::pushRegion(name); }
  ~Region() { Kokkos::Profiling::popRegion(); }
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
};

}  // namespace dynaopt
