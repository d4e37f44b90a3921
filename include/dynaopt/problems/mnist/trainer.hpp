#pragma once
// Data-parallel training of a dense model on MNIST-format data. Every minibatch is cut into
// P contiguous shards, one per rank; each rank sums the loss and gradient of its shard, and one
// allreduce of the flat gradient (with the loss riding in one extra slot) gives every rank the
// batch's gradient. The optimizer then advances all layers (groups) in one fused launch, each
// with Dyna's per-layer step 2 gamma / fan_in. A problem of the integrator: a step is a batch,
// a cycle an epoch, at whose end the accuracies are measured and the history row written.
#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/memory_estimate.hpp"
#include "dynaopt/core/nonfinite_guard.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/problems/problem.hpp"
#include "dynaopt/problems/mnist/dataset.hpp"
#include "dynaopt/problems/mnist/dense_model.hpp"
#include "dynaopt/problems/mnist/mnist_spec.hpp"

namespace dynaopt {

struct TrainingResult {
  long epochs = 0;
  double loss = 0;  // mean training loss per sample of the last epoch (with the L2 term)
  double train_accuracy = 0, validation_accuracy = 0, test_accuracy = 0;
  long best_epoch = 0;                       // epoch of the best validation accuracy
  double best_validation_test_accuracy = 0;  // test accuracy of that epoch's model
  double seconds = 0;
};

template <class Scalar, class Device>
class MnistTrainer : public Problem<Scalar, Device> {
 public:
  using execution_space = typename Device::execution_space;
  using typename Problem<Scalar, Device>::space_type;
  using typename Problem<Scalar, Device>::view_type;

  // `sharded`: each rank keeps the optimizer state of one block of the parameters only.
  MnistTrainer(const MnistSpec& spec, bool sharded, const Comm& comm)
      : spec_(spec), comm_(comm), model_(widths(spec)) {
    const MnistSet train = load_mnist(spec.train_images, spec.train_labels);
    const MnistSet test = load_mnist(spec.test_images, spec.test_labels);
    const std::size_t n = spec.train_limit > 0 ? std::min<std::size_t>(spec.train_limit, train.labels.size())
                                               : train.labels.size();
    if (std::size_t(spec.validation) >= n)
      throw std::invalid_argument("problem.validation: " + std::to_string(spec.validation) +
                                  " hold-out images leave none of the " + std::to_string(n) + " to train on");
    const auto [train_rows, validation_rows] =
        stratified_split(train.labels, n, std::size_t(spec.validation), static_cast<unsigned long>(spec.seed));
    train_ = select_rows<Device>(train, train_rows, "mnist::train");
    validation_ = select_rows<Device>(train, validation_rows, "mnist::validation");
    std::vector<std::size_t> all_test(test.labels.size());
    for (std::size_t i = 0; i < all_test.size(); ++i) all_test[i] = i;
    test_ = select_rows<Device>(test, all_test, "mnist::test");

    const std::size_t rows = train_.size();
    batches_ = spec.batches_per_epoch > 0 ? std::size_t(spec.batches_per_epoch)
                                          : (rows + std::size_t(spec.batch_size) - 1) / std::size_t(spec.batch_size);
    if (batches_ > rows) throw std::invalid_argument("problem.batches_per_epoch: more batches than training images");
    // The largest shard of the largest batch: the rows every per-batch buffer must hold.
    const std::size_t largest_batch = (rows + batches_ - 1) / batches_;
    const std::size_t capacity = (largest_batch + std::size_t(comm.size()) - 1) / std::size_t(comm.size());
    model_.reserve(capacity);

    space_ = ParameterSpace<Scalar, Device>(model_.groups());
    model_.initialize(space_, static_cast<unsigned long>(spec.seed), spec.bias_init);
    // The gradient and the batch loss travel in one buffer, so one allreduce carries both.
    reduce_buffer_ = Kokkos::View<Scalar*, Device>("mnist::reduce", space_.size() + 1);
    space_.g = Kokkos::subview(reduce_buffer_, std::make_pair(std::size_t(0), space_.size()));
    shard_rows_ = Kokkos::View<int*, Device>("mnist::shard_rows", capacity);
    shard_images_ = Kokkos::View<Scalar**, Kokkos::LayoutRight, Device>("mnist::shard_images", capacity,
                                                                        train_.images.extent(1));
    shard_labels_ = Kokkos::View<int*, Device>("mnist::shard_labels", capacity);
    sharded_ = sharded && comm.size() > 1;
    if (sharded_) {
      owned_ = owned_block(space_, comm);
      Kokkos::deep_copy(owned_.x, Kokkos::subview(space_.x, comm.block(space_.size())));
      look_ahead_ = Kokkos::View<Scalar*, Device>("mnist::look_ahead", space_.size());
    }
    shuffle_.seed(static_cast<unsigned long>(spec.seed) + 1);
  }

