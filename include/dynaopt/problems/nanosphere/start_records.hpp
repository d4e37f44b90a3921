#pragma once
// The host-side bookkeeping of a multi-start design: what became of each start, how starts
// are drawn, and how final designs are grouped into distinct local optima.
#include <cmath>
#include <string>
#include <vector>

#include "dynaopt/core/deck.hpp"

namespace dynaopt {

// What became of one start.
struct StartRecord {
  // running: the run's steps ran out while the start was still moving (max_steps);
  // converged: certified, |G| <= stationarity |J| per nm at the final design;
  // stalled: the best objective stopped rising, but the design is not certified stationary;
  // failed: non-finite beyond the run's policy.
  enum class Status { running, converged, failed, stalled };
  long start = 0;                 // multistart: the start; mlsl: the local search, in the order begun
  long round = 0, sample = -1;    // mlsl: the round that began it and the sample it began from
  int rank = 0;
  long steps = 0;
  Status status = Status::running;
  double objective = 0;           // at the final design
  std::vector<double> thickness;  // the final design, nm
  double stationarity = 0;        // |G| at the final design, objective per nm
  double best_objective = 0;      // the best design the start visited (its evaluation points)
  std::vector<double> best_thickness;
};

inline constexpr Named<StartRecord::Status> start_statuses[] = {{StartRecord::Status::running, "max_steps"},
                                                                {StartRecord::Status::converged, "converged"},
                                                                {StartRecord::Status::stalled, "stalled"},
                                                                {StartRecord::Status::failed, "failed"}};
inline const char* status_name(StartRecord::Status status) { return name_of(start_statuses, status); }

// One distinct local optimum: converged designs of the same objective and the same spectrum,
// represented by their best member.
struct Optimum {
  double objective = 0;
  std::vector<double> thickness;   // of the best member
  double stationarity = 0;         // of the best member
  long start = 0;                  // the best member's start
  long members = 0;                // converged starts that ended in it
  std::vector<double> lowest, highest;  // nm per layer over the members: a degenerate optimum spans a range
};

// How close two converged designs must be to count as one optimum: objectives within
// `objective` relative, Cabs spectra within `spectrum` relative at every wavelength.
struct OptimumTolerance {
  double objective = 1e-4;
  double spectrum = 1e-3;
};

// Greedy grouping of the converged records, best first: a design joins the first optimum whose
// objective and spectrum match it, or founds a new one. `spectra[i]` is record i's Cabs
// spectrum (empty for a record that is not converged).
std::vector<Optimum> distinct_optima(const std::vector<StartRecord>& records,
                                     const std::vector<std::vector<double>>& spectra, OptimumTolerance tolerance);

// A design drawn uniformly from {t >= t_min, sum t <= R_max} (a scaled Dirichlet(1, ..., 1)
// sample with one slack coordinate), a function of (seed, start) alone.
std::vector<double> uniform_design(long seed, long start, int layers, double min_thickness, double max_radius);

// The work of a design run in design-evaluations (one design over the whole band, value and
// gradient): the samples of a global strategy, the local searches' force passes, and the
// bookkeeping (each search's final design evaluated again for its record, each converged
// design's spectrum for the grouping into optima); and when the best J rose, so that the
// evaluations to reach the final best can be told afterwards.
struct DesignWork {
  long sampling = 0, local_searches = 0, bookkeeping = 0;
  double sampling_seconds = 0;
  std::vector<double> trace_evaluations, trace_best;  // after so many evaluations, the best J so far

  long total() const { return sampling + local_searches + bookkeeping; }
  void observe(double objective) {
    if (!(objective > (trace_best.empty() ? -HUGE_VAL : trace_best.back()))) return;
    trace_evaluations.push_back(double(total()));
    trace_best.push_back(objective);
  }
  // The evaluations after which the best J was first within `relative` of `target` (-1: never).
  long to_reach(double target, double relative) const {
    for (std::size_t i = 0; i < trace_best.size(); ++i)
      if (trace_best[i] >= target - relative * std::fabs(target)) return long(trace_evaluations[i]);
    return -1;
  }
};

// One row of the optimize mode's history.csv.
inline const char* multistart_history_header() { return "step,best_objective,mean_objective,active_starts"; }

}  // namespace dynaopt
