#pragma once
// Dyna's damping ratio over time: constant, or the ramp of paper 000 eq. 22,
//   1/(2 zeta_t) = 1/(2 from) - (1/(2 from) - 1/(2 to)) min(1, (t/T)^2),
// which starts under-damped for speed and ends critically damped for stability.
namespace dynaopt {

struct DampingSchedule {
  double from = 1.0;
  double to = 1.0;
  long ramp_steps = 0;  // T; 0 means constant damping ratio `from`

  static DampingSchedule constant(double zeta) { return {zeta, zeta, 0}; }
  static DampingSchedule ramp(double from, double to, long steps) { return {from, to, steps}; }

  // 1/(2 zeta_t) at step t = 1, 2, ...
  double inverse_twice_ratio(long t) const {
    const double start = 0.5 / from;
    if (ramp_steps <= 0) return start;
    const double s = static_cast<double>(t) / static_cast<double>(ramp_steps);
    const double progress = s < 1 ? s * s : 1.0;
    return start - (start - 0.5 / to) * progress;
  }
};

}  // namespace dynaopt
