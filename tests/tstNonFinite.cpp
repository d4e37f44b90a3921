// Under mpiexec -n 2: a gradient that overflows on one rank only is seen by every rank (the
// objective carries it), so all ranks skip, restart or abort together; a skipped step leaves
// the run exactly as if it had never been taken.
#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/gather.hpp"
#include "dynaopt/core/nonfinite_guard.hpp"
#include "dynaopt/problems/rosenbrock.hpp"
#include "integrate.hpp"

namespace dynaopt::test {
namespace {

using Device = Kokkos::DefaultExecutionSpace::device_type;
using Scalar = float;

// Rosenbrock in float whose point, at the listed evaluations and on the last rank only, has its
// first entry moved to 3e12: there the float gradient overflows (400 x^3 > 3.4e38) while the
// objective, summed in double, stays finite (about 8e51), so only the gradient is not finite.
class OverflowOnOneRank : public Rosenbrock<Scalar, Device> {
 public:
  OverflowOnOneRank(const RosenbrockSpec& spec, const Comm& comm, std::set<long> at)
      : Rosenbrock<Scalar, Device>(spec, comm), comm_(comm), at_(std::move(at)) {}
  Forces force(const view_type& point, long) override {
    const view_type& g = this->space().g;
    if (!at_.count(++evaluations_) || comm_.rank() != comm_.size() - 1) return this->evaluate(point, g);
    view_type moved("moved", point.extent(0));
    Kokkos::deep_copy(moved, point);
    Kokkos::deep_copy(Kokkos::subview(moved, 0), Scalar(3e12));
    return this->evaluate(moved, g);
  }

 private:
  const Comm& comm_;
  std::set<long> at_;
  long evaluations_ = 0;
};

RosenbrockSpec spec() {
  RosenbrockSpec s;
  s.dimension = 12;
  for (long i = 0; i < s.dimension; ++i) s.x0.push_back(i % 2 ? 1.5 : -1.2);
  return s;
}

OptimizerSpec optimizer(const std::string& text) {
  return read_optimizer(Deck("optimizer: " + text, "test.yaml").root().section("optimizer"));
}

struct Outcome {
  StepRecord result;
  double objective = 0;  // at the final x
  std::vector<double> x;
};

// `steps` steps of `problem` from x0, then `more` steps with a fresh optimizer from there.
Outcome run(OverflowOnOneRank& problem, const OptimizerSpec& o, RunSpec run, const Comm& comm, long more = 0) {
  Outcome out;
  out.result = integrate(problem, o, run, comm);
  if (more > 0) {
    run.steps = more;
    out.result = integrate(problem, o, run, comm);
  }
  out.objective = problem.evaluate(problem.space().x, problem.space().g).objective;
  out.x = gather_parameters(comm, problem.space());
  return out;
}

RunSpec steps(long n, NonfinitePolicy policy = NonfinitePolicy::skip) {
  RunSpec r;
  r.steps = n;
  r.log_every = 0;
  r.on_nonfinite = policy;
  return r;
}

TEST(NonFinite, TheOverflowIsInTheGradientOnly) {
  const Comm comm;
  OverflowOnOneRank problem(spec(), comm, {1});
  auto& space = problem.space();
  const Forces e = problem.force(space.x, 1);
  EXPECT_FALSE(std::isfinite(e.objective));  // on every rank, though only the last one overflowed
  OverflowOnOneRank clean(spec(), comm, {});
  const double finite_part = clean.force(space.x, 1).objective;
  EXPECT_TRUE(std::isfinite(finite_part));
  // The objective alone at the moved point is finite: the gradient is what carried the NaN.
  Rosenbrock<double, Device> in_double(spec(), comm);
  auto& moved = in_double.space();
  if (comm.rank() == comm.size() - 1) Kokkos::deep_copy(Kokkos::subview(moved.x, 0), 3e12);
  EXPECT_TRUE(std::isfinite(in_double.evaluate(moved.x, moved.g).objective));
}

TEST(NonFinite, SkippedStepsLeaveTheRunAsIfNeverTaken) {
  const Comm comm;
  for (const char* o : {"{type: dyna, gamma: 0.001, damping_ratio: {ramp: {from: 0.5, to: 1, steps: 20}}}",
                        "{type: nonlinear_nesterov, step: 0.0002, friction: 0.05, damping_exponent: 1.9}",
                        "{type: adam, lr: 0.01}"}) {
    OverflowOnOneRank faulty(spec(), comm, {5, 9, 10});
    const Outcome skipped = run(faulty, optimizer(o), steps(40), comm);
    OverflowOnOneRank clean(spec(), comm, {});
    const Outcome reference = run(clean, optimizer(o), steps(37), comm);
    EXPECT_EQ(skipped.result.skipped_steps, 3) << o;
    EXPECT_EQ(skipped.result.step, 40) << o;
    EXPECT_EQ(skipped.x, reference.x) << o;  // bit for bit
    OverflowOnOneRank unskipped(spec(), comm, {});
    EXPECT_NE(skipped.x, run(unskipped, optimizer(o), steps(40), comm).x) << o;  // three steps do matter
    EXPECT_TRUE(std::isfinite(skipped.objective)) << o;
  }
}

TEST(NonFinite, RestartBringsTheOptimizerToRest) {
  // Adam's restart zeroes both moments and starts its bias correction over: from then on the
  // run is a fresh Adam from where the faulty step found it.
  const Comm comm;
  const OptimizerSpec adam = optimizer("{type: adam, lr: 0.01}");
  OverflowOnOneRank faulty(spec(), comm, {8});
  const Outcome restarted = run(faulty, adam, steps(30, NonfinitePolicy::restart), comm);
  OverflowOnOneRank clean(spec(), comm, {});
  const Outcome reference = run(clean, adam, steps(7), comm, 22);
  EXPECT_EQ(restarted.result.skipped_steps, 1);
  EXPECT_EQ(restarted.x, reference.x);
}

TEST(NonFinite, AbortEndsEveryRankTogether) {
  const Comm comm;
  OverflowOnOneRank faulty(spec(), comm, {4});
  // Reaching the expectation at all, on both ranks, is the point: no rank waits for the other.
  EXPECT_THROW(run(faulty, optimizer("{type: adam, lr: 0.01}"), steps(10, NonfinitePolicy::abort), comm),
               CollectiveError);
}

TEST(NonFinite, TooManySkipsInARowEndTheRun) {
  const Comm comm;
  std::set<long> from_3;
  for (long k = 3; k < 100; ++k) from_3.insert(k);
  OverflowOnOneRank faulty(spec(), comm, from_3);
  RunSpec r = steps(50);
  r.max_consecutive_skips = 4;
  try {
    run(faulty, optimizer("{type: adam, lr: 0.01}"), r, comm);
    ADD_FAILURE() << "no error";
  } catch (const CollectiveError& e) {
    EXPECT_NE(std::string(e.what()).find("at step 7, the 5th non-finite step in a row"), std::string::npos)
        << e.what();
  }
}

TEST(NonFinite, MarkerFindsOneBadValueAnywhere) {
  Kokkos::View<float*, Device> v("v", 1000);
  Kokkos::deep_copy(v, 1.5f);
  EXPECT_EQ(nonfinite_marker(v), 0.0);
  for (const float bad : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN()}) {
    Kokkos::deep_copy(Kokkos::subview(v, 777), bad);
    EXPECT_TRUE(std::isnan(nonfinite_marker(v)));
  }
}

}  // namespace
}  // namespace dynaopt::test
