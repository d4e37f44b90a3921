#pragma once
// The only door to MPI: problems and drivers talk to other ranks through Comm, never through
// MPI directly. Views are staged through host mirrors unless DYNAOPT_DEVICE_AWARE_MPI is set.
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/group_statistics.hpp"
#include "dynaopt/core/reduction.hpp"

namespace dynaopt {

// An error every rank raises at once (from values all ranks share or after agreeing through a
// collective), so it needs no abort: the run ends with exit status 2 on all ranks.
class CollectiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Comm {
 public:
  // MPI must be initialized (MPI_Init is the caller's) and not yet finalized: std::logic_error
  // otherwise.
  explicit Comm(MPI_Comm comm = MPI_COMM_WORLD);

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  MPI_Comm handle() const { return comm_; }

  // The contiguous block [begin, end) of `n` items this rank owns (the first n % P ranks own
  // one item more).
  std::pair<std::size_t, std::size_t> block(std::size_t n) const;

  double sum(double value) const;
  double max(double value) const;
  void sum_in_place(std::vector<double>& values) const;
  bool any(bool flag) const;
  // The sum of `value` over the ranks that share this rank's node and `color` (a device they
  // launch on): what they need of one memory together.
  double node_sum(double value, int color = 0) const;
  // Collective: the non-empty `local_error` of the lowest rank that has one, on every rank
  // ("" when no rank has one). Lets all ranks fail together with the real message.
  std::string first_error(const std::string& local_error) const;
  void barrier() const;

  // All groups' statistics in one MPI_Allreduce: sums add, maxima take the max.
  void allreduce(std::vector<GroupStatistics>& statistics) const;
  // A step's sums and maxima, all in one MPI_Allreduce.
  void reduce(Reduction& values) const;

  // Sums a View over all ranks in place.
  template <class Scalar, class... Props>
  void sum_in_place(const Kokkos::View<Scalar*, Props...>& view) const {
    if (size_ == 1) return;
#ifdef DYNAOPT_DEVICE_AWARE_MPI
    dynaopt::fence("dynaopt::Comm::sum_in_place");
    sum_raw(view.data(), view.extent(0), mpi_type<Scalar>());
#else
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), view);
    sum_raw(host.data(), host.extent(0), mpi_type<Scalar>());
    Kokkos::deep_copy(view, host);
#endif
  }

  // Sharded data parallelism: `full` (the same length on every rank) is summed over the ranks
  // and rank r receives block r (Comm::block of full's length) of the sum in `mine`; and the
  // way back, every rank's block `mine` assembled into `full` on all ranks.
  template <class Scalar, class... P, class... Q>
  void sum_scatter(const Kokkos::View<Scalar*, P...>& full, const Kokkos::View<Scalar*, Q...>& mine) const {
    const auto counts = block_counts(full.extent(0));
    auto host_full = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), full);
    auto host_mine = Kokkos::create_mirror_view(mine);
    sum_scatter_raw(host_full.data(), host_mine.data(), counts, mpi_type<Scalar>());
    Kokkos::deep_copy(mine, host_mine);
  }
  template <class Scalar, class... P, class... Q>
  void gather_blocks(const Kokkos::View<Scalar*, P...>& mine, const Kokkos::View<Scalar*, Q...>& full) const {
    const auto counts = block_counts(full.extent(0));
    auto host_mine = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), mine);
    auto host_full = Kokkos::create_mirror_view(full);
    gather_blocks_raw(host_mine.data(), host_full.data(), counts, mpi_type<Scalar>());
    Kokkos::deep_copy(full, host_full);
  }

  // Halo of a block-distributed vector: this rank's first and last values go to its left and
  // right neighbours; returns {last value of the left neighbour, first of the right one}
  // (`fill` where there is no neighbour).
  std::pair<double, double> exchange_boundaries(double first, double last, double fill) const;

  // Concatenates every rank's values, in rank order, on all ranks.
  std::vector<double> allgather(const std::vector<double>& local) const;

  // `text` of rank `root`, on every rank.
  std::string broadcast(const std::string& text, int root = 0) const;
  // Every rank's `text`, in rank order, on rank `root` (empty elsewhere); and the way back,
  // `texts[r]` of rank `root` to rank r.
  std::vector<std::string> gather(const std::string& text, int root = 0) const;
  std::string scatter(const std::vector<std::string>& texts, int root = 0) const;

  // Ends every rank of the job with a message (printed once, by the caller).
  [[noreturn]] void abort(const std::string& message, int code = 1) const;

 private:
  template <class Scalar>
  static MPI_Datatype mpi_type() {
    static_assert(std::is_same<Scalar, double>::value || std::is_same<Scalar, float>::value,
                  "Comm reduces float and double Views");
    return std::is_same<Scalar, double>::value ? MPI_DOUBLE : MPI_FLOAT;
  }
  void sum_raw(void* data, std::size_t count, MPI_Datatype type) const;
  std::vector<int> block_counts(std::size_t n) const;
  void sum_scatter_raw(const void* full, void* mine, const std::vector<int>& counts, MPI_Datatype type) const;
  void gather_blocks_raw(const void* mine, void* full, const std::vector<int>& counts, MPI_Datatype type) const;

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

// Runs `build` on every rank; if it throws anywhere, every rank throws std::invalid_argument
// with the message of the lowest failing rank, so no rank goes on into a collective the failed
// one never joins.
template <class F>
auto on_all_ranks(const Comm& comm, F&& build) -> decltype(build()) {
  std::string error;
  decltype(build()) value{};
  try {
    value = build();
  } catch (const std::exception& e) {
    error = e.what();
  }
  error = comm.first_error(error);
  if (!error.empty()) throw std::invalid_argument(error);
  return value;
}

}  // namespace dynaopt
