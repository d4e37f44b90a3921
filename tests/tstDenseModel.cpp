// The dense model: loss against a host softmax cross-entropy written here, every gradient
// component against central finite differences, and the accuracy count against a host argmax.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dynaopt/problems/mnist/dense_model.hpp"
#include "test_backends.hpp"

namespace dynaopt::test {
namespace {

template <class B>
struct DenseModelTest : ::testing::Test {
  using S = typename B::scalar;
  using D = typename B::device;
  using Model = DenseModel<S, D>;

  std::vector<int> widths;
  std::vector<double> params, inputs;
  std::vector<int> labels;
  std::size_t rows = 7;

  void make(std::vector<int> w, unsigned seed) {
    widths = std::move(w);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    Model model(widths);
    params.assign(model.groups().total_size(), 0);
    for (auto& p : params) p = u(rng);
    inputs.assign(rows * std::size_t(widths[0]), 0);
    for (auto& v : inputs) v = u(rng);
    labels.clear();
    for (std::size_t r = 0; r < rows; ++r) labels.push_back(int(rng() % unsigned(widths.back())));
  }

  // Host forward pass in double from the same flat layout (W row-major out x in, then b).
  double host_loss(const std::vector<double>& p, std::vector<int>* argmax = nullptr, double* min_margin = nullptr) const {
    double loss = 0;
    if (min_margin) *min_margin = 1e300;
    for (std::size_t r = 0; r < rows; ++r) {
      std::vector<double> a(inputs.begin() + long(r * std::size_t(widths[0])),
                            inputs.begin() + long((r + 1) * std::size_t(widths[0])));
      std::size_t offset = 0;
      for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
        const int in = widths[l], out = widths[l + 1];
        std::vector<double> z(static_cast<std::size_t>(out));
        for (int o = 0; o < out; ++o) {
          double s = p[offset + std::size_t(out * in + o)];
          for (int i = 0; i < in; ++i) s += p[offset + std::size_t(o * in + i)] * a[std::size_t(i)];
          const bool hidden = l + 2 < widths.size();
          if (hidden && min_margin) *min_margin = std::min(*min_margin, std::fabs(s));
          z[std::size_t(o)] = hidden ? std::max(0.0, s) : s;
        }
        offset += std::size_t(out * (in + 1));
        a = z;
      }
      double top = a[0], total = 0;
      int best = 0;
      for (std::size_t c = 0; c < a.size(); ++c)
        if (a[c] > top) top = a[c], best = int(c);
      for (double v : a) total += std::exp(v - top);
      loss += std::log(total) + top - a[std::size_t(labels[r])];
      if (argmax) argmax->push_back(best);
    }
    return loss;
  }

  // The library's loss and gradient at `params`.
  double device_loss(std::vector<double>* gradient) {
    Model model(widths);
    model.reserve(rows);
    Kokkos::View<S*, D> p("p", params.size()), g("g", params.size());
    Kokkos::View<S**, Kokkos::LayoutRight, D> x("x", rows, std::size_t(widths[0]));
    Kokkos::View<int*, D> y("y", rows);
    auto ph = Kokkos::create_mirror_view(p);
    auto xh = Kokkos::create_mirror_view(x);
    auto yh = Kokkos::create_mirror_view(y);
    for (std::size_t i = 0; i < params.size(); ++i) ph(i) = S(params[i]);
    for (std::size_t r = 0; r < rows; ++r) {
      yh(r) = labels[r];
      for (int j = 0; j < widths[0]; ++j) xh(r, std::size_t(j)) = S(inputs[r * std::size_t(widths[0]) + std::size_t(j)]);
    }
    Kokkos::deep_copy(p, ph), Kokkos::deep_copy(x, xh), Kokkos::deep_copy(y, yh);
    const double loss = model.loss_and_gradient(p, x, y, g);
    if (gradient) {
      auto gh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), g);
      gradient->assign(gh.data(), gh.data() + gh.extent(0));
    }
    std::vector<int> expected;
    host_loss(params, &expected);
    std::size_t hits = 0;
    for (std::size_t r = 0; r < rows; ++r) hits += expected[r] == labels[r];
    EXPECT_EQ(model.correct(p, x, y), hits);
    return loss;
  }
};

TYPED_TEST_SUITE(DenseModelTest, AllBackends, BackendName);

TYPED_TEST(DenseModelTest, LossMatchesAHostSoftmaxCrossEntropy) {
  using S = typename TestFixture::S;
  for (const auto& widths : {std::vector<int>{6, 3}, std::vector<int>{5, 4, 3, 3}}) {
    this->make(widths, 17);
    const double expected = this->host_loss(this->params);
    const double tolerance = std::is_same<S, double>::value ? 1e-12 : 2e-5;
    EXPECT_NEAR(this->device_loss(nullptr), expected, tolerance * expected);
  }
}

// Finite differences need double: the same fixture over the double backends only.
template <class B>
struct DenseModelGradientTest : DenseModelTest<B> {};
TYPED_TEST_SUITE(DenseModelGradientTest, DoubleBackends, BackendName);

// Central differences with step 1e-6 have truncation error ~1e-12 relative here; the bound
// 1e-6 leaves room for rounding of the differenced losses.
TYPED_TEST(DenseModelGradientTest, GradientMatchesFiniteDifferences) {
  for (const auto& widths : {std::vector<int>{6, 3}, std::vector<int>{5, 4, 3, 3}}) {
    this->make(widths, 23);
    double margin = 0;
    this->host_loss(this->params, nullptr, &margin);
    const double h = 1e-6;
    ASSERT_GT(margin, 100 * h) << "a ReLU input lies within the step of its kink";
    std::vector<double> gradient;
    this->device_loss(&gradient);
    for (std::size_t k = 0; k < this->params.size(); ++k) {
      auto p = this->params;
      p[k] += h;
      const double up = this->host_loss(p);
      p[k] -= 2 * h;
      const double down = this->host_loss(p);
      const double fd = (up - down) / (2 * h);
      EXPECT_NEAR(gradient[k], fd, 1e-6 * std::max(1.0, std::fabs(fd))) << "parameter " << k;
    }
  }
}

}  // namespace
}  // namespace dynaopt::test
