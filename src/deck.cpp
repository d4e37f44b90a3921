#include "dynaopt/core/deck.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dynaopt {

struct DeckSection::Source {
  std::string file;
  YAML::Node echo;
};

namespace {

// Whole numbers in full (a bound of 1e15 steps reads 1000000000000000); others with the fewest
// digits that read back as v, so a deck's 1e-6 is quoted as 1e-06, not 9.99...e-07.
std::string format_number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e16) return std::to_string(static_cast<long long>(v));
  std::string text;
  for (int digits = 15; digits <= 17; ++digits) {
    std::ostringstream out;
    out.precision(digits);
    out << v;
    text = out.str();
    if (std::stod(text) == v) break;
  }
  return text;
}

// yaml-cpp resolves duplicate keys by keeping the first; this pass over the parse events
// finds them (and their line) before any value is read.
class DuplicateKeyFinder : public YAML::EventHandler {
 public:
  explicit DuplicateKeyFinder(std::string file) : file_(std::move(file)) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { value(mark, "~"); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { value(mark, "*alias"); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& text) override {
    value(mark, text);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    value(mark, "");
    frames_.push_back(Frame{false, true, {}});
  }
  void OnSequenceEnd() override { frames_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    value(mark, "");
    frames_.push_back(Frame{true, true, {}});
  }
  void OnMapEnd() override { frames_.pop_back(); }

 private:
  struct Frame {
    bool is_map;
    bool expecting_key;
    std::set<std::string> keys;
  };

  // A node has started: in a mapping it is alternately a key and a value.
  void value(const YAML::Mark& mark, const std::string& text) {
    if (frames_.empty() || !frames_.back().is_map) return;
    Frame& f = frames_.back();
    if (f.expecting_key && !f.keys.insert(text).second)
      throw DeckError(file_ + ":" + std::to_string(mark.line + 1) + ": duplicate key '" + text + "'");
    f.expecting_key = !f.expecting_key;
  }

  std::string file_;
  std::vector<Frame> frames_;
};

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

bool Range::contains(double v) const {
  const bool above_lower = lower_open ? v > lower : v >= lower;
  const bool below_upper = upper_open ? v < upper : v <= upper;
  return above_lower && below_upper;
}

std::string Range::describe() const {
  const bool has_lower = lower > -1e308, has_upper = upper < 1e308;
  if (has_lower && has_upper)
    return std::string(lower_open ? "(" : "[") + format_number(lower) + ", " + format_number(upper) +
           (upper_open ? ")" : "]");
  if (has_lower) return std::string(lower_open ? "> " : ">= ") + format_number(lower);
  if (has_upper) return std::string(upper_open ? "< " : "<= ") + format_number(upper);
  return "any finite number";
}

DeckSection::DeckSection(YAML::Node node, YAML::Node echo, std::string path, std::shared_ptr<Source> source)
    : node_(std::move(node)), echo_(std::move(echo)), path_(std::move(path)), source_(std::move(source)) {}

std::string DeckSection::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

int DeckSection::line_of(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

void DeckSection::fail(const std::string& key, const std::string& message) const {
  fail_at(node_.IsMap() && node_[key] ? node_[key] : node_, key, message);
}

void DeckSection::fail_at(const YAML::Node& at, const std::string& key, const std::string& message) const {
  const int line = line_of(at);
  throw DeckError(source_->file + (line > 0 ? ":" + std::to_string(line) : "") + ": " + key_path(key) + ": " +
                  message);
}

void DeckSection::fail(const std::string& message) const {
  const int line = line_of(node_);
  throw DeckError(source_->file + (line > 0 ? ":" + std::to_string(line) : "") + ": " +
                  (path_.empty() ? "deck" : path_) + ": " + message);
}

bool DeckSection::has(const std::string& key) const { return node_.IsMap() && node_[key]; }
bool DeckSection::is_map(const std::string& key) const { return has(key) && node_[key].IsMap(); }
bool DeckSection::is_sequence(const std::string& key) const { return has(key) && node_[key].IsSequence(); }

YAML::Node DeckSection::required(const std::string& key, const char* expected) const {
  used_.insert(key);
  if (!has(key)) fail(key, std::string("missing required key (") + expected + ")");
  return node_[key];
}

std::string DeckSection::string(const std::string& key) const {
  const YAML::Node n = required(key, "a string");
  if (!n.IsScalar()) fail(key, "expected a string");
  return n.Scalar();
}

template <class T>
bool DeckSection::defaulted(const std::string& key, const T& fallback) const {
  if (has(key)) return false;
  used_.insert(key);
  echo_[key] = fallback;
  return true;
}

std::string DeckSection::string(const std::string& key, const std::string& fallback) const {
  return defaulted(key, fallback) ? fallback : string(key);
}

std::string DeckSection::choice(const std::string& key, const std::vector<std::string>& choices) const {
  const std::string v = string(key);
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    fail(key, "'" + v + "' is not one of: " + list);
  }
  return v;
}

std::string DeckSection::choice(const std::string& key, const std::vector<std::string>& choices,
                                const std::string& fallback) const {
  return defaulted(key, fallback) ? fallback : choice(key, choices);
}

double DeckSection::to_number(const YAML::Node& n, const std::string& key, Range range) const {
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) {
    // yaml-cpp refuses numbers beyond the double range; say so rather than "not a number".
    char* end = nullptr;
    const std::string text = n.IsScalar() ? n.Scalar() : std::string();
    const double overflow = text.empty() ? 0 : std::strtod(text.c_str(), &end);
    if (!text.empty() && end && *end == '\0' && std::isinf(overflow))
      fail_at(n, key, "expected a finite number, got '" + text + "'");
    fail_at(n, key, "expected a number, got " + (n.IsScalar() ? "'" + text + "'" : std::string("a collection")));
  }
  if (!std::isfinite(v)) fail_at(n, key, "expected a finite number, got '" + n.Scalar() + "'");
  if (!range.contains(v)) fail_at(n, key, "must be " + range.describe() + ", got " + format_number(v));
  return v;
}

