// dynaopt's optimizers over your own Views, without its integrator: the loop is yours. The
// problem is separable and bound-constrained, with a known solution:
//   minimise V(x) = sum_i a_i/2 (x_i - c_i)^2  subject to x >= 0,  so x*_i = max(c_i, 0),
// over 100,000 parameters in two groups ("weights": 90,000 of fan-in 30, "bias": 10,000),
// each group's elements block-distributed over the MPI ranks. It runs Dyna, then nonlinear
// heavy ball (step 0.05, friction 0.1, damping exponent 1.9), from x = 0.5, and exits non-zero
// unless
//   - heavy ball reaches |G|_2 <= 1e-9 (G the projected gradient: certified stationarity)
//     with |x - x*|_inf <= 1e-9 (each a_i >= 1, so |x_i - x*_i| <= |G_i|), and
//   - Dyna (gamma 0.01, warm restarts) brings V - V* below 1e-5 of its start in 2,000 steps
//     (like sign descent it ends in an oscillation of about its step 2 gamma / fan_in, so it
//     certifies nothing).
// It prints a digest of heavy ball's final x: the step is elementwise, so the digest is the
// same on any number of ranks (the test compares 1 and 2).
//
//   mpirun -n P own_views
// Links dynaopt::mpi only (optimizers: dynaopt::optim, Kokkos alone; Comm: MPI).
#include <mpi.h>

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "dynaopt/core/bounds.hpp"
#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/splitmix64.hpp"
#include "dynaopt/optim/dyna.hpp"
#include "dynaopt/optim/nonlinear_momentum.hpp"

using Exec = Kokkos::DefaultExecutionSpace;
using Device = Exec::device_type;
using View = Kokkos::View<double*, Device>;
using Space = dynaopt::ParameterSpace<double, Device>;

// The problem's data, from the element's global index (so it does not depend on the ranks).
KOKKOS_INLINE_FUNCTION double curvature(std::uint64_t i) { return 1 + 9 * dynaopt::open_unit(dynaopt::splitmix64(2 * i)); }
KOKKOS_INLINE_FUNCTION double centre(std::uint64_t i) { return 2 * dynaopt::open_unit(dynaopt::splitmix64(2 * i + 1)) - 1; }

struct Problem {
  const dynaopt::Comm& comm;
  Exec instance;
  View x, g;                               // the user's own arrays
  Kokkos::View<std::uint64_t*, Device> index;  // each local element's global index
  dynaopt::GroupTable groups;

  explicit Problem(const dynaopt::Comm& c) : comm(c) {
    std::size_t global_offset = 0, local = 0;
    struct { const char* name; std::size_t size; double fan_in; } layout[] = {{"weights", 90000, 30}, {"bias", 10000, 1}};
    std::vector<std::uint64_t> host_index;
    for (const auto& group : layout) {
      const auto [first, last] = comm.block(group.size);
      groups.add(group.name, last - first, group.fan_in, first, group.size);
      for (std::size_t i = first; i < last; ++i) host_index.push_back(global_offset + i);
      global_offset += group.size, local += last - first;
    }
    x = View("user::x", local), g = View("user::g", local);
    index = Kokkos::View<std::uint64_t*, Device>("user::index", local);
    Kokkos::deep_copy(index, Kokkos::View<std::uint64_t*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(host_index.data(), local));
  }

  // g at `point`, on the space's instance (the one the step runs on), and V over all ranks (the
  // reduction into a host double waits for it).
  double gradient(const View& point) const {
    const auto g_ = g;
    const auto index_ = index;
    double local = 0;
    Kokkos::parallel_reduce(
        "user::gradient", Kokkos::RangePolicy<Exec>(instance, 0, point.extent(0)),
        KOKKOS_LAMBDA(const std::size_t k, double& sum) {
          const double a = curvature(index_(k)), d = point(k) - centre(index_(k));
          g_(k) = a * d;
          sum += 0.5 * a * d * d;
        },
        local);
    return comm.sum(local);
  }
  double optimum() const {  // V*, with x*_i = max(c_i, 0)
    const auto index_ = index;
    double local = 0;
    Kokkos::parallel_reduce(
        "user::optimum", Kokkos::RangePolicy<Exec>(instance, 0, index.extent(0)),
        KOKKOS_LAMBDA(const std::size_t k, double& sum) {
          const double c = centre(index_(k));
          sum += c < 0 ? 0.5 * curvature(index_(k)) * c * c : 0.0;
        },
        local);
    return comm.sum(local);
  }
  double distance_to_solution() const {  // |x - x*|_inf over all ranks
    const auto x_ = x;
    const auto index_ = index;
    double local = 0;
    Kokkos::parallel_reduce(
        "user::distance", Kokkos::RangePolicy<Exec>(instance, 0, x.extent(0)),
        KOKKOS_LAMBDA(const std::size_t k, double& m) {
          const double c = centre(index_(k)), d = dynaopt::math::fabs(x_(k) - (c > 0 ? c : 0.0));
          m = d > m ? d : m;
        },
        Kokkos::Max<double>(local));
    return comm.max(local);
  }
  // An order-free digest of x (the sum mod 2^64 of hashes of each element's index and bits), over all ranks.
  std::uint64_t digest() const {
    const auto x_ = x;
    const auto index_ = index;
    std::uint64_t local = 0;
    Kokkos::parallel_reduce(
        "user::digest", Kokkos::RangePolicy<Exec>(instance, 0, x.extent(0)),
        KOKKOS_LAMBDA(const std::size_t k, std::uint64_t& h) {
          std::uint64_t bits;
          std::memcpy(&bits, &x_(k), sizeof bits);
          h += dynaopt::splitmix64(dynaopt::splitmix64(index_(k)) ^ bits);
        },
        local);
    std::uint64_t all = 0;
    MPI_Allreduce(&local, &all, 1, MPI_UINT64_T, MPI_SUM, comm.handle());
    return all;
  }
};