  // --- The memory of a run on rank `rank` of `ranks`, from the deck and the IDX files' headers,
  // before anything is built (memory_estimate.hpp).
  struct Sizes {
    std::size_t train_file = 0, test = 0, used = 0, rows = 0, parameters = 0, capacity = 0, units = 0;
  };
  static Sizes sizes(const MnistSpec& spec, int ranks) {
    Sizes z;
    z.train_file = idx_count(spec.train_images), z.test = idx_count(spec.test_images);
    z.used = spec.train_limit > 0 ? std::min<std::size_t>(std::size_t(spec.train_limit), z.train_file) : z.train_file;
    z.rows = z.used > std::size_t(spec.validation) ? z.used - std::size_t(spec.validation) : 0;
    const std::vector<int> w = widths(spec);
    for (std::size_t l = 0; l + 1 < w.size(); ++l)
      z.parameters += std::size_t(w[l] + 1) * std::size_t(w[l + 1]), z.units += std::size_t(w[l + 1]);
    const std::size_t batches = spec.batches_per_epoch > 0 ? std::size_t(spec.batches_per_epoch)
                                                           : (z.rows + std::size_t(spec.batch_size) - 1) / std::size_t(spec.batch_size);
    const std::size_t largest_batch = batches > 0 ? (z.rows + batches - 1) / batches : 0;
    z.capacity = (largest_batch + std::size_t(ranks) - 1) / std::size_t(ranks);
    return z;
  }
  // The space the optimizer integrates: all the parameters, or this rank's block when sharded.
  static SpaceShape shape(const MnistSpec& spec, bool sharded, int ranks, int rank) {
    const Sizes z = sizes(spec, ranks);
    double n = double(z.parameters);
    if (sharded && ranks > 1) n = double(z.parameters / std::size_t(ranks) + (std::size_t(rank) < z.parameters % std::size_t(ranks)));
    return {n, double(widths(spec).size() - 1), spec.hidden.empty() ? "problem.data" : "problem.hidden",
            std::to_string(z.parameters) + " parameters"};
  }
  static void add_memory(MemoryEstimate& m, const MnistSpec& spec, bool sharded, double scalar, int ranks) {
    const Sizes z = sizes(spec, ranks);
    const double pixels = 784, images = double(z.used + z.test);
    const std::string data_size = std::to_string(z.used) + " training and " + std::to_string(z.test) + " test images";
    m.add({"the images (bytes) and labels of the training, validation and test sets", "problem.data", data_size,
           images * (pixels + sizeof(int))});
    m.add({"the batch order", "problem.data", data_size, double(z.rows) * sizeof(int), false});
    // While the files are read: both sets as read, the split's row lists and the class lists.
    m.add({"the IDX files while they are read", "problem.data", data_size,
           images * (pixels + 1) + double(z.used) * 3 * sizeof(std::size_t), false, true});
    const std::string shard = std::to_string(z.capacity) + " rows per rank and batch";
    const std::string key = spec.batches_per_epoch > 0 ? "problem.batches_per_epoch" : "problem.batch_size";
    m.add({"a batch shard's images, activations and deltas", key, shard,
           double(z.capacity) * ((pixels + 2 * double(z.units)) * scalar + 2 * sizeof(int))});
    if (sharded && ranks > 1)  // every rank keeps all parameters, the summed gradient and the assembled point
      m.add({"all parameters, the gradient and the look-ahead point (sharded state)", "optimizer.sharded",
             std::to_string(z.parameters) + " parameters", 3 * double(z.parameters) * scalar});
  }
  // What a checkpoint archives of this rank: x and the optimizer's state (of the block when
  // sharded, which also archives all of x).
  static double archived(const MnistSpec& spec, bool sharded, int arrays, double scalar, int ranks, int rank) {
    const double block = shape(spec, sharded, ranks, rank).parameters;
    return (1 + arrays) * block * scalar + (sharded && ranks > 1 ? double(sizes(spec, ranks).parameters) * scalar : 0);
  }

  std::size_t parameter_count() const { return space_.size(); }
  std::size_t batches_per_epoch() const { return batches_; }
  // All the parameters (the optimizer integrates space(), this rank's block when sharded).
  const ParameterSpace<Scalar, Device>& parameters() const { return space_; }
  const TrainingResult& result() const { return result_; }

