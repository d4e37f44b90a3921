#pragma once
// The groups of one flat parameter vector: a network layer, one design of a multi-start batch,
// or the single group of a plain problem. Every optimizer step treats all groups in one launch.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace dynaopt {

struct Group {
  std::string name;
  std::size_t offset = 0;         // first local element of the group in the flat View
  std::size_t size = 0;           // local elements (this rank's slice)
  std::size_t global_offset = 0;  // position of the local slice inside the whole group
  std::size_t global_size = 0;    // elements of the whole group over all ranks
  double fan_in = 1;              // inputs of a layer: Dyna's per-group step is 2*gamma/fan_in
};

class GroupTable {
 public:
  // Appends a group whose whole length is `global_size`, of which this rank holds the slice
  // [global_offset, global_offset + local_size). Returns the group's index.
  int add(std::string name, std::size_t local_size, double fan_in = 1,
          std::size_t global_offset = 0, std::size_t global_size = 0) {
    if (!(fan_in > 0)) throw std::invalid_argument("group '" + name + "': fan_in must be > 0");
    const std::size_t whole = global_size == 0 ? local_size : global_size;
    if (global_offset > whole || local_size > whole - global_offset)
      throw std::invalid_argument("group '" + name + "': the slice [" + std::to_string(global_offset) + ", " +
                                  std::to_string(global_offset) + " + " + std::to_string(local_size) +
                                  ") lies outside the group's " + std::to_string(whole) + " elements");
    Group g;
    g.name = std::move(name);
    g.offset = total_;
    g.size = local_size;
    g.global_offset = global_offset;
    g.global_size = whole;
    g.fan_in = fan_in;
    total_ += local_size;
    groups_.push_back(std::move(g));
    return static_cast<int>(groups_.size()) - 1;
  }

  int count() const { return static_cast<int>(groups_.size()); }
  std::size_t total_size() const { return total_; }
  const Group& operator[](int i) const { return groups_[static_cast<std::size_t>(i)]; }
  auto begin() const { return groups_.begin(); }
  auto end() const { return groups_.end(); }

 private:
  std::vector<Group> groups_;
  std::size_t total_ = 0;
};

// Every group of a table: the selection of a whole space, the reset of a whole state.
inline std::vector<int> all_groups(const GroupTable& groups) {
  std::vector<int> all(static_cast<std::size_t>(groups.count()));
  for (int k = 0; k < groups.count(); ++k) all[static_cast<std::size_t>(k)] = k;
  return all;
}

}  // namespace dynaopt
