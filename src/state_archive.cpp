#include "dynaopt/core/state_archive.hpp"

#include <stdexcept>

namespace dynaopt {
namespace {

const char* kind_name(StateArchive::Kind kind) {
  switch (kind) {
    case StateArchive::Kind::int8: return "8-bit integers";
    case StateArchive::Kind::int32: return "32-bit integers";
    case StateArchive::Kind::int64: return "64-bit integers";
    case StateArchive::Kind::float32: return "float";
    case StateArchive::Kind::float64: return "double";
    case StateArchive::Kind::text: return "text";
  }
  return "unknown";
}

// Record layout: name length (u16), name, kind (u8), count (u64), count * size bytes.
template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

}  // namespace

std::uint64_t fnv1a(const char* data, std::size_t size, std::uint64_t hash) {
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void StateArchive::append(const std::string& name, Kind kind, const void* data, std::size_t count,
                          std::size_t size) {
  put(bytes_, std::uint16_t(name.size()));
  bytes_ += name;
  put(bytes_, std::uint8_t(kind));
  put(bytes_, std::uint64_t(count));
  if (count > 0) bytes_.append(static_cast<const char*>(data), count * size);
}

const char* StateArchive::expect(const std::string& name, Kind kind, std::size_t count, std::size_t size,
                                 std::size_t* found) {
  const auto fail = [&](const std::string& why) { throw std::runtime_error(origin_ + ": " + why); };
  const auto take = [&](std::size_t n) {
    if (bytes_.size() - cursor_ < n) fail("ends where '" + name + "' was expected");
    const char* at = bytes_.data() + cursor_;
    cursor_ += n;
    return at;
  };
  std::uint16_t length;
  std::memcpy(&length, take(sizeof length), sizeof length);
  const std::string stored(take(length), length);
  if (stored != name)
    fail("holds '" + stored + "' where this deck's run expects '" + name +
         "': the checkpoint was written for another problem or optimizer");
  std::uint8_t stored_kind;
  std::memcpy(&stored_kind, take(1), 1);
  if (Kind(stored_kind) != kind)
    fail("'" + name + "' is stored as " + kind_name(Kind(stored_kind)) + " but this run holds " + kind_name(kind));
  std::uint64_t stored_count;
  std::memcpy(&stored_count, take(sizeof stored_count), sizeof stored_count);
  if (found) *found = std::size_t(stored_count);
  else if (stored_count != count)
    fail("'" + name + "' has " + std::to_string(stored_count) + " values but this run has " + std::to_string(count));
  if (stored_count > (bytes_.size() - cursor_) / size) fail("ends inside '" + name + "'");
  return take(std::size_t(stored_count) * size);
}

void StateArchive::field(const std::string& name, std::string& text) {
  if (!loading_) return append(name, Kind::text, text.data(), text.size(), 1);
  std::size_t length = 0;
  const char* data = expect(name, Kind::text, 0, 1, &length);
  text.assign(data, length);
}

void StateArchive::finish() const {
  if (loading_ && cursor_ != bytes_.size())
    throw std::runtime_error(origin_ + ": holds more state than this deck's run (" +
                             std::to_string(bytes_.size() - cursor_) + " bytes left over)");
}

}  // namespace dynaopt
