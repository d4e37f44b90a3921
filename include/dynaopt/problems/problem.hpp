#pragma once
// What the optimization loop asks of a problem: the parameter space it optimizes, and the
// objective and gradient at a point.
#include <Kokkos_Core.hpp>
#include <string>
#include <vector>

#include "dynaopt/core/parameter_space.hpp"

namespace dynaopt {

struct Evaluation {
  double objective = 0;                 // the whole problem's objective (all ranks agree)
  std::vector<double> group_objective;  // what each group sees (warm restart compares these)
};

template <class Scalar, class Device>
class Problem {
 public:
  using space_type = ParameterSpace<Scalar, Device>;
  using const_view = Kokkos::View<const Scalar*, Device>;
  using view_type = Kokkos::View<Scalar*, Device>;

  virtual ~Problem() = default;
  virtual std::string name() const = 0;
  // A space with this rank's groups, its x holding the starting point.
  virtual space_type make_space() const = 0;
  // Objective at `point` (this rank's slice), gradient written into `gradient`.
  virtual Evaluation evaluate(const const_view& point, const view_type& gradient) = 0;
};

}  // namespace dynaopt
