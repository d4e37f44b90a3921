#pragma once
// Strict access to a YAML input deck. yaml-cpp keeps the first of duplicate keys silently,
// accepts any key and counts lines from 0; a deck here is the whole run, so every key is
// checked: duplicates, unknown keys, wrong types, missing keys and values out of range are
// errors that name the file, the line and the key's full path. Defaults that a reader fills
// in are written into an echo of the deck, which the log prints.
#include <yaml-cpp/yaml.h>

#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace dynaopt {

// One table per enumeration: each value with the name decks and outputs spell it with, so
// reading a name and writing a value cannot drift apart.
template <class E>
struct Named {
  E value;
  const char* name;
};
template <class E, std::size_t N>
const char* name_of(const Named<E> (&table)[N], E value) {
  for (const auto& entry : table)
    if (entry.value == value) return entry.name;
  throw std::logic_error("an enumerator missing from its name table");
}
template <class E, std::size_t N>
std::vector<std::string> names_of(const Named<E> (&table)[N]) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.push_back(entry.name);
  return names;
}
template <class E, std::size_t N>
E value_of(const Named<E> (&table)[N], const std::string& name) {
  for (const auto& entry : table)
    if (name == entry.name) return entry.value;
  throw std::logic_error("'" + name + "' is not in its name table");
}

// A registry (a table of entries with a `name`: problem and optimizer types): its names, and
// the entry of one of them.
template <class Entry>
std::vector<std::string> names_of(const std::vector<Entry>& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.push_back(entry.name);
  return names;
}
template <class Entry>
const Entry& type_named(const std::vector<Entry>& table, const std::string& name) {
  for (const auto& entry : table)
    if (name == entry.name) return entry;
  throw std::logic_error("no type '" + name + "' in its registry");
}

class DeckError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Admissible values of a number: an interval whose ends may be open, closed or absent.
struct Range {
  double lower = -1e308, upper = 1e308;
  bool lower_open = false, upper_open = false;

  static Range closed(double a, double b) { return {a, b, false, false}; }
  static Range open(double a, double b) { return {a, b, true, true}; }
  static Range left_open(double a, double b) { return {a, b, true, false}; }    // (a, b]
  static Range right_open(double a, double b) { return {a, b, false, true}; }   // [a, b)
  static Range at_least(double a) { return {a, 1e308, false, false}; }
  static Range above(double a) { return {a, 1e308, true, false}; }
  static Range any() { return {}; }

  bool contains(double v) const;
  std::string describe() const;
};

class DeckSection {
 public:
  struct Source;  // the file name and the echo, shared by all sections of one deck

  DeckSection(YAML::Node node, YAML::Node echo, std::string path, std::shared_ptr<Source> source);

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;
  bool is_map(const std::string& key) const;
  bool is_sequence(const std::string& key) const;

  std::string string(const std::string& key) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  // One of `choices`; the error lists them.
  std::string choice(const std::string& key, const std::vector<std::string>& choices) const;
  std::string choice(const std::string& key, const std::vector<std::string>& choices,
                     const std::string& fallback) const;
  double number(const std::string& key, Range range = Range::any()) const;
  double number(const std::string& key, double fallback, Range range = Range::any()) const;
  long integer(const std::string& key, Range range = Range::any()) const;
  long integer(const std::string& key, long fallback, Range range = Range::any()) const;
  bool boolean(const std::string& key, bool fallback) const;
  // An enumerator by its name in `table` (the error lists the names).
  template <class E, std::size_t N>
  E choice(const std::string& key, const Named<E> (&table)[N], E fallback) const {
    return value_of(table, choice(key, names_of(table), name_of(table, fallback)));
  }
  std::vector<double> numbers(const std::string& key, Range range = Range::any()) const;

  DeckSection section(const std::string& key) const;  // a required mapping
  // A mapping that may be absent; an absent one reads as empty and echoes its defaults.
  DeckSection optional_section(const std::string& key) const;
  // The single key of a one-key mapping such as {ramp: {...}} or {lp: 3}.
  std::string only_key() const;
  // The entries of a required list whose entries may be plain values or mappings, as
  // sections named key[i]; a plain entry reads through value().
  std::vector<DeckSection> entries(const std::string& key) const;
  bool is_value() const;       // this section is a plain value, not a mapping
  std::string value() const;   // the text of a plain value

  // Every key of this mapping must have been read.
  void finish() const;

  // "file:line: path.key: message"
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  [[noreturn]] void fail(const std::string& message) const;

 private:
  // Records `fallback` (used and echoed) when `key` is absent; says whether it was.
  template <class T>
  bool defaulted(const std::string& key, const T& fallback) const;
  [[noreturn]] void fail_at(const YAML::Node& at, const std::string& key, const std::string& message) const;
  YAML::Node required(const std::string& key, const char* expected) const;
  double to_number(const YAML::Node& node, const std::string& key, Range range) const;
  std::string key_path(const std::string& key) const;
  int line_of(const YAML::Node& node) const;

  YAML::Node node_;
  mutable YAML::Node echo_;  // a handle into the shared echo tree, which readers extend
  std::string path_;
  std::shared_ptr<Source> source_;
  mutable std::set<std::string> used_;
};

// The largest deck read: a deck is a page of keys (the largest shipped is under 2 kB); a few MB
// bound what an endless stream (/dev/zero, a FIFO) or a wrong file could make the reader hold.
inline constexpr std::size_t max_deck_bytes = std::size_t(4) << 20;

// The text of the deck at `path`, refused before any parsing when it is not a regular file or
// is larger than max_deck_bytes (DeckError with the reason).
std::string read_deck_file(const std::string& path);

class Deck {
 public:
  // Parses `text` (the contents of `file_name`); throws DeckError on any syntax error or
  // duplicated key, naming the line.
  Deck(const std::string& text, const std::string& file_name);
  static Deck from_file(const std::string& file_name);

  DeckSection root() const;
  // The deck as read, with every default a reader filled in.
  std::string echo() const;
  const std::string& file_name() const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  YAML::Node node_;
  std::shared_ptr<DeckSection::Source> source_;
};

}  // namespace dynaopt
