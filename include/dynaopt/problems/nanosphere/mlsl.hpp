#pragma once
// Multi-Level Single-Linkage (Rinnooy Kan & Timmer, Math. Prog. 39, 27-78, 1987), the host-side
// rules of a global design: where the samples of a round lie (a Sobol sequence over the design
// set), which of them start local searches (the reduced sample, the critical distance r_k), and
// when the run may stop by itself (the Bayesian estimate of the number of optima of Boender &
// Rinnooy Kan, Math. Prog. 37, 59-80, 1987). The local searches themselves are the multi-start
// batch's (multistart.hpp); nothing here touches a device.
#include <cstdint>
#include <vector>

namespace dynaopt {

// problem.mlsl of a nanosphere deck.
struct MlslSpec {
  long samples = 64;             // N: new sample points per round (samples_per_round)
  double reduced_fraction = 0.3; // gamma: searches start only among the gamma k N best samples
  double sigma = 2;              // sigma of r_k (NLopt's and the papers' 2)
  long searches_per_round = 0;   // at most this many new searches a round (0: ceil(gamma N))
  long search_steps = 0;         // a search still moving after this many steps ends at max_steps (0: run.steps)
  double expected_excess = 0.5;  // stop when E[optima] - W < this (and W >= 1)
  long max_rounds = 100;
  long max_evaluations = 0;      // stop once the design-evaluations reach this, inside a round too (0: no limit)

  long round_capacity() const;   // searches_per_round, resolved
};

// The points of a scrambled Sobol sequence mapped uniformly onto the design set
// {t_l >= t_min, sum t <= R_max}: point i is a function of (seed, i) alone, so every rank draws
// the same samples.
class DesignSequence {
 public:
  DesignSequence(int layers, double min_thickness, double max_radius, long seed);
  // Points first, ..., first + count - 1, thicknesses in nm, one row of `layers` per point.
  std::vector<std::vector<double>> draw(long first, long count) const;

 private:
  int layers_;
  double min_thickness_, budget_;
  std::vector<std::uint64_t> shift_;  // a random digital shift per coordinate
};

// The volume of {t_l >= t_min, sum_l t_l <= R_max} in nm^layers: (R_max - L t_min)^L / L!.
double design_set_volume(int layers, double min_thickness, double max_radius);

// r_k = pi^(-1/2) (Gamma(1 + n/2) sigma vol(S) ln(kN) / (kN))^(1/n), for kN = `samples`.
double critical_distance(int dimension, double volume, double sigma, long samples);

// The posterior expected number of optima after `trials` trials found `found` distinct ones,
// W (M - 1) / (M - W - 2); infinite while M <= W + 2 (too few trials to say).
double expected_optima(long found, long trials);

// The reduced sample's size, ceil(gamma kN).
long reduced_sample_size(double reduced_fraction, long samples);

// The trials M of the stopping rule: the reduced sample, each of whose points stands for the
// search its linked chain would lead to (our adaptation of the multistart rule to MLSL, which
// searches from few of them).
// The rule assumes that every search ends at an optimum; where some ended uncertified (stalled,
// max_steps, failed), only the certified share of the reduced sample counts, so that searches
// which identify nothing delay the stop instead of hastening it.
long rule_trials(long reduced_sample, long converged_searches, long ended_searches);

// A design and its objective J (maximised).
struct DesignPoint {
  std::vector<double> thickness;  // nm
  double objective = 0;
};

// The samples a round starts local searches from, best first, at most `limit`: those of the
// reduced sample (the ceil(gamma |samples|) best) not yet started from, with no better sample
// and no better known optimum within `radius` (Euclidean, nm). Ties in J go to the earlier
// sample, so the choice is the same on every rank.
std::vector<long> mlsl_starts(const std::vector<DesignPoint>& samples, const std::vector<char>& started,
                              const std::vector<DesignPoint>& optima, double reduced_fraction, double radius,
                              long limit);

}  // namespace dynaopt
