#include "dynaopt/core/timing.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace dynaopt {
namespace {

std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace

void report_timing(const PhaseTimes& times, double loop_seconds, const Comm& comm, std::ostream* log,
                   YAML::Emitter& result) {
  // This rank's row: the phases, the rest of the loop, the loop.
  std::vector<double> mine(times.seconds.begin(), times.seconds.end());
  double phases = 0;
  for (double s : mine) phases += s;
  mine.push_back(std::max(0.0, loop_seconds - phases));
  mine.push_back(loop_seconds);
  const std::size_t width = mine.size();
  const std::vector<double> all = comm.allgather(mine);
  const auto ranks = double(comm.size());
  std::vector<double> low(width, 0), mean(width, 0), high(width, 0);
  for (std::size_t j = 0; j < width; ++j) {
    low[j] = high[j] = all[j];
    for (std::size_t r = 0; r < std::size_t(comm.size()); ++r) {
      const double v = all[r * width + j];
      low[j] = std::min(low[j], v), high[j] = std::max(high[j], v), mean[j] += v / ranks;
    }
  }
  const std::size_t loop = width - 1;
  const auto name = [&](std::size_t j) { return j < phase_count ? phase_names[j] : "other"; };
  const auto share = [&](std::size_t j) { return mean[loop] > 0 ? mean[j] / mean[loop] : 0.0; };
  if (log) {
    char line[160];
    std::snprintf(line, sizeof line, "timing: the loop took %.4g s (mean over %d rank(s)); seconds per phase:", mean[loop],
                  comm.size());
    *log << line << "\n";
    std::snprintf(line, sizeof line, "  %-13s %11s %11s %11s %7s", "phase", "min", "mean", "max", "share");
    *log << line << "\n";
    for (std::size_t j = 0; j < loop; ++j) {
      std::snprintf(line, sizeof line, "  %-13s %11.4g %11.4g %11.4g %6.1f%%", name(j), low[j], mean[j], high[j],
                    100 * share(j));
      *log << line << "\n";
    }
    log->flush();
  }
  result << YAML::Key << "timing" << YAML::Value << YAML::BeginMap;
  result << YAML::Key << "loop" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "min" << YAML::Value
         << short_number(low[loop]) << YAML::Key << "mean" << YAML::Value << short_number(mean[loop]) << YAML::Key
         << "max" << YAML::Value << short_number(high[loop]) << YAML::EndMap;
  for (std::size_t j = 0; j < loop; ++j)
    result << YAML::Key << name(j) << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "min" << YAML::Value
           << short_number(low[j]) << YAML::Key << "mean" << YAML::Value << short_number(mean[j]) << YAML::Key << "max"
           << YAML::Value << short_number(high[j]) << YAML::Key << "share" << YAML::Value << short_number(share(j))
           << YAML::EndMap;
  result << YAML::EndMap;
}

}  // namespace dynaopt