  // --- The integrator's hooks.
  std::string name() const override { return "mnist"; }
  space_type& space() override { return sharded_ ? owned_ : space_; }
  Schedule schedule(const RunSpec&) const override {
    return {spec_.epochs * long(batches_), long(batches_), 1, 1, "epoch"};
  }
  bool replicated() const override { return !sharded_; }
  std::string banner() const override {
    return "mnist: " + std::to_string(space_.size()) + " parameters, " + std::to_string(batches_) +
           " batches per epoch, " + std::to_string(comm_.size()) + " rank(s)";
  }

  // A batch: this rank's contiguous shard of the step's slice of the epoch's random order
  // (drawn at the epoch's first batch, the same on every rank), its loss and gradient summed
  // over the ranks. Not finite when any rank's loss or gradient is not.
  Forces force(const view_type& point, long step) override {
    const std::size_t b = std::size_t((step - 1) % long(batches_));
    if (b == 0) {
      epoch_shuffle_ = shuffle_;
      draw_order();
      epoch_loss_ = 0;
    }
    const std::size_t first = b * order_.size() / batches_, last = (b + 1) * order_.size() / batches_;
    const double loss = batch_loss(full_point(point), first, last);
    if (std::isfinite(loss)) epoch_loss_ += spec_.mean_gradient ? loss * double(last - first) : loss;
    return Forces{loss, std::vector<double>(std::size_t(space().group_count()), loss)};
  }

  // Sharded: every rank's block of the new parameters, assembled on all ranks.
  void constrain(Optimizer<Scalar, Device>&) override {
    if (sharded_) comm_.gather_blocks(owned_.x, space_.x);
  }

  // An epoch's end: its mean loss and the accuracies of the parameters it ends with.
  void end_cycle(const StepRecord& record) override {
    const long epoch = record.cycle;
    result_.epochs = epoch;
    result_.loss = epoch_loss_ / double(order_.size());
    result_.train_accuracy = accuracy(train_);
    result_.validation_accuracy = accuracy(validation_);
    result_.test_accuracy = accuracy(test_);
    if (result_.best_epoch == 0 || result_.validation_accuracy > best_validation_) {
      best_validation_ = result_.validation_accuracy;
      result_.best_epoch = epoch;
      result_.best_validation_test_accuracy = result_.test_accuracy;
    }
    result_.seconds = record.seconds;
  }

  // One row per epoch; the energies are those after the epoch's last batch, its total the
  // batch's loss plus the kinetic energy.
  std::string history_header() const override {
    return "epoch,step,objective,train_accuracy,validation_accuracy,test_accuracy,skipped,seconds,kinetic_energy,"
           "total_energy";
  }
  void history_row(std::ostream& out, const StepRecord& r) override {
    out << result_.epochs << ',' << r.step << ',' << exact(result_.loss) << ',' << exact(result_.train_accuracy) << ','
        << exact(result_.validation_accuracy) << ',' << exact(result_.test_accuracy) << ',' << r.skipped_steps << ','
        << clock_text(result_.seconds) << ',' << exact(r.total.kinetic_energy) << ',' << exact(r.total_energy()) << '\n';
  }
  void log_line(std::ostream& out, const StepRecord& r, const RunSpec&) override {
    const long epoch = r.cycle;
    const double per_epoch = r.step_seconds * double(batches_);
    char line[200];
    std::snprintf(line, sizeof line, "epoch %4ld/%ld  loss %.6f  train %.4f  validation %.4f  test %.4f", epoch,
                  spec_.epochs, result_.loss, result_.train_accuracy, result_.validation_accuracy,
                  result_.test_accuracy);
    out << line << progress(r, r.eta_seconds, per_epoch, "epoch") << std::endl;
  }
  std::string finish(const StepRecord& record, RunOutput&, YAML::Emitter& out) override {
    std::ostringstream seconds;
    seconds << result_.seconds;
    out << YAML::Key << "epochs" << YAML::Value << result_.epochs << YAML::Key << "objective" << YAML::Value
        << exact(result_.loss) << YAML::Key << "train_accuracy" << YAML::Value << exact(result_.train_accuracy)
        << YAML::Key << "validation_accuracy" << YAML::Value << exact(result_.validation_accuracy) << YAML::Key
        << "test_accuracy" << YAML::Value << exact(result_.test_accuracy) << YAML::Key << "best_epoch" << YAML::Value
        << result_.best_epoch << YAML::Key << "best_validation_test_accuracy" << YAML::Value
        << exact(result_.best_validation_test_accuracy) << YAML::Key << "stationarity" << YAML::Value
        << YAML::Comment("|G| = |grad J| of the last batch's loss (no bounds; a minibatch certifies nothing)")
        << exact(record.stationarity) << YAML::Key << "seconds" << YAML::Value << seconds.str();
    std::ostringstream summary;
    summary << "test accuracy " << result_.test_accuracy;
    return summary.str();
  }