// One optimizer from x = 0.5: step, constrain, until |G|_2 <= tolerance or `steps`. Returns |G|_2.
double minimise(Problem& problem, dynaopt::Optimizer<double, Device>& optimizer, Space& space,
                const dynaopt::Bounds<double, Device>& bounds, long steps, double tolerance, long& taken) {
  Kokkos::View<double*, Device> stationarity("user::stationarity", space.group_count());
  double norm = INFINITY;
  for (taken = 0; taken < steps; ++taken) {
    const double loss = problem.gradient(optimizer.evaluation_point(space));
    bounds.stationarity(space.x, space.g, space, stationarity);  // |G|^2 per group, this rank's
    const auto squares = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), stationarity);
    double local = 0;
    for (std::size_t k = 0; k < squares.extent(0); ++k) local += squares(k);
    norm = std::sqrt(problem.comm.sum(local));
    if (norm <= tolerance) break;
    optimizer.step(space, loss);  // the same loss for both groups: one number, no allocation
    optimizer.constrain(space, bounds);
  }
  return norm;
}

int main(int argc, char* argv[]) {
  MPI_Init(&argc, &argv);  // yours to call, before any Comm
  int failures = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    const dynaopt::Comm comm;
    Problem problem(comm);
    Space space(problem.groups, problem.x, problem.g, problem.instance);  // over the user's x and g
    dynaopt::Bounds<double, Device> bounds(space.groups, {{0.0}, {0.0}}, "x >= 0");
    const double optimum = problem.optimum();

    Kokkos::deep_copy(problem.x, 0.5);
    bounds.require_feasible(space.x);
    const double start = problem.gradient(space.x) - optimum;
    dynaopt::DynaSettings dyna_settings;
    dyna_settings.gamma = 0.01;
    dyna_settings.restart.on_increase = true;
    dynaopt::Dyna<double, Device> dyna(space, dyna_settings);
    long dyna_steps = 0;
    minimise(problem, dyna, space, bounds, 2000, 0, dyna_steps);
    const double dyna_gap = problem.gradient(space.x) - optimum;
    failures += !(dyna_gap <= 1e-5 * start);

    Kokkos::deep_copy(problem.x, 0.5);
    dynaopt::NonlinearMomentumSettings heavy_ball;
    heavy_ball.step = 0.05, heavy_ball.friction = 0.1, heavy_ball.damping_exponent = 1.9;
    dynaopt::NonlinearMomentum<double, Device> momentum(space, heavy_ball);
    long momentum_steps = 0;
    const double norm = minimise(problem, momentum, space, bounds, 5000, 1e-9, momentum_steps);
    const double distance = problem.distance_to_solution();
    failures += !(norm <= 1e-9 && distance <= 1e-9);
    const std::uint64_t digest = problem.digest();
    if (comm.is_root()) {
      std::printf("Dyna on %d rank(s): V - V* from %.6e to %.3e in %ld steps (%ld restarts of group 0)\n", comm.size(),
                  start, dyna_gap, dyna_steps, dyna.restarts()[0]);
      std::printf("nonlinear heavy ball: %s after %ld steps, |G|_2 %.3e, |x - x*|_inf %.3e\n",
                  norm <= 1e-9 ? "converged" : "not converged", momentum_steps, norm, distance);
      std::printf("heavy ball x digest: %016llx\n", static_cast<unsigned long long>(digest));
    }
  }
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
