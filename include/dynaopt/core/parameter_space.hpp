#pragma once
// One flat View of parameters and one of gradients, with the table of groups that cuts them.
#include <Kokkos_Core.hpp>
#include <string>
#include <utility>
#include <vector>

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

// Every group of `space`, for a reset of the whole state.
template <class Space>
std::vector<int> all_groups(const Space& space) {
  std::vector<int> groups(static_cast<std::size_t>(space.group_count()));
  for (int k = 0; k < space.group_count(); ++k) groups[static_cast<std::size_t>(k)] = k;
  return groups;
}

// The elements of `groups` in `view` set to `value`, or copied from `source`.
template <class Space, class View>
void fill_groups(const Space& space, const std::vector<int>& groups, const View& view,
                 typename View::non_const_value_type value) {
  for (int k : groups) {
    const Group& g = space.groups[k];
    Kokkos::deep_copy(Kokkos::subview(view, std::make_pair(g.offset, g.offset + g.size)), value);
  }
}
template <class Space, class View, class Source>
void copy_groups(const Space& space, const std::vector<int>& groups, const View& view, const Source& source) {
  for (int k : groups) {
    const Group& g = space.groups[k];
    const auto range = std::make_pair(g.offset, g.offset + g.size);
    Kokkos::deep_copy(Kokkos::subview(view, range), Kokkos::subview(source, range));
  }
}

}  // namespace dynaopt