  // The epoch's results and the data order's random state, before and after this epoch's draw:
  // a checkpoint within an epoch (a stop) draws the same order again to go on with it.
  void archive(StateArchive& state) override {
    state.field("mnist.epoch", result_.epochs);
    state.field("mnist.loss", result_.loss);
    state.field("mnist.train_accuracy", result_.train_accuracy);
    state.field("mnist.validation_accuracy", result_.validation_accuracy);
    state.field("mnist.test_accuracy", result_.test_accuracy);
    state.field("mnist.best_epoch", result_.best_epoch);
    state.field("mnist.best_validation_test_accuracy", result_.best_validation_test_accuracy);
    state.field("mnist.best_validation", best_validation_);
    state.field("mnist.epoch_loss", epoch_loss_);
    const auto engine = [&](const std::string& name, std::mt19937_64& e) {
      std::ostringstream out;
      out << e;
      std::string text = out.str();
      state.field(name, text);
      if (state.loading()) std::istringstream(text) >> e;
    };
    engine("mnist.shuffle", shuffle_);
    engine("mnist.epoch_shuffle", epoch_shuffle_);
    int begun = order_.empty() ? 0 : 1;
    state.field("mnist.epoch_begun", begun);
    if (state.loading() && begun) {
      std::mt19937_64 after = shuffle_;
      shuffle_ = epoch_shuffle_, draw_order(), shuffle_ = after;  // the same draw, and the engine as archived
    }
    if (sharded_) state.field("x.full", space_.x);
  }

 // Kernels of a batch step. Public only because nvcc rejects extended (device) lambdas in
 // private or protected member functions.
  void scale_gradient(Scalar s) {
    auto g = space_.g;
    Kokkos::parallel_for(
        "mnist::mean", Kokkos::RangePolicy<execution_space>(0, g.extent(0)), KOKKOS_LAMBDA(std::size_t i) { g(i) *= s; });
  }
  // Converts rows row_of(0), ..., row_of(rows-1) of `set` into the shard buffers (pixels / 255);
  // returns the filled parts. A spelled-out return type and a std::function rather than a
  // template parameter: nvcc rejects extended lambdas in functions with a deduced return type or
  // templated on a local (lambda) type.
  std::pair<Kokkos::View<const Scalar**, Kokkos::LayoutRight, Device>, Kokkos::View<const int*, Device>> gather(
      const LabelledImages<Device>& set, std::size_t rows, const std::function<std::size_t(std::size_t)>& row_of) {
    if (rows > shard_rows_.extent(0))
      throw std::logic_error("mnist: " + std::to_string(rows) + " rows exceed the shard buffers");
    auto host_rows = Kokkos::create_mirror_view(shard_rows_);
    for (std::size_t r = 0; r < rows; ++r) host_rows(r) = int(row_of(r));
    Kokkos::deep_copy(shard_rows_, host_rows);
    auto images = shard_images_;
    auto labels = shard_labels_;
    auto index = shard_rows_;
    const std::size_t pixels = images.extent(1);
    Kokkos::parallel_for(
        "mnist::gather", Kokkos::RangePolicy<execution_space>(0, rows), KOKKOS_LAMBDA(std::size_t r) {
          const int row = index(r);
          const std::uint8_t* from = &set.images(row, 0);
          Scalar* to = &images(r, 0);
          DYNAOPT_VECTORIZE
          for (std::size_t j = 0; j < pixels; ++j) to[j] = Scalar(from[j]) / Scalar(255);
          labels(r) = set.labels(row);
        });
    const auto used = std::make_pair(std::size_t(0), rows);
    return std::make_pair(ConstImages(Kokkos::subview(images, used, Kokkos::ALL())),
                          Kokkos::View<const int*, Device>(Kokkos::subview(labels, used)));
  }

 private:
  static std::vector<int> widths(const MnistSpec& spec) {
    std::vector<int> w{784};
    w.insert(w.end(), spec.hidden.begin(), spec.hidden.end());
    w.push_back(10);
    return w;
  }

