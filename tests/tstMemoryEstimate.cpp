// The memory estimate against what a run really holds: for each problem a mid-size run of the
// driver's own path (read_job, the registry's run) whose peak resident size (VmHWM, reset
// through /proc/self/clear_refs) grows by the estimate to within 10%; each case is a ctest
// entry of its own, so no other case's freed memory is reused. The optimizers' state arrays
// are held to what each optimizer allocates (Kokkos' allocation callback), and a deck too
// large for any machine is refused before anything is allocated.
#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/memory_estimate.hpp"
#include "dynaopt/optim/make_optimizer.hpp"
#include "dynaopt/problems/registry.hpp"
#include "mnist_fixture.hpp"

namespace {

using namespace dynaopt;
namespace fs = std::filesystem;

// A field of /proc/self/status in bytes (its "kB" values).
double status_bytes(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size() + 1, key + ":") == 0) return 1024 * std::stod(line.substr(key.size() + 1));
  return -1;
}

// The peak resident size starts over at the current one (Linux >= 4.0); false where it cannot.
bool reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return bool(out);
}

std::string scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("dynaopt_memory_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir.string();
}

struct Measured {
  double estimate = 0;  // the host peak the estimate gives (host-only build: everything)
  double increase = 0;  // VmHWM after the run less VmRSS before it
};

// Runs `deck` as the driver does and measures the growth of the peak resident size.
Measured run_and_measure(const std::string& deck_text) {
  const Comm comm;
  const Deck deck(deck_text, "memory.yaml");
  const Job job = read_job(deck);
  const ProblemType& type = problem_type(job.problem_type);
  const MemoryEstimate estimate = type.memory(job, comm.size(), comm.rank());
  Kokkos::fence();
  if (!reset_peak()) return {};
  const double before = status_bytes("VmRSS");
  type.run(job, comm);
  Kokkos::fence();
  return {estimate.peak(false) + estimate.peak(true), status_bytes("VmHWM") - before};
}

// AddressSanitizer's shadow memory, redzones and quarantine of freed blocks are resident too:
// the run is made (and checked by it), the sizes are not compared.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool address_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool address_sanitizer = true;
#else
constexpr bool address_sanitizer = false;
#endif
#else
constexpr bool address_sanitizer = false;
#endif

void expect_within_ten_percent(const Measured& m) {
  if (address_sanitizer) GTEST_SKIP() << "AddressSanitizer's own memory is resident too";
  if (m.increase == 0 && m.estimate == 0) GTEST_SKIP() << "/proc/self/clear_refs cannot reset the peak here";
  std::printf("estimate %s, measured peak increase %s, ratio %.3f\n", format_bytes(m.estimate).c_str(),
              format_bytes(m.increase).c_str(), m.estimate / m.increase);
  EXPECT_GT(m.increase, 50e6) << "a mid-size case: fixed costs must not dominate";
  EXPECT_NEAR(m.estimate / m.increase, 1.0, 0.10);
}

