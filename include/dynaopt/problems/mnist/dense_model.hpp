#pragma once
// A dense network (ReLU between layers, softmax cross-entropy at the end) whose parameters live
// in one flat View: layer l is group l of the parameter space, W_l stored row-major as
// out x in followed by the bias b_l, with fan_in = in, so Dyna's per-layer step 2 gamma / n is
// automatic. Forward and backward passes are Kokkos Kernels gemm calls (BLAS on the host).
#include <KokkosBlas1_axpby.hpp>
#include <KokkosBlas1_dot.hpp>
#include <KokkosBlas3_gemm.hpp>
#include <Kokkos_Core.hpp>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "dynaopt/core/compat.hpp"
#include "dynaopt/core/parameter_space.hpp"

namespace dynaopt {

template <class Scalar, class Device>
class DenseModel {
 public:
  using execution_space = typename Device::execution_space;
  using Matrix = Kokkos::View<Scalar**, Kokkos::LayoutRight, Device>;
  using ConstMatrix = Kokkos::View<const Scalar**, Kokkos::LayoutRight, Device>;
  using Vector = Kokkos::View<Scalar*, Device>;
  using ConstVector = Kokkos::View<const Scalar*, Device>;
  using Labels = Kokkos::View<const int*, Device>;
  using Unmanaged = Kokkos::MemoryTraits<Kokkos::Unmanaged>;

  // widths = {inputs, hidden..., classes}
  explicit DenseModel(std::vector<int> widths) : widths_(std::move(widths)) {
    if (widths_.size() < 2) throw std::invalid_argument("a dense model needs at least an input and an output width");
    std::size_t offset = 0;
    for (std::size_t l = 0; l + 1 < widths_.size(); ++l) {
      offsets_.push_back(offset);
      offset += std::size_t(widths_[l + 1]) * std::size_t(widths_[l] + 1);
    }
  }

  std::size_t layers() const { return widths_.size() - 1; }
  int inputs(std::size_t l) const { return widths_[l]; }
  int outputs(std::size_t l) const { return widths_[l + 1]; }

  GroupTable groups() const {
    GroupTable table;
    for (std::size_t l = 0; l < layers(); ++l)
      table.add("layer" + std::to_string(l + 1), std::size_t(outputs(l)) * std::size_t(inputs(l) + 1), inputs(l));
    return table;
  }

  // Glorot-uniform weights (limit sqrt(6/(in+out)), Glorot & Bengio 2010) drawn on the host from
  // `seed`, so every rank and backend starts from the same point; biases `bias`.
  void initialize(ParameterSpace<Scalar, Device>& space, unsigned long seed, double bias) const {
    auto x = Kokkos::create_mirror_view(space.x);
    std::mt19937_64 rng(seed);
    for (std::size_t l = 0; l < layers(); ++l) {
      const double limit = std::sqrt(6.0 / double(inputs(l) + outputs(l)));
      std::uniform_real_distribution<double> u(-limit, limit);
      const std::size_t weights = std::size_t(outputs(l)) * std::size_t(inputs(l));
      for (std::size_t k = 0; k < weights; ++k) x(offsets_[l] + k) = Scalar(u(rng));
      for (int o = 0; o < outputs(l); ++o) x(offsets_[l] + weights + std::size_t(o)) = Scalar(bias);
    }
    Kokkos::deep_copy(space.x, x);
  }

  // Activation buffers for batches of up to `rows` rows, allocated once.
  void reserve(std::size_t rows) {
    rows_ = rows;
    activations_.clear();
    deltas_.clear();
    for (std::size_t l = 0; l < layers(); ++l) {
      activations_.push_back(Matrix("dense::activation", rows, std::size_t(outputs(l))));
      deltas_.push_back(Matrix("dense::delta", rows, std::size_t(outputs(l))));
    }
  }
  std::size_t capacity() const { return rows_; }

  // Sum over the rows of X of the cross-entropy -log softmax(z)_label at `params`; its exact
  // gradient (softmax - one-hot, back-propagated) is written into `grad`.
  double loss_and_gradient(const ConstVector& params, const ConstMatrix& X, const Labels& labels,
                           const Vector& grad) {
    const std::size_t n = X.extent(0);
    forward(params, X);
    const double loss = softmax_cross_entropy(n, labels);
    for (std::size_t l = layers(); l-- > 0;) {
      const auto delta = rows(deltas_[l], n);
      const ConstMatrix input = l == 0 ? X : ConstMatrix(rows(activations_[l - 1], n));
      KokkosBlas::gemm("T", "N", Scalar(1), delta, input, Scalar(0), weights(grad, l));
      column_sums(delta, bias(grad, l));
      if (l > 0) {
        const auto previous = rows(deltas_[l - 1], n);
        KokkosBlas::gemm("N", "N", Scalar(1), delta, weights(params, l), Scalar(0), previous);
        relu_backward(previous, rows(activations_[l - 1], n));
      }
    }
    return loss;
  }

  // Rows of X whose largest output is the label.
  std::size_t correct(const ConstVector& params, const ConstMatrix& X, const Labels& labels) {
    const std::size_t n = X.extent(0);
    forward(params, X);
    const auto out = rows(activations_.back(), n);
    const int classes = outputs(layers() - 1);
    std::size_t hits = 0;
    Kokkos::parallel_reduce(
        "dense::correct", Kokkos::RangePolicy<execution_space>(0, n),
        KOKKOS_LAMBDA(std::size_t r, std::size_t & sum) {
          int best = 0;
          for (int c = 1; c < classes; ++c)
            if (out(r, c) > out(r, best)) best = c;
          sum += best == labels(r) ? 1 : 0;
        },
        hits);
    return hits;
  }

