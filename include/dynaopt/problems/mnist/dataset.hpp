#pragma once
// MNIST-format data on the device, kept as bytes (a quarter of the memory traffic of floats
// when minibatch rows are gathered) with int labels, cut into the stratified train / validation
// split of the protocol and the test set.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dynaopt/problems/mnist/idx.hpp"

namespace dynaopt {

template <class Device>
struct LabelledImages {
  Kokkos::View<std::uint8_t**, Kokkos::LayoutRight, Device> images;  // rows are images
  Kokkos::View<int*, Device> labels;
  std::size_t size() const { return labels.extent(0); }
};

// Copies the rows `rows` of `source` to the device.
template <class Device>
LabelledImages<Device> select_rows(const MnistSet& source, const std::vector<std::size_t>& rows, const char* label) {
  const std::size_t pixels = source.images.rows * source.images.cols;
  LabelledImages<Device> out{
      Kokkos::View<std::uint8_t**, Kokkos::LayoutRight, Device>(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), rows.size(), pixels),
      Kokkos::View<int*, Device>(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), rows.size())};
  auto images = Kokkos::create_mirror_view(out.images);
  auto labels = Kokkos::create_mirror_view(out.labels);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::uint8_t* p = source.images.pixels.data() + rows[r] * pixels;
    for (std::size_t j = 0; j < pixels; ++j) images(r, j) = p[j];
    labels(r) = source.labels[rows[r]];
  }
  Kokkos::deep_copy(out.images, images);
  Kokkos::deep_copy(out.labels, labels);
  return out;
}

// A stratified split of [0, n): each class gives its share of `validation` rows (largest
// remainders settle the rounding), drawn with `seed`; the rest train. Both lists sorted.
inline std::pair<std::vector<std::size_t>, std::vector<std::size_t>> stratified_split(
    const std::vector<std::uint8_t>& labels, std::size_t n, std::size_t validation, unsigned long seed) {
  std::vector<std::vector<std::size_t>> by_class(10);
  for (std::size_t i = 0; i < n; ++i) by_class[labels[i]].push_back(i);
  std::vector<std::size_t> take(10);
  std::vector<std::pair<double, int>> remainder;
  std::size_t taken = 0;
  for (int c = 0; c < 10; ++c) {
    const double share = double(validation) * double(by_class[std::size_t(c)].size()) / double(n);
    take[std::size_t(c)] = static_cast<std::size_t>(share);
    taken += take[std::size_t(c)];
    remainder.push_back({share - double(take[std::size_t(c)]), c});
  }
  std::sort(remainder.begin(), remainder.end(), [](auto a, auto b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  for (std::size_t k = 0; taken < validation; ++k, ++taken) ++take[std::size_t(remainder[k % 10].second)];
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> train, held_out;
  for (int c = 0; c < 10; ++c) {
    auto& members = by_class[std::size_t(c)];
    std::shuffle(members.begin(), members.end(), rng);
    held_out.insert(held_out.end(), members.begin(), members.begin() + long(take[std::size_t(c)]));
    train.insert(train.end(), members.begin() + long(take[std::size_t(c)]), members.end());
  }
  std::sort(train.begin(), train.end());
  std::sort(held_out.begin(), held_out.end());
  return {train, held_out};
}

}  // namespace dynaopt
