#include "dynaopt/problems/mnist/idx.hpp"

#include <algorithm>

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <iterator>

namespace dynaopt {
namespace {

constexpr std::uint32_t label_magic = 0x00000801, image_magic = 0x00000803;

std::string hex(std::uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

// The file's bytes, inflated when its name ends in .gz (as Debian ships Fashion-MNIST).
std::vector<std::uint8_t> read_all(const std::string& path) {
  const bool compressed = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (!compressed) {  // one buffer of the file's size: no growth, nothing held twice
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw IdxError(path + ": cannot open the IDX file");
    std::vector<std::uint8_t> bytes(std::size_t(std::max<std::streamoff>(0, in.tellg())));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size())))
      throw IdxError(path + ": cannot read the IDX file");
    return bytes;
  }
  gzFile in = gzopen(path.c_str(), "rb");
  if (!in) throw IdxError(path + ": cannot open the IDX file");
  std::vector<std::uint8_t> bytes;
  std::uint8_t buffer[1 << 16];
  int n = 0;
  while ((n = gzread(in, buffer, sizeof buffer)) > 0) bytes.insert(bytes.end(), buffer, buffer + n);
  int status = Z_OK;
  const char* message = gzerror(in, &status);
  // The message lives in the gzFile: copy it before gzclose frees it.
  const std::string reason = message && *message ? message : "unknown error";
  gzclose(in);
  if (n < 0 || (status != Z_OK && status != Z_STREAM_END)) throw IdxError(path + ": corrupt gzip data: " + reason);
  return bytes;
}

std::uint32_t big_endian(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return std::uint32_t(bytes[at]) << 24 | std::uint32_t(bytes[at + 1]) << 16 | std::uint32_t(bytes[at + 2]) << 8 |
         std::uint32_t(bytes[at + 3]);
}

// Checks the header of a ubyte IDX file of `dimensions` dimensions; returns its sizes.
std::vector<std::size_t> header(const std::vector<std::uint8_t>& bytes, const std::string& path,
                                std::uint32_t magic, const char* what) {
  if (bytes.size() < 4) throw IdxError(path + ": " + std::to_string(bytes.size()) + " bytes is too short for an IDX file");
  const std::uint32_t found = big_endian(bytes, 0);
  if (found != magic) {
    const char* kind = found == label_magic ? "a label file" : found == image_magic ? "an image file" : "not an IDX ubyte file";
    throw IdxError(path + ": magic " + hex(found) + " is " + kind + ", expected " + what + " (" + hex(magic) + ")");
  }
  const std::size_t dimensions = magic & 0xff, header_bytes = 4 + 4 * dimensions;
  if (bytes.size() < header_bytes)
    throw IdxError(path + ": truncated header, expected " + std::to_string(header_bytes) + " bytes, found " +
                   std::to_string(bytes.size()));
  std::vector<std::size_t> sizes;
  std::size_t elements = 1;
  for (std::size_t d = 0; d < dimensions; ++d) {
    sizes.push_back(big_endian(bytes, 4 + 4 * d));
    elements *= sizes.back();
  }
  if (bytes.size() != header_bytes + elements) {
    std::string shape = std::to_string(sizes[0]) + (dimensions == 1 ? " labels" : " images");
    if (dimensions == 3) shape += " of " + std::to_string(sizes[1]) + "x" + std::to_string(sizes[2]);
    throw IdxError(path + ": expected " + std::to_string(header_bytes + elements) + " bytes for " + shape +
                   ", found " + std::to_string(bytes.size()) +
                   (bytes.size() < header_bytes + elements ? " (truncated)" : " (trailing bytes)"));
  }
  return sizes;
}

void write_all(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out) throw IdxError(path + ": cannot write the IDX file");
}

void put_big_endian(std::vector<std::uint8_t>& bytes, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(std::uint8_t(v >> shift));
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  auto bytes = read_all(path);
  const auto sizes = header(bytes, path, image_magic, "an image file");
  IdxImages images;
  images.count = sizes[0], images.rows = sizes[1], images.cols = sizes[2];
  bytes.erase(bytes.begin(), bytes.begin() + 16);  // in place: the pixels are the file less its header
  images.pixels = std::move(bytes);
  return images;
}

std::size_t idx_count(const std::string& path) {
  std::uint8_t head[8] = {};
  int n = 0;
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
    gzFile in = gzopen(path.c_str(), "rb");
    if (!in) throw IdxError(path + ": cannot open the IDX file");
    n = gzread(in, head, sizeof head);
    gzclose(in);
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IdxError(path + ": cannot open the IDX file");
    in.read(reinterpret_cast<char*>(head), sizeof head);
    n = int(in.gcount());
  }
  if (n != int(sizeof head)) throw IdxError(path + ": " + std::to_string(n) + " bytes is too short for an IDX file");
  return std::size_t(head[4]) << 24 | std::size_t(head[5]) << 16 | std::size_t(head[6]) << 8 | std::size_t(head[7]);
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path) {
  const auto bytes = read_all(path);
  header(bytes, path, label_magic, "a label file");
  return std::vector<std::uint8_t>(bytes.begin() + 8, bytes.end());
}

MnistSet load_mnist(const std::string& images_path, const std::string& labels_path) {
  MnistSet set{read_idx_images(images_path), read_idx_labels(labels_path)};
  if (set.images.count != set.labels.size())
    throw IdxError(labels_path + ": " + std::to_string(set.labels.size()) + " labels for the " +
                   std::to_string(set.images.count) + " images of " + images_path);
  if (set.images.rows * set.images.cols != 784)
    throw IdxError(images_path + ": images of " + std::to_string(set.images.rows) + "x" +
                   std::to_string(set.images.cols) + ", expected 28x28");
  for (std::size_t i = 0; i < set.labels.size(); ++i)
    if (set.labels[i] > 9)
      throw IdxError(labels_path + ": label " + std::to_string(i) + " is " + std::to_string(set.labels[i]) +
                     ", expected a digit 0-9");
  return set;
}

void write_idx_images(const std::string& path, const IdxImages& images) {
  std::vector<std::uint8_t> bytes;
  for (std::uint32_t v : {image_magic, std::uint32_t(images.count), std::uint32_t(images.rows), std::uint32_t(images.cols)})
    put_big_endian(bytes, v);
  bytes.insert(bytes.end(), images.pixels.begin(), images.pixels.end());
  write_all(path, bytes);
}

void write_idx_labels(const std::string& path, const std::vector<std::uint8_t>& labels) {
  std::vector<std::uint8_t> bytes;
  for (std::uint32_t v : {label_magic, std::uint32_t(labels.size())}) put_big_endian(bytes, v);
  bytes.insert(bytes.end(), labels.begin(), labels.end());
  write_all(path, bytes);
}

}  // namespace dynaopt
