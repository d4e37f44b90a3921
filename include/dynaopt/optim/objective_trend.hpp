#pragma once
// The mean objective each group saw over consecutive windows of a fixed number of its steps:
// what Dyna's strategies of paper 000 Sec. 4 compare (a restart when the objective increased,
// noise when it decreases slowly). A window of one step is the objective itself, so the paper's
// step-to-step rule is the one-step case; longer windows average a minibatch loss's noise out.
#include <cstddef>
#include <string>
#include <vector>

#include "dynaopt/core/state_archive.hpp"

namespace dynaopt {

class ObjectiveTrend {
 public:
  // A closed window: the means of it and of the window before.
  struct Change {
    bool closed = false;  // this step ended a window that had a predecessor
    double previous = 0, current = 0;
  };

  ObjectiveTrend() = default;
  ObjectiveTrend(long window, int groups)
      : window_(window),
        sum_(std::size_t(groups), 0.0),
        previous_(std::size_t(groups), 0.0),
        count_(std::size_t(groups), 0),
        windows_(std::size_t(groups), 0) {}

  // Adds group k's objective of one of its steps.
  Change add(int k, double objective) {
    const auto uk = std::size_t(k);
    sum_[uk] += objective;
    if (++count_[uk] < window_) return {};
    const double mean = sum_[uk] / double(window_);
    const Change change{windows_[uk] > 0, previous_[uk], mean};
    previous_[uk] = mean, sum_[uk] = 0, count_[uk] = 0, ++windows_[uk];
    return change;
  }

  // Every group without history (a first step: the problems in the groups are new).
  void clear() {
    for (std::size_t k = 0; k < sum_.size(); ++k) sum_[k] = 0, previous_[k] = 0, count_[k] = 0, windows_[k] = 0;
  }

  void archive(StateArchive& state, const std::string& name) {
    state.field(name + ".sum", sum_);
    state.field(name + ".previous", previous_);
    state.field(name + ".count", count_);
    state.field(name + ".windows", windows_);
  }

 private:
  long window_ = 1;
  std::vector<double> sum_, previous_;  // this window's sum so far; the last closed window's mean
  std::vector<long> count_, windows_;   // steps in this window; windows closed
};

}  // namespace dynaopt