double DeckSection::number(const std::string& key, Range range) const {
  return to_number(required(key, "a number"), key, range);
}

double DeckSection::number(const std::string& key, double fallback, Range range) const {
  return defaulted(key, fallback) ? fallback : number(key, range);
}

long DeckSection::integer(const std::string& key, Range range) const {
  const YAML::Node n = required(key, "an integer");
  long long v = 0;
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v))
    fail(key, "expected an integer, got " + (n.IsScalar() ? "'" + n.Scalar() + "'" : std::string("a collection")));
  if (!range.contains(static_cast<double>(v)))
    fail(key, "must be " + range.describe() + ", got " + std::to_string(v));
  return static_cast<long>(v);
}

long DeckSection::integer(const std::string& key, long fallback, Range range) const {
  return defaulted(key, fallback) ? fallback : integer(key, range);
}

bool DeckSection::boolean(const std::string& key, bool fallback) const {
  if (defaulted(key, fallback)) return fallback;
  used_.insert(key);
  bool v = false;
  const YAML::Node n = node_[key];
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
    fail(key, "expected true or false, got " + (n.IsScalar() ? "'" + n.Scalar() + "'" : std::string("a collection")));
  return v;
}

std::vector<double> DeckSection::numbers(const std::string& key, Range range) const {
  const YAML::Node n = required(key, "a list of numbers");
  if (!n.IsSequence()) fail(key, "expected a list of numbers such as [1, 2]");
  std::vector<double> out;
  for (std::size_t i = 0; i < n.size(); ++i)
    out.push_back(to_number(n[i], key + "[" + std::to_string(i) + "]", range));
  return out;
}

DeckSection DeckSection::section(const std::string& key) const {
  const YAML::Node n = required(key, "a mapping");
  if (!n.IsMap()) fail(key, "expected a mapping of keys to values");
  return DeckSection(n, echo_[key], key_path(key), source_);
}

DeckSection DeckSection::optional_section(const std::string& key) const {
  if (!defaulted(key, YAML::Node(YAML::NodeType::Map))) return section(key);
  return DeckSection(YAML::Node(YAML::NodeType::Map), echo_[key], key_path(key), source_);
}

