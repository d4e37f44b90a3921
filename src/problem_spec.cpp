#include "dynaopt/problems/problem_spec.hpp"

namespace dynaopt {

MnistSpec read_mnist(const DeckSection& s) {
  MnistSpec m;
  // Either a directory holding the four files under their original names, or each file.
  const std::string dir = s.has("data") ? s.string("data") : std::string();
  const auto file = [&](const char* key, const char* original) {
    if (!dir.empty() && !s.has(key)) return dir + "/" + original;
    return s.string(key);
  };
  m.train_images = file("train_images", "train-images-idx3-ubyte");
  m.train_labels = file("train_labels", "train-labels-idx1-ubyte");
  m.test_images = file("test_images", "t10k-images-idx3-ubyte");
  m.test_labels = file("test_labels", "t10k-labels-idx1-ubyte");
  if (s.has("hidden")) {
    for (const double w : s.numbers("hidden", Range::closed(1, 1 << 20))) {
      if (w != static_cast<int>(w)) s.fail("hidden", "widths must be whole numbers");
      m.hidden.push_back(static_cast<int>(w));
    }
  }
  m.validation = s.integer("validation", m.validation, Range::at_least(0));
  m.train_limit = s.integer("train_limit", m.train_limit, Range::at_least(0));
  if (s.has("batches_per_epoch") == s.has("batch_size"))
    s.fail("give exactly one of batches_per_epoch (the paper's 'n batches') and batch_size");
  if (s.has("batches_per_epoch")) m.batches_per_epoch = s.integer("batches_per_epoch", Range::at_least(1));
  else m.batch_size = s.integer("batch_size", Range::at_least(1));
  m.epochs = s.integer("epochs", m.epochs, Range::at_least(1));
  m.l2 = s.number("l2", m.l2, Range::at_least(0));
  m.bias_init = s.number("bias_init", m.bias_init);
  m.mean_gradient = s.choice("gradient", {"sum", "mean"}, "sum") == "mean";
  m.seed = s.integer("seed", m.seed, Range::at_least(0));
  s.finish();
  return m;
}

RosenbrockSpec read_rosenbrock(const DeckSection& s) {
  RosenbrockSpec r;
  // The cap keeps every index exact in a double; what a dimension needs in memory is checked
  // against the machine before the run (memory_estimate.hpp).
  r.dimension = s.integer("dimension", 2, Range::closed(2, 1e15));
  if (s.is_sequence("x0")) {
    r.x0 = s.numbers("x0");
    if (static_cast<long>(r.x0.size()) != r.dimension)
      s.fail("x0", "has " + std::to_string(r.x0.size()) + " values but dimension is " + std::to_string(r.dimension));
  } else {
    r.x0 = {s.number("x0", -1.0)};  // one value for every coordinate, not dimension copies of it
  }
  if (s.has("bounds")) {
    const DeckSection b = s.section("bounds");
    GroupBounds& g = r.bounds.emplace();
    g.lower = b.number("lower", g.lower);
    g.upper = b.number("upper", g.upper);
    g.max_sum = b.number("max_sum", g.max_sum);
    if (!b.has("lower") && !b.has("upper") && !b.has("max_sum")) s.fail("bounds", "give lower, upper or max_sum");
    if (!(g.lower < g.upper)) b.fail("upper", "must be above lower (" + exact(g.lower) + ")");
    double sum = 0;
    for (std::size_t i = 0; i < r.x0.size(); ++i) {
      if (!(r.x0[i] >= g.lower && r.x0[i] <= g.upper))
        s.fail("x0", (r.x0.size() > 1 ? "x0[" + std::to_string(i) + "] = " : std::string()) + exact(r.x0[i]) +
                         " is outside problem.bounds [" + exact(g.lower) + ", " + exact(g.upper) + "]");
      sum += r.x0[i];
    }
    if (r.x0.size() == 1) sum *= double(r.dimension);
    if (sum > g.max_sum) s.fail("x0", "sums to " + exact(sum) + ", above problem.bounds.max_sum " + exact(g.max_sum));
    b.finish();
  }
  s.finish();
  return r;
}

}  // namespace dynaopt
