#pragma once
// Small MNIST-format data sets generated in the tests: ten classes of 28x28 images, each a
// noisy copy of its class's random stroke pattern, written as IDX files.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dynaopt/problems/mnist/idx.hpp"

namespace dynaopt::test {

inline MnistSet synthetic_digits(std::size_t count, unsigned seed) {
  std::mt19937 prototypes_rng(12345), rng(seed);
  std::vector<std::vector<std::uint8_t>> prototype(10, std::vector<std::uint8_t>(784));
  for (auto& p : prototype)
    for (auto& v : p) v = prototypes_rng() % 4 == 0 ? 200 : 0;
  MnistSet set;
  set.images.count = count, set.images.rows = 28, set.images.cols = 28;
  std::uniform_int_distribution<int> noise(0, 120);
  for (std::size_t i = 0; i < count; ++i) {
    const auto label = static_cast<std::uint8_t>(rng() % 10);
    set.labels.push_back(label);
    for (std::size_t j = 0; j < 784; ++j) {
      const int v = int(prototype[label][j]) - 60 + noise(rng);
      set.images.pixels.push_back(static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v));
    }
  }
  return set;
}

// Writes train (`train` images) and test sets under `dir` with MNIST's file names.
inline void write_synthetic_mnist(const std::string& dir, std::size_t train, std::size_t test) {
  const MnistSet a = synthetic_digits(train, 1), b = synthetic_digits(test, 2);
  write_idx_images(dir + "/train-images-idx3-ubyte", a.images);
  write_idx_labels(dir + "/train-labels-idx1-ubyte", a.labels);
  write_idx_images(dir + "/t10k-images-idx3-ubyte", b.images);
  write_idx_labels(dir + "/t10k-labels-idx1-ubyte", b.labels);
}

}  // namespace dynaopt::test
