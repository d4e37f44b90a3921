// The IDX reader: round trip of generated files, and a message naming file, expectation and
// finding for each kind of bad file.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "mnist_fixture.hpp"

namespace dynaopt::test {
namespace {

std::string temporary(const std::string& name) { return ::testing::TempDir() + "dynaopt_idx_" + name; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const IdxError& e) {
    return e.what();
  }
  return "";
}

void truncate_to(const std::string& path, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  data.resize(bytes);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(data.data(), std::streamsize(data.size()));
}

TEST(Idx, RoundTripOfGeneratedFiles) {
  const MnistSet set = synthetic_digits(50, 3);
  const std::string images = temporary("images"), labels = temporary("labels");
  write_idx_images(images, set.images);
  write_idx_labels(labels, set.labels);
  const MnistSet back = load_mnist(images, labels);
  EXPECT_EQ(back.images.count, 50u);
  EXPECT_EQ(back.images.rows, 28u);
  EXPECT_EQ(back.images.pixels, set.images.pixels);
  EXPECT_EQ(back.labels, set.labels);
}

// Debian ships Fashion-MNIST gzipped; a .gz name is inflated on reading.
TEST(Idx, GzippedFilesReadAsThePlainOnes) {
  const MnistSet set = synthetic_digits(30, 5);
  const std::string images = temporary("gz_images"), labels = temporary("gz_labels");
  write_idx_images(images, set.images);
  write_idx_labels(labels, set.labels);
  ASSERT_EQ(std::system(("gzip -f " + images + " " + labels).c_str()), 0);
  const MnistSet back = load_mnist(images + ".gz", labels + ".gz");
  EXPECT_EQ(back.images.pixels, set.images.pixels);
  EXPECT_EQ(back.labels, set.labels);
  truncate_to(images + ".gz", 100);
  const std::string e = error_of([&] { read_idx_images(images + ".gz"); });
  EXPECT_NE(e.find("gz_images.gz"), std::string::npos) << e;
  EXPECT_TRUE(e.find("corrupt gzip data") != std::string::npos || e.find("(truncated)") != std::string::npos) << e;
}

void flip_bit(const std::string& path, std::size_t byte, int bit) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekg(std::streamoff(byte));
  char c = 0;
  f.read(&c, 1);
  c = char(c ^ (1 << bit));
  f.seekp(std::streamoff(byte));
  f.write(&c, 1);
}

// IDX carries no checksum, so only what its header and sizes pin down can be caught: every
// single-bit flip of an image or label header (magic, type, rank, counts, rows, columns) is an
// error naming the file; a flipped pixel, or a label flipped to another digit, reads as data.
TEST(Idx, EveryHeaderBitFlipIsAnErrorNamingTheFile) {
  const MnistSet set = synthetic_digits(12, 6);
  const std::string images = temporary("flip_images"), labels = temporary("flip_labels");
  // Flips each bit of the first `header` bytes of a freshly written file and reads it back.
  const auto caught_flips = [](const std::string& path, std::size_t header, const std::function<void()>& write,
                               const std::function<void()>& read) {
    int caught = 0;
    for (std::size_t byte = 0; byte < header; ++byte)
      for (int bit = 0; bit < 8; ++bit) {
        write();
        flip_bit(path, byte, bit);
        const std::string e = error_of(read);
        EXPECT_NE(e.find(path), std::string::npos) << "byte " << byte << " bit " << bit << ": " << e;
        caught += !e.empty();
      }
    return caught;
  };
  const int caught =
      caught_flips(images, 16, [&] { write_idx_images(images, set.images); }, [&] { read_idx_images(images); }) +
      caught_flips(labels, 8, [&] { write_idx_labels(labels, set.labels); }, [&] { read_idx_labels(labels); });
  EXPECT_EQ(caught, 16 * 8 + 8 * 8);
  // A flip in the payload of a gzipped file is caught by gzip's CRC.
  write_idx_images(images, set.images);
  ASSERT_EQ(std::system(("gzip -f " + images).c_str()), 0);
  std::ifstream gz(images + ".gz", std::ios::binary | std::ios::ate);
  flip_bit(images + ".gz", std::size_t(gz.tellg()) / 2, 3);
  const std::string e = error_of([&] { read_idx_images(images + ".gz"); });
  EXPECT_NE(e.find("flip_images.gz"), std::string::npos) << e;
}

TEST(Idx, EveryBadFileIsNamedWithWhatWasExpectedAndFound) {
  const MnistSet set = synthetic_digits(20, 4);
  const std::string images = temporary("bad_images"), labels = temporary("bad_labels");
  write_idx_images(images, set.images);
  write_idx_labels(labels, set.labels);

  EXPECT_NE(error_of([&] { read_idx_images(temporary("missing")); }).find("dynaopt_idx_missing: cannot open"),
            std::string::npos);
  std::string e = error_of([&] { read_idx_images(labels); });
  EXPECT_NE(e.find("bad_labels: magic 0x00000801 is a label file, expected an image file (0x00000803)"),
            std::string::npos)
      << e;
  e = error_of([&] { read_idx_labels(images); });
  EXPECT_NE(e.find("magic 0x00000803 is an image file, expected a label file"), std::string::npos) << e;

  truncate_to(images, 1000);
  e = error_of([&] { read_idx_images(images); });
  EXPECT_NE(e.find("bad_images: expected 15696 bytes for 20 images of 28x28, found 1000 (truncated)"),
            std::string::npos)
      << e;
  truncate_to(images, 10);
  e = error_of([&] { read_idx_images(images); });
  EXPECT_NE(e.find("truncated header, expected 16 bytes, found 10"), std::string::npos) << e;

  write_idx_images(images, set.images);
  std::ofstream(images, std::ios::binary | std::ios::app) << "extra";
  e = error_of([&] { read_idx_images(images); });
  EXPECT_NE(e.find("found 15701 (trailing bytes)"), std::string::npos) << e;

  write_idx_images(images, set.images);
  write_idx_labels(labels, std::vector<std::uint8_t>(19, 1));
  e = error_of([&] { load_mnist(images, labels); });
  EXPECT_NE(e.find("19 labels for the 20 images"), std::string::npos) << e;

  auto wrong = set.labels;
  wrong[7] = 12;
  write_idx_labels(labels, wrong);
  e = error_of([&] { load_mnist(images, labels); });
  EXPECT_NE(e.find("label 7 is 12, expected a digit 0-9"), std::string::npos) << e;

  std::ofstream(labels, std::ios::binary | std::ios::trunc) << "GIF89a-not-idx";
  e = error_of([&] { read_idx_labels(labels); });
  EXPECT_NE(e.find("is not an IDX ubyte file"), std::string::npos) << e;
}

}  // namespace
}  // namespace dynaopt::test