std::string DeckSection::only_key() const {
  if (!node_.IsMap() || node_.size() != 1) fail("expected a mapping with exactly one key");
  return node_.begin()->first.Scalar();
}

std::vector<DeckSection> DeckSection::entries(const std::string& key) const {
  const YAML::Node n = required(key, "a list");
  if (!n.IsSequence() || n.size() == 0) fail(key, "expected a non-empty list");
  std::vector<DeckSection> out;
  for (std::size_t i = 0; i < n.size(); ++i)
    out.emplace_back(n[i], echo_[key][i], key_path(key) + "[" + std::to_string(i) + "]", source_);
  return out;
}

bool DeckSection::is_value() const { return node_.IsScalar(); }

std::string DeckSection::value() const {
  if (!node_.IsScalar()) fail("expected a plain value");
  return node_.Scalar();
}

void DeckSection::finish() const {
  if (!node_.IsMap()) return;
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (used_.count(key)) continue;
    std::string known, closest;
    std::size_t best = 3;  // suggest only near misses
    for (const auto& k : used_) {
      known += (known.empty() ? "" : ", ") + k;
      const std::size_t d = edit_distance(key, k);
      if (d < best) best = d, closest = k;
    }
    const int line = line_of(entry.first);
    throw DeckError(source_->file + (line > 0 ? ":" + std::to_string(line) : "") + ": " + key_path(key) +
                    ": unknown key" + (closest.empty() ? "" : " (did you mean '" + closest + "'?)") +
                    (known.empty() ? "" : "; known keys here: " + known));
  }
}

Deck::Deck(const std::string& text, const std::string& file_name)
    : text_(text), source_(std::make_shared<DeckSection::Source>()) {
  source_->file = file_name;
  try {
    {
      std::istringstream stream(text);
      YAML::Parser parser(stream);
      DuplicateKeyFinder finder(file_name);
      if (!parser.HandleNextDocument(finder)) throw DeckError(file_name + ": the deck is empty");
      if (parser.HandleNextDocument(finder)) throw DeckError(file_name + ": the deck holds more than one document");
    }
    node_ = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw DeckError(file_name + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  if (!node_.IsMap()) throw DeckError(file_name + ": the deck must be a mapping of sections (problem, optimizer, ...)");
  source_->echo = YAML::Clone(node_);
}

std::string read_deck_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw DeckError(path + ": cannot open the deck (" + std::strerror(errno) + ")");
  if (!S_ISREG(info.st_mode)) {
    const char* kind = S_ISDIR(info.st_mode) ? "a directory" : S_ISFIFO(info.st_mode) ? "a pipe (FIFO)"
                       : S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode) ? "a device"
                       : S_ISSOCK(info.st_mode) ? "a socket" : "not a plain file";
    throw DeckError(path + ": not a regular file (" + kind + "): a deck is a file, read whole before it is parsed");
  }
  const auto too_large = [&](std::size_t bytes) {
    return DeckError(path + ": " + std::to_string(bytes) + " bytes; a deck is at most " +
                     std::to_string(max_deck_bytes >> 20) + " MiB (max_deck_bytes)");
  };
  if (std::size_t(info.st_size) > max_deck_bytes) throw too_large(std::size_t(info.st_size));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DeckError(path + ": cannot open the deck");
  std::string text(max_deck_bytes + 1, '\0');  // a file that grew since stat() is still bounded
  in.read(&text[0], std::streamsize(text.size()));
  if (in.bad()) throw DeckError(path + ": cannot read the deck");
  text.resize(std::size_t(in.gcount()));
  if (text.size() > max_deck_bytes) throw too_large(text.size());
  return text;
}

Deck Deck::from_file(const std::string& file_name) { return Deck(read_deck_file(file_name), file_name); }

DeckSection Deck::root() const { return DeckSection(node_, source_->echo, "", source_); }

std::string Deck::echo() const {
  YAML::Emitter out;
  out << source_->echo;
  return out.c_str();
}

const std::string& Deck::file_name() const { return source_->file; }

}  // namespace dynaopt
