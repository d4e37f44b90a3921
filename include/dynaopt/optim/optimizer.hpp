#pragma once
// The interface every optimizer offers to a driver: where to take the gradient, and one step.
#include <Kokkos_Core.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dynaopt/core/bounds.hpp"
#include "dynaopt/core/group_statistics.hpp"
#include "dynaopt/core/parameter_space.hpp"
#include "dynaopt/core/state_archive.hpp"
#include "dynaopt/optim/objectives.hpp"
#include "dynaopt/optim/prebuilt.hpp"

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

  // Advances the selected groups (all, unless space.select() chose fewer) by one step, with
  // the gradient in space.g taken at evaluation_point(space). `objective[group]` is the
  // objective that group sees (the same loss for all layers of a network: pass that one
  // number; its own for one design of a batch); optimizers with warm restart compare it with
  // the previous step's, the others ignore it. A non-empty `statistics` View (one slot per
  // group) receives the local (this rank's) per-group statistics of the step.
  // Throws std::invalid_argument, before any work, for a space other than the one the
  // optimizer was built for (sizes), a statistics View without a slot per group, or missing
  // objectives where they are read: comparisons of sizes, cheap enough for every step.
  void step(space_type& space, Objectives objective, const StatisticsView<Device>& statistics = {}) {
    require_shape(space, statistics);
    if (reads_objectives() && !objective.covers(space.group_count()))
      throw std::invalid_argument(std::string(name()) + "::step: " + std::to_string(objective.count()) +
                                  " objective(s) for " + std::to_string(space.group_count()) +
                                  " group(s); it takes one per group, or one number for all");
    advance(space, objective, statistics);
  }

  // The optimizer's name in messages ("Dyna").
  virtual const char* name() const = 0;

  // The constraint pass after step(), for a problem with bounds: x back inside them and the
  // state consistent with the faces it lies on (bounds.hpp: each optimizer hands its motion,
  // its per-coordinate step sizes and velocity). An optimizer without a velocity projects x.
  virtual void constrain(space_type& space, const Bounds<Scalar, Device>& bounds) { bounds.project(space.x, space); }

  // Warm restarts taken so far, per group.
  virtual std::vector<long> restarts() const { return {}; }

  // A strategy steered by the statistics of the step (Dyna's adaptive cut-off) answers true:
  // the integrator then samples statistics on every step and hands observe() each group's,
  // combined over the ranks (so every rank steers alike), after the step's one allreduce.
  virtual bool steered_by_statistics() const { return false; }
  virtual void observe(const std::vector<GroupStatistics>& /*groups*/) {}

  // Per-group quantities of the optimizer's own for groups.csv: the column names, and a
  // group's values in that order.
  virtual std::vector<std::string> group_columns() const { return {}; }
  virtual std::vector<double> group_values(int /*group*/) const { return {}; }

  // Brings the listed groups to rest at their current parameters (run.on_nonfinite: restart):
  // every state array zeroed in them. A clock that all groups share (a bias correction's step
  // count) starts over only when every group is reset, as at a first step. Overrides add
  // state that is not an array of zeros at rest.
  virtual void reset(const space_type& space, const std::vector<int>& groups) {
    for (const auto& array : state_) fill_groups(space, groups, array.values, Scalar(0));
    if (restart_clock_ && int(groups.size()) == space.group_count()) steps_ = 0;
  }

  // Every group at rest and the step count at zero: the optimizer as built, for a batch that
  // starts new problems in all of its groups at once (MLSL's next round of local searches), so
  // each of them runs as from a first step (a bias correction, a damping ramp).
  void start_over(const space_type& space) {
    reset(space, all_groups(space.groups));
    steps_ = 0;
  }

  // Everything the next step depends on, for checkpoints: the step count and every state
  // array; overrides add the rest.
  virtual void archive(StateArchive& state) {
    state.field("optimizer.steps", steps_);
    for (const auto& array : state_) state.field(array.name, array.values);
  }

  long step_count() const { return steps_; }

 protected:
  // Built for `space`: step() takes that space (or one of the same shape) only.
  // `restart_clock`: reset() of every group starts the step count over (a bias correction).
  explicit Optimizer(const space_type& space, bool restart_clock = false)
      : size_(space.size()), groups_(space.group_count()), restart_clock_(restart_clock) {}

  // The step itself, its preconditions checked.
  virtual void advance(space_type& space, const Objectives& objective, const StatisticsView<Device>& statistics) = 0;
  // Whether advance() reads the objectives (warm restart, a noise trend).
  virtual bool reads_objectives() const { return false; }

  // A zeroed array shaped like x (`size` elements) that belongs to the optimizer's state:
  // archived under `name` and zeroed by reset().
  view_type state_array(const std::string& name, std::size_t size) {
    state_.push_back({name, view_type(name, size)});
    return state_.back().values;
  }

  long steps_ = 0;

 private:
  // The space's shape the one the optimizer was built for (its state arrays' length, its
  // per-group host state's count), x and g of that length, statistics a slot per group.
  void require_shape(const space_type& space, const StatisticsView<Device>& statistics) const {
    if (space.size() != size_ || space.group_count() != groups_ || space.x.extent(0) != size_ ||
        space.g.extent(0) != size_)
      throw std::invalid_argument(std::string(name()) + "::step: a space of " + std::to_string(space.size()) +
                                  " parameters in " + std::to_string(space.group_count()) + " group(s) (x " +
                                  std::to_string(space.x.extent(0)) + ", g " + std::to_string(space.g.extent(0)) +
                                  ") for an optimizer built for " + std::to_string(size_) + " in " +
                                  std::to_string(groups_));
    if (statistics.extent(0) != 0 && statistics.extent(0) < std::size_t(space.group_count()))
      throw std::invalid_argument(std::string(name()) + "::step: statistics has " +
                                  std::to_string(statistics.extent(0)) + " slot(s) for " +
                                  std::to_string(space.group_count()) + " group(s)");
  }

  std::size_t size_;
  int groups_;
  struct StateArray {
    std::string name;
    view_type values;
  };
  std::vector<StateArray> state_;
  bool restart_clock_;
};

// The arrays shaped like x an optimizer keeps besides x and g (the memory estimate's share of
// it; a test holds it to what the optimizer allocates).
struct StateArrays {
  int count = 0;
  std::string what;     // "Adam's two moments"
  double per_group = 0;  // bytes per group besides: coefficients on the device and the host, trends
};

// The optimizer a settings type builds: each optimizer's header specialises it next to its
// class, so a settings type without an optimizer fails to compile instead of reaching a default.
// Beside `type<Scalar, Device>` it gives `state(settings)`, the StateArrays of that optimizer.
template <class Settings>
struct optimizer_for;

DYNAOPT_PREBUILT(Optimizer)

}  // namespace dynaopt