  // The loss and gradient of the batch order_[first, last) at `point` (all the parameters),
  // summed over the ranks: into space_.g, or, sharded, this rank's block of it into owned_.g.
  double batch_loss(const Kokkos::View<const Scalar*, Device>& point, std::size_t first, std::size_t last) {
    const std::size_t batch = last - first;
    const auto [lo, hi] = comm_.block(batch);
    const std::size_t rows = hi - lo, begin = first + lo;  // C++17 lambdas cannot capture lo itself
    const std::vector<int>& order = order_;
    const auto [images, labels] = gather(train_, rows, [&](std::size_t r) { return order[begin + r]; });

    double loss = rows > 0 ? model_.loss_and_gradient(point, images, labels, space_.g) : 0.0;
    if (rows == 0) Kokkos::deep_copy(space_.g, Scalar(0));
    if (comm_.is_root()) loss += model_.add_l2(point, space_.g, spec_.l2);  // once per batch
    const Scalar scale = spec_.mean_gradient ? Scalar(1) / Scalar(batch) : Scalar(1);
    if (spec_.mean_gradient) scale_gradient(scale);
    // A non-finite value in this rank's gradient turns its loss into NaN, and so the sum.
    const Scalar local_loss = Scalar(loss * double(scale) + nonfinite_marker(space_.g));
    Scalar global = 0;
    if (sharded_) {
      // Each rank needs the summed gradient of its own block only.
      global = Scalar(comm_.sum(double(local_loss)));
      comm_.sum_scatter(space_.g, owned_.g);
    } else {
      Kokkos::deep_copy(Kokkos::subview(reduce_buffer_, space_.size()), local_loss);
      comm_.sum_in_place(reduce_buffer_);
      Kokkos::deep_copy(global, Kokkos::subview(reduce_buffer_, space_.size()));
    }
    return double(global);
  }

  // Where this batch's gradient is taken, as all the parameters: the optimizer's evaluation
  // point, assembled from the ranks' blocks when the state is sharded and the point is not
  // the parameters themselves.
  Kokkos::View<const Scalar*, Device> full_point(const view_type& point) {
    if (!sharded_) return point;
    if (point.data() == owned_.x.data()) return space_.x;
    comm_.gather_blocks(point, look_ahead_);
    return look_ahead_;
  }

  // This rank's block of the flat parameters as a space of its own: every layer cut to the
  // block, keeping its fan_in.
  static ParameterSpace<Scalar, Device> owned_block(const ParameterSpace<Scalar, Device>& full, const Comm& comm) {
    const auto [begin, end] = comm.block(full.size());
    GroupTable table;
    for (const Group& g : full.groups) {
      const std::size_t lo = std::max(begin, g.offset), hi = std::min(end, g.offset + g.size);
      table.add(g.name, hi > lo ? hi - lo : 0, g.fan_in, hi > lo ? lo - g.offset : 0, g.size);
    }
    return ParameterSpace<Scalar, Device>(table);
  }



  // The fraction of `set` the current parameters classify correctly, each rank counting its block.
  double accuracy(const LabelledImages<Device>& set) {
    if (set.size() == 0) return 0;
    const auto [lo, hi] = comm_.block(set.size());
    std::size_t correct = 0;
    const std::size_t chunk = model_.capacity();
    for (std::size_t b = lo; b < hi; b += chunk) {
      const auto [images, labels] = gather(set, std::min(hi, b + chunk) - b, [b](std::size_t r) { return b + r; });
      correct += model_.correct(space_.x, images, labels);
    }
    return comm_.sum(double(correct)) / double(set.size());
  }

  MnistSpec spec_;
  const Comm& comm_;
  DenseModel<Scalar, Device> model_;
  using ConstImages = Kokkos::View<const Scalar**, Kokkos::LayoutRight, Device>;
  LabelledImages<Device> train_, validation_, test_;
  std::size_t batches_ = 0;
  ParameterSpace<Scalar, Device> space_;
  Kokkos::View<Scalar*, Device> reduce_buffer_;
  Kokkos::View<int*, Device> shard_rows_;
  Kokkos::View<Scalar**, Kokkos::LayoutRight, Device> shard_images_;
  Kokkos::View<int*, Device> shard_labels_;
  bool sharded_ = false;
  ParameterSpace<Scalar, Device> owned_;           // sharded: this rank's block, and its state
  Kokkos::View<Scalar*, Device> look_ahead_;       // sharded: the assembled evaluation point
  TrainingResult result_;
  double best_validation_ = 0;
  // The epoch's random order of the training images, drawn with shuffle_.
  void draw_order() {
    order_.resize(train_.size());
    for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = int(i);
    std::shuffle(order_.begin(), order_.end(), shuffle_);
  }

  std::mt19937_64 shuffle_{0};
  std::mt19937_64 epoch_shuffle_{0};  // shuffle_ before this epoch's draw
  std::vector<int> order_;
  double epoch_loss_ = 0;  // the epoch's batch losses so far
};

}  // namespace dynaopt
