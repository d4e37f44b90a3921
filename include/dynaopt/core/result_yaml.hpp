#pragma once
// What every result.yaml writer shares: numbers as the shortest text that reads back to the
// same double, lists of them as flow sequences ([a, b, c]).
#include <yaml-cpp/yaml.h>

#include <vector>

#include "dynaopt/core/format.hpp"

namespace dynaopt {

inline void emit_exact(YAML::Emitter& out, const std::vector<double>& values) {
  out << YAML::Flow << YAML::BeginSeq;
  for (double v : values) out << exact(v);
  out << YAML::EndSeq;
}

}  // namespace dynaopt
