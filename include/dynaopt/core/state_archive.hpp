#pragma once
// The state of a run as named, typed records, written and read by the same code: a component
// describes its state once, in archive(StateArchive&), and that one function saves it into a
// checkpoint or restores it from one. Reading checks every record's name, type and length
// against what the deck built, so a checkpoint of another model or precision is refused with
// the record that differs.
#include <Kokkos_Core.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace dynaopt {

class StateArchive {
 public:
  enum class Kind : std::uint8_t { int8 = 1, int32, int64, float32, float64, text };

  // An empty archive that records what archive() functions hand it.
  static StateArchive writer() { return StateArchive(false, {}, {}); }
  // An archive that hands back the records of `bytes`; `origin` names them in errors.
  static StateArchive reader(std::string bytes, std::string origin) {
    return StateArchive(true, std::move(bytes), std::move(origin));
  }

  bool loading() const { return loading_; }

  // `count` values at `data`, whose count the deck fixes.
  template <class T>
  void field(const std::string& name, T* data, std::size_t count) {
    constexpr Kind kind = kind_of<T>();
    if (loading_) {
      const char* stored = expect(name, kind, count, sizeof(T));
      if (count > 0) std::memcpy(data, stored, count * sizeof(T));  // an empty vector's data() may be null
    } else {
      append(name, kind, data, count, sizeof(T));
    }
  }
  template <class T, class = std::enable_if_t<std::is_arithmetic<T>::value>>
  void field(const std::string& name, T& value) {
    field(name, &value, 1);
  }
  template <class T>
  void field(const std::string& name, std::vector<T>& values) {
    field(name, values.data(), values.size());
  }
  // A View's values, staged through the host.
  template <class T, class... P>
  void field(const std::string& name, const Kokkos::View<T*, P...>& view) {
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), view);
    field(name, host.data(), host.extent(0));
    if (loading_) Kokkos::deep_copy(view, host);
  }
  // Text of any length.
  void field(const std::string& name, std::string& text);
  // A list whose length is part of the state (loading resizes it).
  template <class T>
  void sized_field(const std::string& name, std::vector<T>& values) {
    std::int64_t n = std::int64_t(values.size());
    field(name + ".size", n);
    values.resize(std::size_t(n));
    field(name, values);
  }

  const std::string& bytes() const { return bytes_; }
  // Reading: every record must have been consumed (the checkpoint holds no more than the deck).
  void finish() const;

 private:
  StateArchive(bool loading, std::string bytes, std::string origin)
      : loading_(loading), bytes_(std::move(bytes)), origin_(std::move(origin)) {}

  template <class T>
  static constexpr Kind kind_of() {
    static_assert(std::is_arithmetic<T>::value, "StateArchive stores numbers, Views of numbers and text");
    if constexpr (std::is_floating_point<T>::value) {
      static_assert(sizeof(T) == 4 || sizeof(T) == 8, "float or double");
      return sizeof(T) == 4 ? Kind::float32 : Kind::float64;
    } else {
      static_assert(sizeof(T) == 1 || sizeof(T) == 4 || sizeof(T) == 8, "8-, 32- or 64-bit integers");
      return sizeof(T) == 1 ? Kind::int8 : sizeof(T) == 4 ? Kind::int32 : Kind::int64;
    }
  }

  void append(const std::string& name, Kind kind, const void* data, std::size_t count, std::size_t size);
  // The data of the next record, which must be `name` of `kind`; with count == npos any length
  // is accepted and `found` receives it.
  const char* expect(const std::string& name, Kind kind, std::size_t count, std::size_t size,
                     std::size_t* found = nullptr);

  bool loading_;
  std::string bytes_;
  std::string origin_;
  std::size_t cursor_ = 0;
};

// FNV-1a, 64 bits: every change of a single byte changes it (each step is a bijection).
std::uint64_t fnv1a(const char* data, std::size_t size, std::uint64_t hash = 0xcbf29ce484222325ULL);
inline std::uint64_t fnv1a(const std::string& text) { return fnv1a(text.data(), text.size()); }

}  // namespace dynaopt
