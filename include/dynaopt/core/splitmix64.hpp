#pragma once
// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): a counter-based generator, so that a draw
// keyed by (seed, index) is the same on whichever rank, and in whichever kernel, makes it.
#include <Kokkos_Macros.hpp>
#include <cstdint>

namespace dynaopt {

KOKKOS_INLINE_FUNCTION std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The top 53 bits of `bits` as a double in (0, 1): never 0, so its logarithm is finite.
KOKKOS_INLINE_FUNCTION double open_unit(std::uint64_t bits) { return (double(bits >> 11) + 0.5) * 0x1p-53; }

}  // namespace dynaopt
