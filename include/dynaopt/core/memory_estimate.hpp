#pragma once
// What a run will hold in memory on one rank, known from the deck before anything is allocated.
// Problems and optimizers describe their arrays as terms (what is held, its bytes, the deck key
// that sizes it, whether it lives in the device's memory); the driver compares each node's sum
// with the memory the node (and each device) reports free, prints the estimate as LAMMPS prints
// "Per MPI rank memory allocation", and refuses a run that cannot fit before its first
// allocation.
#include <Kokkos_Core.hpp>
#include <functional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#if defined(KOKKOS_ENABLE_CUDA)
#include <cuda_runtime_api.h>
#elif defined(KOKKOS_ENABLE_HIP)
#include <hip/hip_runtime_api.h>
#endif

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/deck.hpp"

namespace dynaopt {

struct MemoryTerm {
  std::string what;      // what is held: "x, g and Adam's two moments"
  std::string key;       // the deck key that sizes it ("problem.dimension"; "" for none)
  std::string size;      // what that key sets, as the user reads it: "1000000000 parameters"
  double bytes = 0;
  bool device = true;    // in the default execution space's memory (else the host's)
  // Held only for a while (reading the data, writing or reading a checkpoint, gathering the
  // results at the end); these phases never overlap, so the peak counts the largest of them.
  bool staging = false;
};

// A parameter space as the deck sizes it on one rank, before it is built.
struct SpaceShape {
  double parameters = 0;  // elements of x on this rank
  double groups = 1;      // groups on this rank
  std::string key, size;  // the deck key that sizes it and what it sets ("1000000 parameters")
};

class MemoryEstimate {
 public:
  // `separate_device`: device terms live in a memory of their own (a GPU), not the host's.
  explicit MemoryEstimate(bool separate_device = default_device_is_separate()) : separate_(separate_device) {}

  // A term of no bytes is dropped.
  void add(MemoryTerm term);
  const std::vector<MemoryTerm>& terms() const { return terms_; }
  bool separate_device() const { return separate_; }

  // The most held at once in the device's memory (device = true) or the host's: every
  // resident term there and the largest staging term. Without a separate device every term is
  // the host's and the device's peak is 0.
  double peak(bool device) const;
  // The term that adds most to that peak (nullptr when there is none).
  const MemoryTerm* dominant(bool device) const;

  static constexpr bool default_device_is_separate() {
    return !std::is_same<Kokkos::DefaultExecutionSpace::memory_space, Kokkos::HostSpace>::value;
  }

 private:
  bool in(const MemoryTerm& t, bool device) const { return separate_ ? t.device == device : !device; }
  bool separate_;
  std::vector<MemoryTerm> terms_;
};

// Memory free for this process, in bytes, and where the number comes from; bytes < 0: unknown.
struct AvailableMemory {
  double bytes = -1;
  std::string source;
};
// The host: /proc/meminfo's MemAvailable, lowered to the headroom of any cgroup v2 or v1 memory
// limit this process runs under (a batch system's allocation).
AvailableMemory host_available_memory();
// The default device's free memory (CUDA or HIP runtime); unknown on a host-only build.
inline AvailableMemory device_available_memory() {
  AvailableMemory a;
#if defined(KOKKOS_ENABLE_CUDA)
  std::size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) == cudaSuccess) a = {double(free), "cudaMemGetInfo"};
#elif defined(KOKKOS_ENABLE_HIP)
  std::size_t free = 0, total = 0;
  if (hipMemGetInfo(&free, &total) == hipSuccess) a = {double(free), "hipMemGetInfo"};
#endif
  return a;
}
// The device this rank launches on (ranks sharing one add up); 0 on a host-only build.
inline int device_id() {
#if defined(KOKKOS_ENABLE_CUDA)
  int id = 0;
  return cudaGetDevice(&id) == cudaSuccess ? id : 0;
#elif defined(KOKKOS_ENABLE_HIP)
  int id = 0;
  return hipGetDevice(&id) == hipSuccess ? id : 0;
#else
  return 0;
#endif
}

// "32.0 GB": three significant digits, decimal units.
std::string format_bytes(double bytes);

// The memory check a run makes before its first allocation (collective). `estimate_of(r)` is
// rank r's estimate (every rank can compute any rank's from the deck). Rank 0 prints the
// estimate to `log`: min / mean / max over the ranks, the total, the largest rank's terms and
// the memory available. When the ranks of a node (or of a device) need more than it has free,
// the run is refused: a DeckError on that rank naming the dominant term's deck key, its share
// and the memory available, which on_all_ranks hands to every rank; with `warn_only` rank 0
// prints that message as a warning instead and the run goes on.
void check_memory(const DeckSection& root, const std::function<MemoryEstimate(int rank)>& estimate_of,
                  const AvailableMemory& host, const AvailableMemory& device, int device_index, bool warn_only,
                  const Comm& comm, std::ostream& log);

}  // namespace dynaopt
