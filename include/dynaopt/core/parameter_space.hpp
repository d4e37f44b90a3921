#pragma once
// One flat View of parameters and one of gradients, with the table of groups that cuts them.
#include <Kokkos_Core.hpp>
#include <string>

#include "dynaopt/core/chunk_table.hpp"
#include "dynaopt/core/group_table.hpp"

namespace dynaopt {

template <class Scalar, class Device>
struct ParameterSpace {
  using scalar_type = Scalar;
  using device_type = Device;
  using execution_space = typename Device::execution_space;
  using view_type = Kokkos::View<Scalar*, Device>;

  GroupTable groups;
  view_type x;  // parameters
  view_type g;  // gradient at the optimizer's evaluation point
  Kokkos::View<Chunk*, Device> chunks;

  ParameterSpace() = default;
  explicit ParameterSpace(GroupTable table, std::size_t chunk_size = default_chunk_size)
      : groups(std::move(table)),
        x("dynaopt::x", groups.total_size()),
        g("dynaopt::g", groups.total_size()),
        chunks(make_chunks<Device>(groups, chunk_size)) {}

  std::size_t size() const { return groups.total_size(); }
  int group_count() const { return groups.count(); }
};

}  // namespace dynaopt
