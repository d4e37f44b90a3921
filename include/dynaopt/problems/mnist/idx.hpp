#pragma once
// The IDX format of the MNIST files (LeCun et al.): a big-endian magic number 0x000008TD (T the
// element type, 0x08 = unsigned byte; D the number of dimensions), D big-endian 32-bit sizes,
// then the elements. Every read checks magic, sizes and the file's length, and an error names
// the file, what was expected and what was found. A name ending in .gz is read through zlib.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace dynaopt {

class IdxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IdxImages {
  std::size_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // count x rows x cols, row-major
};

struct MnistSet {
  IdxImages images;
  std::vector<std::uint8_t> labels;  // 0..9
};

IdxImages read_idx_images(const std::string& path);
// The item count of an IDX file's header (images or labels), read without the elements; the
// file's bytes: what reading it will hold.
std::size_t idx_count(const std::string& path);
std::vector<std::uint8_t> read_idx_labels(const std::string& path);
// Images and labels of one set; their counts must agree and every label be a digit.
MnistSet load_mnist(const std::string& images_path, const std::string& labels_path);

void write_idx_images(const std::string& path, const IdxImages& images);
void write_idx_labels(const std::string& path, const std::vector<std::uint8_t>& labels);

}  // namespace dynaopt