  // Adds the L2 penalty (l2/2)|W|^2 of every layer's weights (not biases) to `grad` as l2 W and
  // returns its value. BLAS level 1 (dot, axpy) keeps this per-batch pass vectorised.
  double add_l2(const ConstVector& params, const Vector& grad, double l2) const {
    if (l2 == 0) return 0;
    double sum = 0;
    for (std::size_t l = 0; l < layers(); ++l) {
      const auto w = std::make_pair(offsets_[l], offsets_[l] + std::size_t(outputs(l)) * std::size_t(inputs(l)));
      const auto weights = Kokkos::subview(params, w);
      sum += double(KokkosBlas::dot(weights, weights));
      KokkosBlas::axpy(Scalar(l2), weights, Kokkos::subview(grad, w));
    }
    return 0.5 * l2 * sum;
  }

 // The passes. Public only because nvcc rejects extended (device) lambdas in private or
 // protected member functions; callers use loss_and_gradient and correct.
  void forward(const ConstVector& params, const ConstMatrix& X) {
    const std::size_t n = X.extent(0);
    check_rows(n);
    for (std::size_t l = 0; l < layers(); ++l) {
      const auto z = rows(activations_[l], n);
      const ConstMatrix input = l == 0 ? X : ConstMatrix(rows(activations_[l - 1], n));
      KokkosBlas::gemm("N", "T", Scalar(1), input, weights(params, l), Scalar(0), z);
      const auto b = bias(params, l);
      const bool hidden = l + 1 < layers();
      const std::size_t width = std::size_t(outputs(l));
      Kokkos::parallel_for(
          "dense::bias_activation", Kokkos::RangePolicy<execution_space>(0, n), KOKKOS_LAMBDA(std::size_t r) {
            for (std::size_t o = 0; o < width; ++o) {
              const Scalar v = z(r, o) + b(o);
              z(r, o) = hidden && v < Scalar(0) ? Scalar(0) : v;
            }
          });
    }
  }

  // Loss of each row from the logits, with log-softmax shifted by the row maximum; the
  // last layer's delta is softmax - one-hot.
  double softmax_cross_entropy(std::size_t n, const Labels& labels) {
    const auto logits = rows(activations_.back(), n);
    const auto delta = rows(deltas_.back(), n);
    const int classes = outputs(layers() - 1);
    double loss = 0;
    Kokkos::parallel_reduce(
        "dense::softmax_cross_entropy", Kokkos::RangePolicy<execution_space>(0, n),
        KOKKOS_LAMBDA(std::size_t r, double& sum) {
          Scalar top = logits(r, 0);
          for (int c = 1; c < classes; ++c) top = math::max(top, logits(r, c));
          Scalar total = 0;
          for (int c = 0; c < classes; ++c) total += delta(r, c) = math::exp(logits(r, c) - top);
          for (int c = 0; c < classes; ++c) delta(r, c) = delta(r, c) / total - (c == labels(r) ? Scalar(1) : Scalar(0));
          sum += double(math::log(total) + top - logits(r, labels(r)));
        },
        loss);
    return loss;
  }

  void column_sums(const Kokkos::View<Scalar**, Kokkos::LayoutRight, Device>& delta,
                   const Kokkos::View<Scalar*, Device, Unmanaged>& out) const {
    const std::size_t n = delta.extent(0);
    Kokkos::parallel_for(
        "dense::bias_gradient", Kokkos::RangePolicy<execution_space>(0, out.extent(0)), KOKKOS_LAMBDA(std::size_t o) {
          Scalar s = 0;
          for (std::size_t r = 0; r < n; ++r) s += delta(r, o);
          out(o) = s;
        });
  }

  // delta <- delta * [a > 0]: ReLU passes the gradient where it passed the signal.
  void relu_backward(const Kokkos::View<Scalar**, Kokkos::LayoutRight, Device>& delta,
                     const Kokkos::View<Scalar**, Kokkos::LayoutRight, Device>& activation) const {
    const std::size_t width = delta.extent(1);
    Kokkos::parallel_for(
        "dense::relu_backward", Kokkos::RangePolicy<execution_space>(0, delta.extent(0)), KOKKOS_LAMBDA(std::size_t r) {
          for (std::size_t c = 0; c < width; ++c)
            if (!(activation(r, c) > Scalar(0))) delta(r, c) = 0;
        });
  }

 private:

  template <class V>
  static auto rows(const V& m, std::size_t n) {
    return Kokkos::subview(m, std::make_pair(std::size_t(0), n), Kokkos::ALL());
  }
  // W_l (out x in, row-major) and b_l inside a flat View.
  template <class T>
  Kokkos::View<T**, Kokkos::LayoutRight, Device, Unmanaged> weights(const Kokkos::View<T*, Device>& flat,
                                                                    std::size_t l) const {
    using W = Kokkos::View<T**, Kokkos::LayoutRight, Device, Unmanaged>;
    return W(flat.data() + offsets_[l], std::size_t(outputs(l)), std::size_t(inputs(l)));
  }
  template <class T>
  Kokkos::View<T*, Device, Unmanaged> bias(const Kokkos::View<T*, Device>& flat, std::size_t l) const {
    using B = Kokkos::View<T*, Device, Unmanaged>;
    return B(flat.data() + offsets_[l] + std::size_t(outputs(l)) * std::size_t(inputs(l)), std::size_t(outputs(l)));
  }

  void check_rows(std::size_t n) const {
    if (n > rows_)
      throw std::invalid_argument("dense model: " + std::to_string(n) + " rows exceed the reserved " +
                                  std::to_string(rows_));
  }

  std::vector<int> widths_;
  std::vector<std::size_t> offsets_;
  std::size_t rows_ = 0;
  std::vector<Matrix> activations_, deltas_;
};

}  // namespace dynaopt
