#pragma once
// Where a run's time goes: the seconds of every phase of the loop, accumulated over the run, for
// the timing breakdown that ends every log and result.yaml (LAMMPS' "MPI task timing breakdown"
// is the model). A phase is timed from its start to the completion of the work it launched:
// the end of a phase fences, so that a device's asynchronous kernels are charged to the phase
// that launched them and not to the next one that waits.
#include <Kokkos_Core.hpp>
#include <array>
#include <chrono>
#include <cstddef>
#include <ostream>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/profiling.hpp"

namespace YAML {
class Emitter;
}

namespace dynaopt {

// The phases of the loop (integrator.hpp), in the order of a cycle.
enum class Phase { force, stationarity, integrate, constrain, allreduce, end_cycle, output, checkpoint, count };

inline constexpr std::size_t phase_count = std::size_t(Phase::count);
inline constexpr const char* phase_names[phase_count] = {"force",     "stationarity", "integrate", "constrain",
                                                         "allreduce", "end_cycle",    "output",    "checkpoint"};

// Seconds since it was started (steady clock).
class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  void restart() { start_ = Clock::now(); }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_ = Clock::now();
};

// Seconds since the process started: since the first call, which the driver makes first thing
// (run.wall_time counts from there).
inline double process_seconds() {
  static const Stopwatch start;
  return start.seconds();
}

// This rank's seconds per phase.
struct PhaseTimes {
  std::array<double, phase_count> seconds{};
  double& operator[](Phase p) { return seconds[std::size_t(p)]; }
  double operator[](Phase p) const { return seconds[std::size_t(p)]; }
};

// A phase for the life of a scope: a profiling region named dynaopt::<phase> (profiling.hpp),
// and its seconds, up to the completion of its kernels, added to `times`.
class Timed {
 public:
  Timed(PhaseTimes& times, Phase phase)
      : region_(std::string("dynaopt::") + phase_names[std::size_t(phase)]), slot_(times[phase]) {}
  ~Timed() {
    Kokkos::fence();
    slot_ += watch_.seconds();
  }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  Region region_;
  double& slot_;
  Stopwatch watch_;
};

// The breakdown at a run's end, collective: every phase's seconds and those of the loop outside
// any phase ("other"), min / mean / max over the ranks, and the mean's share of the mean loop
// time; as a table in the log (rank 0's `log`, if any) and as result.yaml's `timing:` (rank 0's
// `result`, a map open for its next key).
void report_timing(const PhaseTimes& times, double loop_seconds, const Comm& comm, std::ostream* log,
                   YAML::Emitter& result);

}  // namespace dynaopt
