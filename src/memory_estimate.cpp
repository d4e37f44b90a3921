#include "dynaopt/core/memory_estimate.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace dynaopt {

void MemoryEstimate::add(MemoryTerm term) {
  if (term.bytes > 0) terms_.push_back(std::move(term));
}

double MemoryEstimate::peak(bool device) const {
  double resident = 0, staging = 0;
  for (const MemoryTerm& t : terms_)
    if (in(t, device)) (t.staging ? staging = std::max(staging, t.bytes) : resident += t.bytes);
  return resident + staging;
}

const MemoryTerm* MemoryEstimate::dominant(bool device) const {
  const MemoryTerm* largest = nullptr;
  for (const MemoryTerm& t : terms_)
    if (in(t, device) && (!largest || t.bytes > largest->bytes)) largest = &t;
  return largest;
}

namespace {

// The first number on the line of `path` that starts with `key` (-1: none).
double field_of(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size(), key) == 0) {
      std::istringstream rest(line.substr(key.size()));
      double value = -1;
      return rest >> value ? value : -1;
    }
  return -1;
}

// The number a cgroup file holds (-1: absent, "max" or a v1 limit of "no limit").
double cgroup_value(const std::string& path) {
  std::ifstream in(path);
  double value = -1;
  if (!(in >> value) || value >= 0x1p62) return -1;
  return value;
}

// The least headroom under the memory limits of `directory` and its ancestors up to `mount`:
// the limit less what is charged, not counting the page cache that can be reclaimed.
void cgroup_headroom(const std::string& mount, std::string directory, const char* limit_file,
                     const char* usage_file, const char* inactive_key, AvailableMemory& least) {
  while (true) {
    const double limit = cgroup_value(directory + "/" + limit_file);
    const double usage = cgroup_value(directory + "/" + usage_file);
    if (limit >= 0 && usage >= 0) {
      const double inactive = std::max(0.0, field_of(directory + "/memory.stat", inactive_key));
      const double headroom = std::max(0.0, limit - std::max(0.0, usage - inactive));
      if (least.bytes < 0 || headroom < least.bytes) least = {headroom, "the memory limit of cgroup " + directory};
    }
    if (directory.size() <= mount.size()) return;
    directory.erase(directory.rfind('/'));
  }
}

}  // namespace

AvailableMemory host_available_memory() {
  AvailableMemory a;
  const double kb = field_of("/proc/meminfo", "MemAvailable:");
  if (kb >= 0) a = {kb * 1024, "MemAvailable"};
  // /proc/self/cgroup: "0::/path" (v2) or "N:memory:/path" (v1, possibly among other controllers).
  std::ifstream cgroups("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroups, line)) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (path == "/") path.clear();
    if (controllers.empty()) {
      cgroup_headroom("/sys/fs/cgroup", "/sys/fs/cgroup" + path, "memory.max", "memory.current", "inactive_file ", a);
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      cgroup_headroom("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory" + path, "memory.limit_in_bytes",
                      "memory.usage_in_bytes", "total_inactive_file ", a);
    }
  }
  return a;
}

std::string format_bytes(double bytes) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 999.5 && u < 6) bytes /= 1000, ++u;
  char text[32];
  if (u == 0) std::snprintf(text, sizeof text, "%.0f B", bytes);
  else std::snprintf(text, sizeof text, bytes < 9.995 ? "%.2f %s" : bytes < 99.95 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return text;
}

