#pragma once
// The whole parameter vector, group by group in global order, assembled on every rank from the
// ranks' slices. For output of small problems, not for the hot path.
#include <Kokkos_Core.hpp>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/parameter_space.hpp"

namespace dynaopt {

template <class Scalar, class Device>
std::vector<double> gather_parameters(const Comm& comm, const ParameterSpace<Scalar, Device>& space) {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), space.x);
  const std::vector<double> local(host.data(), host.data() + host.extent(0));
  std::vector<double> sizes;
  for (const auto& g : space.groups) sizes.push_back(double(g.size));
  const std::vector<double> values = comm.allgather(local);
  const std::vector<double> all_sizes = comm.allgather(sizes);
  // Offsets of each rank's block in `values`, then each group's slices in rank order.
  const auto groups = static_cast<std::size_t>(space.group_count());
  std::vector<std::size_t> rank_offset(static_cast<std::size_t>(comm.size()) + 1, 0);
  for (std::size_t r = 0; r < rank_offset.size() - 1; ++r) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < groups; ++k) n += static_cast<std::size_t>(all_sizes[r * groups + k]);
    rank_offset[r + 1] = rank_offset[r] + n;
  }
  std::vector<double> whole;
  whole.reserve(values.size());
  for (std::size_t k = 0; k < groups; ++k)
    for (std::size_t r = 0; r + 1 < rank_offset.size(); ++r) {
      std::size_t start = rank_offset[r];
      for (std::size_t j = 0; j < k; ++j) start += static_cast<std::size_t>(all_sizes[r * groups + j]);
      const auto n = static_cast<std::size_t>(all_sizes[r * groups + k]);
      whole.insert(whole.end(), values.begin() + long(start), values.begin() + long(start + n));
    }
  return whole;
}

}  // namespace dynaopt
