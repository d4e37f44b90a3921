#pragma once
// The interface every optimizer offers to a driver: where to take the gradient, and one step.
#include <Kokkos_Core.hpp>
#include <string>
#include <utility>
#include <vector>

#include "dynaopt/core/group_statistics.hpp"
#include "dynaopt/core/parameter_space.hpp"
#include "dynaopt/core/state_archive.hpp"

namespace dynaopt {

template <class Scalar, class Device>
class Optimizer {
 public:
  using space_type = ParameterSpace<Scalar, Device>;
  using view_type = Kokkos::View<Scalar*, Device>;

  virtual ~Optimizer() = default;

  // The point at which the caller must evaluate the gradient (into space.g) before step():
  // the parameters themselves, or a look-ahead point such as Nesterov's.
  virtual view_type evaluation_point(const space_type& space) const { return space.x; }

  // Advances every group by one step. `objective[group]` is the objective that group sees
  // (the same global loss for all layers of a network, its own for one design of a batch);
  // optimizers with warm restart compare it with the previous step's. A non-empty
  // `statistics` View receives the local (this rank's) per-group statistics of the step.
  virtual void step(space_type& space, const std::vector<double>& objective,
                    const StatisticsView<Device>& statistics = {}) = 0;

  // Warm restarts taken so far, per group.
  virtual std::vector<long> restarts() const { return {}; }

  // Brings the listed groups to rest at their current parameters (run.on_nonfinite: restart):
  // their momenta and moment estimates zeroed. A clock that all groups share (a bias
  // correction's step count) starts over only when every group is reset, as at a first step.
  virtual void reset(const space_type& space, const std::vector<int>& groups) = 0;

  // Everything the next step depends on, for checkpoints; overrides add their arrays.
  virtual void archive(StateArchive& state) { state.field("optimizer.steps", steps_); }

  long step_count() const { return steps_; }

 protected:
  long steps_ = 0;
};

// The optimizer a settings type builds: each optimizer's header specialises it next to its
// class, so a settings type without an optimizer fails to compile instead of reaching a default.
template <class Settings>
struct optimizer_for;

}  // namespace dynaopt
