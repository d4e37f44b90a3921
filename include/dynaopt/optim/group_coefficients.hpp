#pragma once
// Small per-group scalars (step sizes, decay factors) that the host sets each step and the
// fused kernel reads once per chunk.
#include <Kokkos_Core.hpp>
#include <string>

namespace dynaopt {

template <class T, class Device>
class GroupCoefficients {
 public:
  using view_type = Kokkos::View<T*, Device>;

  GroupCoefficients() = default;
  GroupCoefficients(const std::string& label, int groups)
      : device_(label, static_cast<std::size_t>(groups)), host_(Kokkos::create_mirror_view(device_)) {}

  T& operator[](int group) { return host_(static_cast<std::size_t>(group)); }
  const T& operator[](int group) const { return host_(static_cast<std::size_t>(group)); }
  int size() const { return static_cast<int>(host_.extent(0)); }

  // The values the kernels read (as of the last sync).
  const view_type& device() const { return device_; }

  // Publishes the host values to the kernels that follow on `instance`; returns the device
  // View. (CUDA and HIP have read a pageable host source when the copy returns, so the host
  // values may change at once.)
  template <class ExecutionSpace>
  const view_type& sync(const ExecutionSpace& instance) {
    Kokkos::deep_copy(instance, device_, host_);
    return device_;
  }

 private:
  view_type device_;
  typename view_type::HostMirror host_;
};

}  // namespace dynaopt
