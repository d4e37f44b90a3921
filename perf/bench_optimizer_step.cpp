// One step of every optimizer type and form over N parameters, float and double, next to a
// STREAM triad, a fused 7-stream loop and a plain copy measured in the same run. An Adam-shaped step is
// memory-bound, so the figure of merit is achieved bytes/s against those, not FLOP/s.
//
//   bench_optimizer_step [--sizes 1e4,1e5,1e6,1e7,1e8] [--repeat 10] [--kokkos-num-threads=T]
// Columns: the streams the kernel must move (arrays read + written), the best time, the bytes/s
// that makes, and its ratio to the triad and to the 7-stream loop (the figure of merit).
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "dynaopt/optim/make_optimizer.hpp"

namespace {

using namespace dynaopt;
using Device = Kokkos::DefaultExecutionSpace::device_type;
using ExecSpace = Device::execution_space;

int repeat = 10;

// Best of `repeat` timed runs after one warm-up, in seconds.
double best_time(const std::function<void()>& kernel) {
  kernel();
  Kokkos::fence();
  double best = 1e300;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    kernel();
    Kokkos::fence();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

struct Row {
  std::string kernel;
  int streams;
  double seconds;
};

template <class S>
void bench(std::size_t n) {
  using View = Kokkos::View<S*, Device>;
  View a("a", n), b("b", n), c("c", n), d("d", n);
  Kokkos::deep_copy(b, S(1)), Kokkos::deep_copy(c, S(2)), Kokkos::deep_copy(d, S(0.5));
  const auto range = Kokkos::RangePolicy<ExecSpace>(0, n);
  std::vector<Row> rows;

  // STREAM triad (McCalpin): 2 reads, 1 write.
  const S scale = S(3);
  rows.push_back({"stream_triad", 3, best_time([&] {
                    Kokkos::parallel_for("triad", range, KOKKOS_LAMBDA(std::size_t i) { a(i) = b(i) + scale * c(i); });
                  })});
  // The fused limit of an Adam-shaped step: 4 arrays read, 3 written, no arithmetic to speak of.
  rows.push_back({"fused_7_stream", 7, best_time([&] {
                    Kokkos::parallel_for("seven", range, KOKKOS_LAMBDA(std::size_t i) {
                      const S g = d(i);
                      const S m = b(i) + g, v = c(i) + g;
                      b(i) = m, c(i) = v, a(i) += m - v;
                    });
                  })});
  // The memory system's own copy (1 read, 1 write; cudaMemcpy device-to-device on a GPU): the
  // bandwidth a GPU's step is quoted against.
  rows.push_back({"deep_copy", 2, best_time([&] { Kokkos::deep_copy(a, b); })});

  GroupTable table;
  table.add("w", n, 784);
  ParameterSpace<S, Device> space(table);
  Kokkos::deep_copy(space.g, S(1e-3));
  StatisticsView<Device> statistics("statistics", 1);
  const std::vector<double> objective{1.0};

  // Every type and form; the nonlinear family with eta and s off 2 together and one at a time
  // (eta != 2: a power in the damping; s != 2: in the velocity and the kinetic energy), and
  // eta = 1 (dry friction: no power).
  const auto momentum = [](MomentumForm form, double eta, double s, MirrorSpec mirror = {}) {
    NonlinearMomentumSettings m;
    m.form = form, m.step = 1e-6, m.friction = 0.1, m.damping_exponent = eta, m.kinetic_exponent = s;
    m.mirror = mirror;
    return m;
  };
  MirrorSpec lp, box;
  lp.kind = MirrorSpec::Kind::lp, lp.p = 1.5;
  box.kind = MirrorSpec::Kind::box, box.lower = -1, box.upper = 2;
  using F = MomentumForm;
  const std::vector<std::tuple<std::string, OptimizerSpec, int>> specs = {
      {"dyna", {"dyna", DynaSettings{}}, 7},
      {"adam", {"adam", AdamSettings{}}, 7},
      {"dyna_prototype", {"dyna_prototype", DynaPrototypeSettings{}}, 7},
      {"heavy_ball", {"heavy_ball", momentum(F::heavy_ball, 2, 2)}, 5},
      {"nesterov", {"nesterov", momentum(F::nesterov, 2, 2)}, 6},
      {"sgd", {"sgd", SgdSettings{1e-6}}, 3},
      {"nl_heavy_ball(1.9,1.9)", {"nonlinear_heavy_ball", momentum(F::heavy_ball, 1.9, 1.9)}, 5},
      {"nl_heavy_ball(1.9,2)", {"nonlinear_heavy_ball", momentum(F::heavy_ball, 1.9, 2)}, 5},
      {"nl_heavy_ball(2,1.9)", {"nonlinear_heavy_ball", momentum(F::heavy_ball, 2, 1.9)}, 5},
      {"nl_heavy_ball(1,2)", {"nonlinear_heavy_ball", momentum(F::heavy_ball, 1, 2)}, 5},  // dry friction
      {"nl_nesterov(1.9,1.9)", {"nonlinear_nesterov", momentum(F::nesterov, 1.9, 1.9)}, 6},
      {"nl_mirror_lp(1.9,1.9)", {"nonlinear_mirror", momentum(F::mirror, 1.9, 1.9, lp)}, 5},
      {"nl_mirror_box(1.9,1.9)", {"nonlinear_mirror", momentum(F::mirror, 1.9, 1.9, box)}, 5},
  };
  for (const auto& [name, spec, streams] : specs) {
    Kokkos::deep_copy(space.x, S(0.5));  // inside the box map's (-1, 2)
    auto optimizer = make_optimizer(spec, space);
    rows.push_back({name, streams, best_time([&] { optimizer->step(space, objective); })});
    rows.push_back({name + "+stats", streams, best_time([&] { optimizer->step(space, objective, statistics); })});
  }

  const double triad = 3.0 * sizeof(S) * double(n) / rows[0].seconds;
  const double seven = 7.0 * sizeof(S) * double(n) / rows[1].seconds;
  for (const auto& r : rows) {
    const double rate = r.streams * sizeof(S) * double(n) / r.seconds;
    std::printf("%-7s %10.0e %-26s %2d %11.4f %9.2f %8.3f %8.3f\n", sizeof(S) == 8 ? "double" : "float", double(n),
                r.kernel.c_str(), r.streams, r.seconds * 1e3, rate / 1e9, rate / triad, rate / seven);
  }
}

std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) sizes.push_back(static_cast<std::size_t>(std::stod(item)));
  return sizes;
}

}  // namespace

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard guard(argc, argv);
  std::vector<std::size_t> sizes = {10000, 100000, 1000000, 10000000, 100000000};
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--sizes") sizes = parse_sizes(argv[++i]);
    else if (a == "--repeat") repeat = std::atoi(argv[++i]);
  }
  std::printf("# %s, concurrency %d; GB/s counts each stream once (STREAM convention)\n", ExecSpace::name(),
              ExecSpace().concurrency());
  std::printf("%-7s %10s %-26s %2s %11s %9s %8s %8s\n", "scalar", "n", "kernel", "st", "ms", "GB/s", "/triad",
              "/7stream");
  for (const std::size_t n : sizes) {
    bench<double>(n);
    bench<float>(n);
  }
  return 0;
}
