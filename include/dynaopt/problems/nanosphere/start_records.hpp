#pragma once
// The host-side bookkeeping of a multi-start design: what became of each start, how starts
// are drawn, and how final designs are grouped into distinct local optima.
#include <string>
#include <vector>

#include "dynaopt/core/deck.hpp"

namespace dynaopt {

// What became of one start.
struct StartRecord {
  enum class Status { running, converged, failed };
  long start = 0;
  int rank = 0;
  long steps = 0;
  Status status = Status::running;
  double objective = 0;  // at the final design
  std::vector<double> thickness;  // nm
};

// "step_limit": the run's steps ran out while the start was still moving.
inline constexpr Named<StartRecord::Status> start_statuses[] = {{StartRecord::Status::running, "step_limit"},
                                                                {StartRecord::Status::converged, "converged"},
                                                                {StartRecord::Status::failed, "failed"}};
inline const char* status_name(StartRecord::Status status) { return name_of(start_statuses, status); }

// One distinct local optimum: the best start of a cluster of final designs.
struct Optimum {
  double objective = 0;
  std::vector<double> thickness;
  long start = 0;    // the start that found it best
  long members = 0;  // starts that ended within the cluster distance of it
};

// Greedy clustering, best first: a design joins the first optimum within `distance` nm
// (Euclidean) of it, or founds a new one. Failed starts are left out.
std::vector<Optimum> distinct_optima(std::vector<StartRecord> records, double distance);

// A design drawn uniformly from {t >= t_min, sum t <= R_max} (a scaled Dirichlet(1, ..., 1)
// sample with one slack coordinate), a function of (seed, start) alone.
std::vector<double> uniform_design(long seed, long start, int layers, double min_thickness, double max_radius);

// One row of the optimize mode's history.csv.
inline const char* multistart_history_header() { return "step,best_objective,mean_objective,active_starts"; }

}  // namespace dynaopt
