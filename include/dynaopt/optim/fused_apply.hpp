#pragma once
// One launch that applies an element-wise update to every group of a parameter space: a team
// per chunk, the chunk's group coefficients loaded once, and (on request) the group's
// statistics reduced inside the team and added atomically into that group's slot.
//
// An update is a functor with
//   using scalar_type = ...;                                    // the parameters' precision
//   using coefficients = ...;                                   // per-group scalars (POD)
//   coefficients group_coefficients(int group) const;           // loaded once per chunk
//   template <class Stats> void operator()(const coefficients&, std::size_t i, Stats&) const;
// where Stats takes add_gradient, add_kinetic or add_velocity, add_step, observe_frequency of
// the element (group_statistics.hpp).
#include <Kokkos_Core.hpp>
#include <string>

#include "dynaopt/core/chunk_table.hpp"
#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/group_statistics.hpp"

namespace dynaopt {
namespace detail {

template <class ExecSpace>
inline constexpr bool runs_on_host =
    Kokkos::SpaceAccessibility<Kokkos::HostSpace, typename ExecSpace::memory_space>::accessible;

template <class Device, class Update, bool WithStatistics>
struct FusedApply {
  using execution_space = typename Device::execution_space;
  using member_type = typename Kokkos::TeamPolicy<execution_space>::member_type;

  Kokkos::View<const Chunk*, Device> chunks;
  Update update;
  StatisticsView<Device> statistics;

  // One row of a statistics block: lane j takes element first + j (inlined into the caller,
  // whose vector width it is compiled with).
  template <class Lanes>
  KOKKOS_FORCEINLINE_FUNCTION void row(const typename Update::coefficients& coefficients, std::size_t first,
                                       Lanes& lanes) const {
    DYNAOPT_VECTORIZE
    DYNAOPT_KEEP_LOOP
    for (int j = 0; j < Lanes::lanes; ++j) {
      typename Lanes::Lane lane{lanes, j};
      update(coefficients, first + std::size_t(j), lane);
    }
  }

  DYNAOPT_WIDE_VECTORS KOKKOS_INLINE_FUNCTION void operator()(const member_type& team) const {
    const Chunk chunk = chunks(team.league_rank());
    const auto coefficients = update.group_coefficients(chunk.group);
    if constexpr (!WithStatistics) {
      NoStatistics none;
      if constexpr (runs_on_host<execution_space>) {
        // One thread per team on the host: a unit-stride loop the compiler vectorises.
        DYNAOPT_VECTORIZE
        DYNAOPT_UNROLL(4)
        for (std::size_t i = chunk.begin; i < chunk.end; ++i) update(coefficients, i, none);
      } else {
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, chunk.begin, chunk.end),
                             [&](const std::size_t i) { update(coefficients, i, none); });
      }
    } else {
      GroupStatistics chunk_statistics;
      if constexpr (runs_on_host<execution_space>) {
        // Blocks of `fold` rows of lanes, each row a SIMD loop into its lanes' partial sums,
        // folded into the lanes' double sums after the block and into the chunk's totals at the
        // end; then the rows left, then the elements left (fewer than a row) one by one.
        using Lanes = LaneStatistics<typename Update::scalar_type>;
        constexpr std::size_t width = Lanes::lanes, block = width * Lanes::fold;
        static_assert(Lanes::fold == 8, "the unroll count below is the fold");
        Lanes lanes;
        std::size_t i = chunk.begin;
        for (; i + block <= chunk.end; i += block) {
          DYNAOPT_UNROLL(8)
          for (std::size_t r = 0; r < Lanes::fold; ++r) row(coefficients, i + r * width, lanes);
          lanes.fold_block();
        }
        for (; i + width <= chunk.end; i += width) row(coefficients, i, lanes);
        lanes.fold_block();
        lanes.add_to(chunk_statistics);
        for (; i < chunk.end; ++i) update(coefficients, i, chunk_statistics);
      } else {
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(team, chunk.begin, chunk.end),
            [&](const std::size_t i, GroupStatistics& local) { update(coefficients, i, local); },
            Kokkos::Sum<GroupStatistics>(chunk_statistics));
      }
      Kokkos::single(Kokkos::PerTeam(team), [&]() {
        GroupStatistics& slot = statistics(chunk.group);
        Kokkos::atomic_add(&slot.grad_abs_sum, chunk_statistics.grad_abs_sum);
        Kokkos::atomic_add(&slot.grad_sq_sum, chunk_statistics.grad_sq_sum);
        Kokkos::atomic_add(&slot.kinetic_energy, chunk_statistics.kinetic_energy);
        Kokkos::atomic_add(&slot.step_sq_sum, chunk_statistics.step_sq_sum);
        Kokkos::atomic_fetch_max(&slot.max_frequency, chunk_statistics.max_frequency);
      });
    }
  }
};

}  // namespace detail

// Applies `update` to all chunks. With a non-empty `statistics` View (one slot per group,
// zeroed here, also when there is no chunk: a batch's rank whose designs have all left must not
// report their last statistics again) the launch also reduces the per-group statistics. Both
// run on `instance` (ParameterSpace::instance), so nothing here waits for the device.
template <class Device, class Update>
void fused_apply(const std::string& label, const Kokkos::View<Chunk*, Device>& chunks, const Update& update,
                 const StatisticsView<Device>& statistics = {},
                 const typename Device::execution_space& instance = typename Device::execution_space()) {
  if (statistics.extent(0) != 0) Kokkos::deep_copy(instance, statistics, GroupStatistics{});
  if (chunks.extent(0) == 0) return;
  const auto policy = team_per_item(instance, chunks.extent(0));
  if (statistics.extent(0) == 0) {
    Kokkos::parallel_for(label, policy, detail::FusedApply<Device, Update, false>{chunks, update, statistics});
  } else {
    Kokkos::parallel_for(label + "+statistics", policy,
                         detail::FusedApply<Device, Update, true>{chunks, update, statistics});
  }
}

}  // namespace dynaopt
