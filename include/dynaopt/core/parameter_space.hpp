#pragma once
// One flat View of parameters and one of gradients, with the table of groups that cuts them.
#include <Kokkos_Core.hpp>
#include <stdexcept>
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
  // The instance every launch over this space runs on (the optimizers' steps, the constraint
  // pass): a CUDA stream's, so they are ordered with the caller's own kernels on that stream
  // without a device-wide fence; the default instance otherwise.
  execution_space instance;

  ParameterSpace() = default;
  // x and g allocated here, zero.
  explicit ParameterSpace(GroupTable table, std::size_t chunk = default_chunk_size,
                          const execution_space& exec = execution_space())
      : groups(std::move(table)), x("dynaopt::x", groups.total_size()), g("dynaopt::g", groups.total_size()),
        chunk_size(chunk), instance(exec) {
    require_chunk_size();
    select(all_groups(groups));
  }
  // Over the caller's own x and g (managed Views it shares, or unmanaged Views of memory it
  // owns, of any layout assignable to a contiguous rank-1 View): used in place, never copied or
  // reallocated, so they must outlive the space. Throws std::invalid_argument unless both hold
  // exactly the table's elements and are distinct arrays.
  ParameterSpace(GroupTable table, view_type parameters, view_type gradient,
                 const execution_space& exec = execution_space(), std::size_t chunk = default_chunk_size)
      : groups(std::move(table)), x(std::move(parameters)), g(std::move(gradient)), chunk_size(chunk), instance(exec) {
    const std::size_t n = groups.total_size();
    if (x.extent(0) != n || g.extent(0) != n)
      throw std::invalid_argument("ParameterSpace: x has " + std::to_string(x.extent(0)) + " and g " +
                                  std::to_string(g.extent(0)) + " elements, but the groups hold " +
                                  std::to_string(n));
    if (n > 0 && x.data() == g.data())
      throw std::invalid_argument("ParameterSpace: x and g are the same array; the gradient needs its own");
    require_chunk_size();
    select(all_groups(groups));
  }

  std::size_t size() const { return groups.total_size(); }
  int group_count() const { return groups.count(); }

  // The groups the next steps advance: a multi-start batch drops converged designs this way,
  // leaving their state untouched (optimizers keep their per-group host state of these only).
  // Each group at most once (twice would be two teams writing the same elements).
  void select(const std::vector<int>& which) {
    std::vector<bool> seen(std::size_t(group_count()), false);
    for (int k : which) {
      if (k < 0 || k >= group_count())
        throw std::invalid_argument("ParameterSpace::select: group " + std::to_string(k) + " of " +
                                    std::to_string(group_count()));
      if (seen[std::size_t(k)])
        throw std::invalid_argument("ParameterSpace::select: group " + std::to_string(k) + " listed twice");
      seen[std::size_t(k)] = true;
    }
    selected = which;
    chunks = make_chunks<Device>(groups, which, chunk_size);
  }

 private:
  void require_chunk_size() const {
    if (chunk_size == 0) throw std::invalid_argument("ParameterSpace: the chunk size must be at least 1");
  }
};

// The elements of `groups` in `view` set to `value`, or copied from `source`.
template <class Space, class View>
void fill_groups(const Space& space, const std::vector<int>& groups, const View& view,
                 typename View::non_const_value_type value) {
  for (int k : groups) {
    const Group& g = space.groups[k];
    Kokkos::deep_copy(space.instance, Kokkos::subview(view, std::make_pair(g.offset, g.offset + g.size)), value);
  }
}
template <class Space, class View, class Source>
void copy_groups(const Space& space, const std::vector<int>& groups, const View& view, const Source& source) {
  for (int k : groups) {
    const Group& g = space.groups[k];
    const auto range = std::make_pair(g.offset, g.offset + g.size);
    Kokkos::deep_copy(space.instance, Kokkos::subview(view, range), Kokkos::subview(source, range));
  }
}

}  // namespace dynaopt
