#pragma once
// run.on_nonfinite: what a step whose loss or gradient is not finite does. The guard is asked
// with a value every rank shares (a loss summed over ranks, into which each rank has folded
// the finiteness of its own gradient), so every rank takes the same decision and no rank is
// left waiting in a collective the others skipped.
#include <Kokkos_Core.hpp>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

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

// One implementation of the policy for every problem. A problem is either one whole (its
// shared objective decides for all ranks at once: admit) or a batch of independent groups,
// each a problem of its own (a multi-start design: judge), where a group that turns non-finite
// is skipped or brought to rest alone, and one that stays non-finite longer than
// max_consecutive_skips retires from the batch as failed instead of ending the run.
class NonfiniteGuard {
 public:
  enum class Verdict { step, skip, retire };

  NonfiniteGuard(const RunSpec& run, int groups = 1)
      : policy_(run.on_nonfinite), limit_(run.max_consecutive_skips), consecutive_(std::size_t(groups), 0) {}

  NonfinitePolicy policy() const { return policy_; }

  // The whole problem: true when step `step` may be applied (`shared_value` is finite).
  // Otherwise the step is counted and logged, the optimizer brought to rest under `restart`,
  // and CollectiveError raised under `abort` or after more than max_consecutive_skips such
  // steps in a row.
  template <class Optimizer, class Space>
  bool admit(double shared_value, long step, Optimizer& optimizer, const Space& space, std::ostream* log) {
    if (math::is_finite(shared_value)) {
      consecutive_[0] = 0;
      return true;
    }
    const std::string what = "the loss or gradient is " + exact(shared_value) + " at step " + std::to_string(step);
    if (policy_ == NonfinitePolicy::abort) throw CollectiveError(what + " (run.on_nonfinite: abort)");
    ++skipped_;
    if (++consecutive_[0] > limit_)
      throw CollectiveError(what + ", the " + std::to_string(consecutive_[0]) +
                            "th non-finite step in a row (run.max_consecutive_skips: " + std::to_string(limit_) +
                            "); lower the step size");
    if (policy_ == NonfinitePolicy::restart) optimizer.reset(space, all_groups(space.groups));
    if (log) *log << what << ": step skipped (" << policy_name(policy_) << ", " << skipped_ << " so far)" << std::endl;
    return false;
  }

  // One group of a batch of independent groups, whose own objective this step is `value`
  // (this rank's decision alone: the caller agrees on `abort` through its step's reduction).
  // A non-finite group is skipped (and, under `restart`, brought to rest), or retired when
  // the policy is `abort` or it has been skipped more than max_consecutive_skips times in a row.
  template <class Optimizer, class Space>
  Verdict judge(int group, double value, Optimizer& optimizer, const Space& space) {
    long& consecutive = consecutive_[std::size_t(group)];
    if (math::is_finite(value)) {
      consecutive = 0;
      return Verdict::step;
    }
    if (policy_ == NonfinitePolicy::abort || ++consecutive > limit_) return Verdict::retire;
    ++skipped_;
    if (policy_ == NonfinitePolicy::restart) optimizer.reset(space, {group});
    return Verdict::skip;
  }

  long skipped() const { return skipped_; }

  void archive(StateArchive& state) {
    state.field("nonfinite.skipped", skipped_);
    state.field("nonfinite.consecutive", consecutive_);
  }

 private:
  NonfinitePolicy policy_;
  long limit_;
  long skipped_ = 0;
  std::vector<long> consecutive_;  // per group of a batch; one entry for a whole problem
};

}  // namespace dynaopt
