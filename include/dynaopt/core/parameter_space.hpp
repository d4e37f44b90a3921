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
  // The groups a step advances (all, unless a batch has set fewer with select()), and their
  // chunks: the launch's work list on the device.
  std::vector<int> selected;
  Kokkos::View<Chunk*, Device> chunks;
  std::size_t chunk_size = default_chunk_size;

  ParameterSpace() = default;
  explicit ParameterSpace(GroupTable table, std::size_t chunk = default_chunk_size)
      : groups(std::move(table)), x("dynaopt::x", groups.total_size()), g("dynaopt::g", groups.total_size()),
        chunk_size(chunk) {
    select(all_groups(groups));
  }

  std::size_t size() const { return groups.total_size(); }
  int group_count() const { return groups.count(); }

  // The groups the next steps advance: a multi-start batch drops converged designs this way,
  // leaving their state untouched (optimizers keep their per-group host state of these only).
  void select(const std::vector<int>& which) {
    selected = which;
    chunks = make_chunks<Device>(groups, which, chunk_size);
  }
};

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