TEST(MemoryEstimate, RosenbrockWithinTenPercentOfTheResidentGrowth) {
  const std::string out = scratch("rosenbrock");
  expect_within_ten_percent(run_and_measure(R"(
problem: {type: rosenbrock, dimension: 4000000, x0: 0.5}
optimizer: {type: nesterov, step: 0.0001, friction: 0.1}
run: {steps: 3, log_every: 0}
output: {directory: )" + out + "}\n"));
  fs::remove_all(out);
}

TEST(MemoryEstimate, MnistWithinTenPercentOfTheResidentGrowth) {
  const std::string out = scratch("mnist");
  test::write_synthetic_mnist(out, 3000, 500);
  expect_within_ten_percent(run_and_measure(R"(
problem: {type: mnist, data: )" + out + R"(, hidden: [1024, 1024], validation: 500, batch_size: 500, epochs: 1}
optimizer: {type: adam, lr: 0.001}
output: {directory: )" + out + "/run}\n"));
  fs::remove_all(out);
}

TEST(MemoryEstimate, NanosphereWithinTenPercentOfTheResidentGrowth) {
  const std::string out = scratch("nanosphere");
  expect_within_ten_percent(run_and_measure(R"(
problem:
  type: nanosphere
  layers: [silver_drude, silica_malitson, silver_drude]
  band: {from: 400, to: 800, samples: 3, rule: simpson}
  bounds: {min_thickness: 5, max_radius: 60}
  starts: )" + std::string(address_sanitizer ? "6000" : "60000") + R"(
optimizer: {type: dyna, gamma: 0.05, restart_on_increase: true}
run: {steps: 2, log_every: 0}
output: {directory: )" + out + "}\n"));
  fs::remove_all(out);
}

// Every optimizer's StateArrays against what building it allocates: the arrays of x's length.
std::size_t large_allocations = 0, threshold = 0;
void count_allocation(Kokkos::Profiling::SpaceHandle, const char*, const void*, std::uint64_t size) {
  if (size >= threshold) large_allocations += size;
}

TEST(MemoryEstimate, StateArraysAreWhatEachOptimizerAllocates) {
  using Device = Kokkos::DefaultExecutionSpace::device_type;
  const std::size_t n = 100000;
  GroupTable table;
  table.add("a", n / 2, 1.0);
  table.add("b", n / 2, 4.0);
  ParameterSpace<double, Device> space(table);
  Kokkos::deep_copy(space.x, 0.5);
  const char* decks[] = {"{type: sgd, lr: 0.1}",
                         "{type: adam, lr: 0.1}",
                         "{type: dyna, gamma: 0.1}",
                         "{type: dyna_prototype, lr: 0.1}",
                         "{type: heavy_ball, step: 0.1, friction: 0.1}",
                         "{type: nesterov, step: 0.1, friction: 0.1}",
                         "{type: nonlinear_heavy_ball, step: 0.1, friction: 0.1, damping_exponent: 1.5}",
                         "{type: nonlinear_nesterov, step: 0.1, friction: 0.1, kinetic_exponent: 3}",
                         "{type: nonlinear_mirror, step: 0.1, friction: 0.1, mirror: {box: {lower: 0, upper: 1}}}"};
  threshold = n * sizeof(double);
  Kokkos::Tools::Experimental::set_allocate_data_callback(count_allocation);
  for (const char* text : decks) {
    const Deck deck(std::string("optimizer: ") + text + "\n", "optimizer.yaml");
    const OptimizerSpec spec = read_optimizer(deck.root().section("optimizer"));
    large_allocations = 0;
    const auto optimizer = make_optimizer(spec, space);
    EXPECT_EQ(large_allocations, std::size_t(state_arrays(spec).count) * n * sizeof(double)) << text;
  }
  Kokkos::Tools::Experimental::set_allocate_data_callback(nullptr);
}

TEST(MemoryEstimate, ADeckTooLargeForAnyMachineIsRefusedBeforeAllocating) {
  const Comm comm;
  const std::string text =
      "problem: {type: rosenbrock, dimension: 10000000000000}\noptimizer: {type: adam, lr: 0.01}\n";
  const Deck deck(text, "huge.yaml");
  const double before = status_bytes("VmRSS");
  const Job job = read_job(deck);
  const ProblemType& type = problem_type(job.problem_type);
  std::ostringstream log;
  std::string error;
  try {
    check_memory(
        deck.root(), [&](int r) { return type.memory(job, comm.size(), r); }, host_available_memory(),
        device_available_memory(), device_id(), false, comm, log);
  } catch (const DeckError& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("huge.yaml:1: problem.dimension: 10000000000000 parameters need 320 TB per rank for x, g and "
                       "Adam's two moments"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("run.memory_check: warn runs it anyway"), std::string::npos) << error;
  EXPECT_NE(log.str().find("memory per rank (estimated before allocating): min 320 TB"), std::string::npos) << log.str();
  EXPECT_LT(status_bytes("VmRSS") - before, 10e6) << "reading and estimating allocate nothing of that size";
  // warn: the same estimate, and a warning instead of the refusal.
  std::ostringstream warned;
  check_memory(
      deck.root(), [&](int r) { return type.memory(job, comm.size(), r); }, host_available_memory(),
      device_available_memory(), device_id(), true, comm, warned);
  EXPECT_NE(warned.str().find("dynaopt: warning: memory_check: 10000000000000 parameters need 320 TB"), std::string::npos)
      << warned.str();
}

TEST(MemoryEstimate, TermsAddUpAndStagingsDoNotOverlap) {
  MemoryEstimate m(false);
  m.add({"a", "", "", 100});
  m.add({"b", "", "", 50, false});
  m.add({"read", "", "", 70, false, true});
  m.add({"write", "", "", 30, false, true});
  m.add({"none", "", "", 0});
  EXPECT_EQ(m.terms().size(), 4u);
  EXPECT_EQ(m.peak(false), 220);  // 100 + 50 + max(70, 30)
  EXPECT_EQ(m.peak(true), 0);
  EXPECT_EQ(m.dominant(false)->what, "a");
  MemoryEstimate gpu(true);
  gpu.add({"x", "", "", 100});
  gpu.add({"files", "", "", 70, false, true});
  EXPECT_EQ(gpu.peak(true), 100);
  EXPECT_EQ(gpu.peak(false), 70);
  EXPECT_EQ(format_bytes(32e9), "32.0 GB");
  EXPECT_EQ(format_bytes(999), "999 B");
  EXPECT_EQ(format_bytes(1234567), "1.23 MB");
  EXPECT_EQ(format_bytes(3.2e14), "320 TB");
}

TEST(MemoryEstimate, AvailableHostMemoryIsPositiveAndAtMostMemAvailable) {
  const AvailableMemory a = host_available_memory();
  ASSERT_GT(a.bytes, 0) << "Linux reports MemAvailable";
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0, available = -1;
  while (in >> key >> kb) {
    if (key == "MemAvailable:") available = kb * 1024;
    in.ignore(1 << 10, '\n');
  }
  EXPECT_LE(a.bytes, available * 1.05);  // a cgroup limit only lowers it (MemAvailable moves meanwhile)
}

}  // namespace
