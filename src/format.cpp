#include "dynaopt/core/format.hpp"

#include <cstdio>
#include <cstdlib>

namespace dynaopt {

std::string exact(double value) {
  char buffer[32];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

}  // namespace dynaopt
