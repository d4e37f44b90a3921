#pragma once
// run.on_nonfinite: what a step whose loss or gradient is not finite does. The guard is asked
// with a value every rank shares (a loss summed over ranks, into which each rank has folded
// the finiteness of its own gradient), so every rank takes the same decision and no rank is
// left waiting in a collective the others skipped.
#include <Kokkos_Core.hpp>
#include <limits>
#include <ostream>
#include <string>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/core/state_archive.hpp"

namespace dynaopt {

// 0 when every value of `view` is finite, NaN otherwise: added to a rank's loss before the
// sum over ranks, it carries a local bad gradient into the value all ranks see.
template <class View>
double nonfinite_marker(const View& view) {
  int bad = 0;
  Kokkos::parallel_reduce(
      "dynaopt::nonfinite_marker", Kokkos::RangePolicy<typename View::execution_space>(0, view.extent(0)),
      KOKKOS_LAMBDA(const std::size_t i, int& count) { count += math::is_finite(view(i)) ? 0 : 1; }, bad);
  return bad == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
}

class NonfiniteGuard {
 public:
  explicit NonfiniteGuard(const RunSpec& run) : policy_(run.on_nonfinite), limit_(run.max_consecutive_skips) {}

  // True when step `step` may be applied (`shared_value` is finite). Otherwise the step is
  // counted and logged, the optimizer brought to rest under `restart`, and CollectiveError
  // raised under `abort` or after more than max_consecutive_skips such steps in a row.
  template <class Optimizer, class Space>
  bool admit(double shared_value, long step, Optimizer& optimizer, const Space& space, std::ostream* log) {
    if (math::is_finite(shared_value)) {
      consecutive_ = 0;
      return true;
    }
    const std::string what = "the loss or gradient is " + exact(shared_value) + " at step " + std::to_string(step);
    if (policy_ == NonfinitePolicy::abort) throw CollectiveError(what + " (run.on_nonfinite: abort)");
    ++skipped_;
    if (++consecutive_ > limit_)
      throw CollectiveError(what + ", the " + std::to_string(consecutive_) +
                            "th non-finite step in a row (run.max_consecutive_skips: " + std::to_string(limit_) +
                            "); lower the step size");
    if (policy_ == NonfinitePolicy::restart) optimizer.reset(space);
    if (log) *log << what << ": step skipped (" << policy_name(policy_) << ", " << skipped_ << " so far)" << std::endl;
    return false;
  }

  long skipped() const { return skipped_; }

  void archive(StateArchive& state) {
    state.field("nonfinite.skipped", skipped_);
    state.field("nonfinite.consecutive", consecutive_);
  }

 private:
  NonfinitePolicy policy_;
  long limit_;
  long skipped_ = 0, consecutive_ = 0;
};

}  // namespace dynaopt
