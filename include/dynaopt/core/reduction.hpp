#pragma once
// The values one step needs from every rank, combined by a single MPI_Allreduce (Comm::reduce):
// each contributor appends its slots, sums or maxima, and reads the combined value back at the
// index it was given. The integrator's diagnostics pass builds one per step: the per-group
// statistics of the optimizer, then what the problem adds (a multi-start batch's active and
// failed designs), so a step never pays for more than one collective of diagnostics.
#include <cstddef>
#include <vector>

#include "dynaopt/core/group_statistics.hpp"

namespace dynaopt {

class Reduction {
 public:
  std::size_t sum(double value) {
    sums_.push_back(value);
    return sums_.size() - 1;
  }
  std::size_t max(double value) {
    maxima_.push_back(value);
    return maxima_.size() - 1;
  }
  double sum_at(std::size_t slot) const { return sums_[slot]; }
  double max_at(std::size_t slot) const { return maxima_[slot]; }

  // A group's statistics: its sums as sum slots, its frequency as a max slot.
  struct StatisticsSlot {
    std::size_t sums, maximum;
  };
  StatisticsSlot add(const GroupStatistics& s) {
    const StatisticsSlot slot{sum(s.grad_abs_sum), max(s.max_frequency)};
    sum(s.grad_sq_sum), sum(s.kinetic_energy), sum(s.step_sq_sum);
    return slot;
  }
  GroupStatistics statistics_at(StatisticsSlot slot) const {
    const double* s = &sums_[slot.sums];
    return GroupStatistics{s[0], s[1], s[2], s[3], maxima_[slot.maximum]};
  }

  bool empty() const { return sums_.empty() && maxima_.empty(); }
  std::vector<double>& sums() { return sums_; }
  std::vector<double>& maxima() { return maxima_; }

 private:
  std::vector<double> sums_, maxima_;
};

}  // namespace dynaopt
