#pragma once
// The "multi-tensor apply" work list: every group cut into chunks of at most `chunk_size`
// elements, so one launch covers all groups with balanced work items whatever their sizes.
#include <Kokkos_Core.hpp>
#include <numeric>
#include <vector>

#include "dynaopt/core/group_table.hpp"

namespace dynaopt {

struct Chunk {
  int group;
  std::size_t begin;
  std::size_t end;
};

inline constexpr std::size_t default_chunk_size = 4096;

// The chunks of the `selected` groups only: a multi-start batch drops converged designs from
// the optimizer's launch this way, leaving their state untouched.
template <class Device>
Kokkos::View<Chunk*, Device> make_chunks(const GroupTable& groups, const std::vector<int>& selected,
                                         std::size_t chunk_size = default_chunk_size) {
  std::size_t count = 0;
  for (int gi : selected) count += (groups[gi].size + chunk_size - 1) / chunk_size;
  Kokkos::View<Chunk*, Device> chunks(Kokkos::view_alloc(Kokkos::WithoutInitializing, "dynaopt::chunks"),
                                      count);
  auto host = Kokkos::create_mirror_view(chunks);
  std::size_t c = 0;
  for (int gi : selected) {
    const Group& g = groups[gi];
    for (std::size_t b = 0; b < g.size; b += chunk_size)
      host(c++) = Chunk{gi, g.offset + b, g.offset + (b + chunk_size < g.size ? b + chunk_size : g.size)};
  }
  Kokkos::deep_copy(chunks, host);
  return chunks;
}

// A team per work item (a chunk, a group) on `instance`: one thread on the host, where the
// item is a plain loop the compiler vectorises; a warp's worth or more on a GPU.
template <class ExecSpace>
Kokkos::TeamPolicy<ExecSpace> team_per_item(const ExecSpace& instance, std::size_t count) {
  if constexpr (Kokkos::SpaceAccessibility<Kokkos::HostSpace, typename ExecSpace::memory_space>::accessible)
    return Kokkos::TeamPolicy<ExecSpace>(instance, static_cast<int>(count), 1);
  else
    return Kokkos::TeamPolicy<ExecSpace>(instance, static_cast<int>(count), Kokkos::AUTO);
}

template <class Device>
Kokkos::View<Chunk*, Device> make_chunks(const GroupTable& groups,
                                         std::size_t chunk_size = default_chunk_size) {
  std::vector<int> all(static_cast<std::size_t>(groups.count()));
  std::iota(all.begin(), all.end(), 0);
  return make_chunks<Device>(groups, all, chunk_size);
}

}  // namespace dynaopt
