#pragma once
// The Rosenbrock function of paper 001 eq. 51 (with the plus sign of the original):
//   V(x) = sum_{i<d-1} 100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2,   minimum V = 0 at x = 1.
// The coordinates are block-distributed over the ranks; each rank needs one neighbour value on
// either side, exchanged like the halo of an explicit code.
#include <Kokkos_Core.hpp>
#include <optional>
#include <stdexcept>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/gather.hpp"
#include "dynaopt/core/result_yaml.hpp"
#include "dynaopt/core/memory_estimate.hpp"
#include "dynaopt/problems/problem.hpp"

namespace dynaopt {

struct RosenbrockSpec {
  long dimension = 2;
  std::vector<double> x0;  // dimension values, or one for every coordinate
  double start(std::size_t i) const { return x0.size() == 1 ? x0[0] : x0[i]; }
  std::optional<GroupBounds> bounds;  // every x_i in [lower, upper], sum x_i <= max_sum (one rank)
};

template <class Scalar, class Device>
class Rosenbrock : public Problem<Scalar, Device> {
 public:
  using typename Problem<Scalar, Device>::space_type;
  using typename Problem<Scalar, Device>::view_type;
  using const_view = Kokkos::View<const Scalar*, Device>;

  Rosenbrock(RosenbrockSpec spec, const Comm& comm) : spec_(std::move(spec)), comm_(comm) {
    const auto d = static_cast<std::size_t>(spec_.dimension);
    if (d < static_cast<std::size_t>(comm_.size()))
      throw std::invalid_argument("rosenbrock: dimension " + std::to_string(d) + " is smaller than the " +
                                  std::to_string(comm_.size()) + " ranks it is split over");
    std::tie(begin_, end_) = comm_.block(d);
    GroupTable groups;
    groups.add("x", end_ - begin_, 1.0, begin_, d);
    space_ = space_type(std::move(groups));
    auto host = Kokkos::create_mirror_view(space_.x);
    for (std::size_t i = begin_; i < end_; ++i) host(i - begin_) = Scalar(spec_.start(i));
    Kokkos::deep_copy(space_.x, host);
    if (spec_.bounds) bounds_ = Bounds<Scalar, Device>(space_.groups, {*spec_.bounds}, "problem.bounds");
  }

  std::string name() const override { return "rosenbrock"; }
  space_type& space() override { return space_; }
  Forces force(const view_type& point, long) override { return evaluate(point, space_.g); }
  const Bounds<Scalar, Device>* bounds() const override { return spec_.bounds ? &bounds_ : nullptr; }

  // The integrator's results, and x itself when it is small enough to read.
  std::string finish(const StepRecord& record, RunOutput& output, YAML::Emitter& result) override {
    const std::string summary = Problem<Scalar, Device>::finish(record, output, result);
    if (spec_.dimension <= max_written_dimension) {  // gathered on every rank: only when written
      result << YAML::Key << "x" << YAML::Value;
      emit_exact(result, gather_parameters(comm_, space_));
    }
    return summary;
  }

  static constexpr long max_written_dimension = 1000;

  // The memory of a run's problem on rank `rank` of `ranks`, before it is built: this rank's
  // block of x (the space's shape; x, g and the optimizer's state are the run's terms) and the
  // start point the deck gave, which the job and the problem hold on the host.
  static SpaceShape shape(const RosenbrockSpec& spec, int ranks, int rank) {
    const auto d = std::size_t(spec.dimension), p = std::size_t(ranks), r = std::size_t(rank);
    const double block = double(d / p + (r < d % p ? 1 : 0));
    return {block, 1, "problem.dimension", std::to_string(spec.dimension) + " parameters"};
  }
  static void add_memory(MemoryEstimate& m, const RosenbrockSpec& spec) {
    m.add({"problem.x0 as given (the deck's and the problem's copy)", "problem.x0",
           spec.x0.size() == 1 ? "one value for all" : std::to_string(spec.x0.size()) + " values", 2 * sizeof(double) * double(spec.x0.size()), false});
    if (spec.dimension <= max_written_dimension)
      m.add({"x gathered for result.yaml", "problem.dimension", "", 3 * 8.0 * double(spec.dimension), false, true});
  }

  // V and its gradient at `point` (this rank's block), collective: the objective is summed over
  // the ranks and is not finite when any rank's gradient is not.
  Forces evaluate(const const_view& point, const view_type& gradient) {
    const std::size_t n = end_ - begin_;
    const auto last_global = static_cast<std::size_t>(spec_.dimension) - 1;
    Scalar ends[2];
    Kokkos::deep_copy(Kokkos::View<Scalar, Kokkos::HostSpace>(&ends[0]), Kokkos::subview(point, 0));
    Kokkos::deep_copy(Kokkos::View<Scalar, Kokkos::HostSpace>(&ends[1]), Kokkos::subview(point, n - 1));
    const auto halo = comm_.exchange_boundaries(double(ends[0]), double(ends[1]), 0.0);
    const Scalar left = Scalar(halo.first), right = Scalar(halo.second);
    const std::size_t begin = begin_;
    double local = 0;
    Kokkos::parallel_reduce(
        "dynaopt::rosenbrock", Kokkos::RangePolicy<typename Device::execution_space>(0, n),
        KOKKOS_LAMBDA(const std::size_t i, double& sum) {
          const std::size_t j = begin + i;
          const Scalar xi = point(i);
          Scalar gi = 0;
          if (j < last_global) {
            const Scalar next = i + 1 < n ? point(i + 1) : right;
            const Scalar bend = next - xi * xi;
            gi += Scalar(-400) * xi * bend + Scalar(2) * (xi - Scalar(1));
            sum += 100.0 * double(bend) * double(bend) + double(xi - 1) * double(xi - 1);
          }
          if (j > 0) {
            const Scalar previous = i > 0 ? point(i - 1) : left;
            gi += Scalar(200) * (xi - previous * previous);
          }
          gradient(i) = gi;
          sum += double(gi - gi);  // 0, or NaN for a non-finite gradient: the objective carries it to all ranks
        },
        local);
    const double objective = comm_.sum(local);
    return Forces{objective, {objective}};
  }

 private:
  RosenbrockSpec spec_;
  const Comm& comm_;
  std::size_t begin_ = 0, end_ = 0;
  space_type space_;
  Bounds<Scalar, Device> bounds_;
};

}  // namespace dynaopt
