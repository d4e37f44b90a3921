// A Kokkos Tools library of our own for the tests: it records the profiling regions a run
// pushes, through the same C callbacks kokkos-tools' connectors implement, and at finalize
// writes each name once (in the order first pushed) to $DYNAOPT_REGIONS_FILE.<pid>, followed by
// "balanced" when every push was popped. Loaded by Kokkos from KOKKOS_PROFILE_LIBRARY (3.x) or
// KOKKOS_TOOLS_LIBS (4.x).
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {
std::vector<std::string> names;
long depth = 0;
bool balanced = true;
}  // namespace

extern "C" void kokkosp_init_library(int, std::uint64_t, std::uint32_t, void*) {}

extern "C" void kokkosp_push_profile_region(const char* name) {
  ++depth;
  if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
}

extern "C" void kokkosp_pop_profile_region() {
  if (--depth < 0) balanced = false;
}

extern "C" void kokkosp_finalize_library() {
  const char* file = std::getenv("DYNAOPT_REGIONS_FILE");
  if (!file) return;
  std::ofstream out(std::string(file) + "." + std::to_string(::getpid()));
  for (const std::string& n : names) out << n << '\n';
  if (balanced && depth == 0) out << "balanced\n";
}