namespace {

// The estimate's lines for one memory: min / mean / max over the ranks and the largest rank's terms.
void print_memory(std::ostream& log, const char* name, const std::vector<double>& all, int slot,
                  const std::function<MemoryEstimate(int)>& estimate_of, bool device) {
  const std::size_t ranks = all.size() / 2;
  double low = all[std::size_t(slot)], high = low, total = 0;
  std::size_t largest = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    const double v = all[2 * r + std::size_t(slot)];
    low = std::min(low, v), total += v;
    if (v > high) high = v, largest = r;
  }
  log << name << " per rank (estimated before allocating): min " << format_bytes(low) << ", mean "
      << format_bytes(total / double(ranks)) << ", max " << format_bytes(high) << " (rank " << largest << "), total "
      << format_bytes(total) << " on " << ranks << " rank(s)\n";
  const MemoryEstimate terms = estimate_of(int(largest));
  for (const MemoryTerm& t : terms.terms()) {
    if (terms.separate_device() && t.device != device) continue;
    char line[64];
    std::snprintf(line, sizeof line, "  %10s  ", format_bytes(t.bytes).c_str());
    log << line << t.what << (t.staging ? " (for a while; the largest such counts)" : "");
    if (!t.key.empty()) log << "  [" << t.key << (t.size.empty() ? "" : ": " + t.size) << "]";
    log << '\n';
  }
}

// Why this rank's node (or device) cannot hold what its ranks need ("" when it can).
std::string shortfall(const MemoryEstimate& mine, bool device, double need, double ranks, const AvailableMemory& free) {
  if (free.bytes < 0 || need <= free.bytes) return {};
  const MemoryTerm* top = mine.dominant(device);
  std::string why = (top && !top->size.empty() ? top->size + " need " : "the run needs ") +
                    format_bytes(top ? top->bytes : mine.peak(device)) + " per rank" +
                    (top ? " for " + top->what : std::string()) +
                    (top && top->bytes < mine.peak(device) ? " (" + format_bytes(mine.peak(device)) + " in all per rank" : " (");
  if (ranks > 1) why += std::string(why.back() == '(' ? "" : ", ") + format_bytes(need) + " for the " + std::to_string(long(ranks)) + " ranks sharing this " +
                        (device ? "device" : "node");
  if (why.back() == '(') why.erase(why.size() - 2);
  else why += ")";
  return why + "; " + format_bytes(free.bytes) + " available (" + free.source +
         "); run.memory_check: warn runs it anyway";
}

}  // namespace

void check_memory(const DeckSection& root, const std::function<MemoryEstimate(int rank)>& estimate_of,
                  const AvailableMemory& host, const AvailableMemory& device, int device_index, bool warn_only,
                  const Comm& comm, std::ostream& log) {
  const MemoryEstimate mine = estimate_of(comm.rank());
  const bool separate = mine.separate_device();
  const double host_peak = mine.peak(false), device_peak = mine.peak(true);
  const std::vector<double> all = comm.allgather({host_peak, device_peak});
  const double node_host = comm.node_sum(host_peak), node_ranks = comm.node_sum(1);
  const double device_need = comm.node_sum(device_peak, device_index), device_ranks = comm.node_sum(1, device_index);
  if (comm.is_root()) {
    if (separate) print_memory(log, "device memory", all, 1, estimate_of, true);
    print_memory(log, separate ? "host memory" : "memory", all, 0, estimate_of, false);
    log << "  rank 0's node: " << format_bytes(node_host) << " for its " << long(node_ranks) << " rank(s), "
        << (host.bytes < 0 ? "available memory unknown" : format_bytes(host.bytes) + " available (" + host.source + ")");
    if (separate)
      log << "; its device: " << format_bytes(device_need) << ", "
          << (device.bytes < 0 ? "free memory unknown" : format_bytes(device.bytes) + " free (" + device.source + ")");
    log << std::endl;
  }
  std::string why = separate ? shortfall(mine, true, device_need, device_ranks, device) : std::string();
  const MemoryTerm* top = mine.dominant(!why.empty());
  if (why.empty()) why = shortfall(mine, false, node_host, node_ranks, host);
  if (warn_only) {
    const std::string first = comm.first_error(why);
    if (comm.is_root() && !first.empty()) log << "dynaopt: warning: memory_check: " << first << std::endl;
    return;
  }
  if (why.empty()) return;
  if (!top || top->key.empty()) root.fail(why);
  // The dominant term's key: walk its sections (absent ones name where it would be).
  DeckSection at = root;
  std::string key = top->key;
  for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.')) {
    at = at.optional_section(key.substr(0, dot));
    key.erase(0, dot + 1);
  }
  at.fail(key, why);
}

}  // namespace dynaopt
