#pragma once
// The objective each group sees at a step, handed to Optimizer::step without an allocation:
// a view of the caller's values (one per group), or one value for every group (the loss of a
// single model whose layers are the groups).
#include <cstddef>
#include <initializer_list>
#include <vector>

namespace dynaopt {

class Objectives {
 public:
  // None: an optimizer that reads objectives refuses it.
  Objectives() = default;
  // The same value for every group: `optimizer.step(space, loss)`.
  Objectives(double every_group) : uniform_(true), value_(every_group) {}
  // A view of `count` values, one per group; they must stay valid until step() returns.
  Objectives(const double* values, std::size_t count) : values_(values), count_(count) {}
  Objectives(const std::vector<double>& values) : Objectives(values.data(), values.size()) {}
  // `optimizer.step(space, {a, b})`: the list lives until the end of the call's expression.
  Objectives(std::initializer_list<double> values) : Objectives(values.begin(), values.size()) {}

  // Whether there is an objective for each of `groups` groups.
  bool covers(int groups) const { return uniform_ || (groups >= 0 && count_ == std::size_t(groups)); }
  bool uniform() const { return uniform_; }
  std::size_t count() const { return count_; }  // the values viewed (0 when uniform)
  double operator[](std::size_t group) const { return uniform_ ? value_ : values_[group]; }

 private:
  const double* values_ = nullptr;
  std::size_t count_ = 0;
  bool uniform_ = false;
  double value_ = 0;
};

}  // namespace dynaopt
