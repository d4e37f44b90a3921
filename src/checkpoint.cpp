#include "dynaopt/core/checkpoint.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "dynaopt/core/output.hpp"
#include "dynaopt/core/profiling.hpp"

namespace dynaopt {
namespace {

namespace fs = std::filesystem;

constexpr const char* magic = "dynaopt checkpoint\n";

std::string hex(std::uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(value));
  return text;
}

// The checkpoints in `directory`, oldest first (the zero-padded counter sorts as it counts);
// temporary files of interrupted writes are not among them.
std::vector<fs::path> checkpoints_in(const std::string& directory, bool temporaries = false) {
  std::vector<fs::path> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    const bool temporary = name.find(".dck.tmp.") != std::string::npos;
    if (name.rfind("checkpoint-", 0) == 0 && (temporaries ? temporary : entry.path().extension() == ".dck"))
      found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Test hook: DYNAOPT_TEST_KILL_IN_CHECKPOINT=<counter> makes rank 0 die by SIGKILL halfway
// through writing that checkpoint, as a job killed mid-write would.
void write_or_die_midway(const std::string& path, const std::string& bytes, long counter) {
  const char* kill_at = std::getenv("DYNAOPT_TEST_KILL_IN_CHECKPOINT");
  if (kill_at && std::atol(kill_at) == counter) {
    AtomicFile file(path);
    file.stream().write(bytes.data(), std::streamsize(bytes.size() / 2));
    file.stream().flush();
    std::raise(SIGKILL);
  }
  write_file_atomically(path, bytes);
}

}  // namespace

Checkpoints::Checkpoints(const Comm& comm, CheckpointSpec spec, CheckpointIdentity identity, std::ostream* log)
    : comm_(comm), spec_(std::move(spec)), identity_(std::move(identity)), log_(log) {}

std::string Checkpoints::file_name(const std::string& directory, long counter, long step) {
  char name[64];
  if (step < 0) std::snprintf(name, sizeof name, "checkpoint-%012ld.dck", counter);
  else std::snprintf(name, sizeof name, "checkpoint-%012ld_%012ld.dck", counter, step);
  return directory + "/" + name;
}

std::string Checkpoints::encode(long counter, const std::vector<std::string>& sections) const {
  // Assembled in one buffer of the file's size: rank 0 holds every rank's section already.
  std::ostringstream out;
  out << magic << "format: " << format_version << "\nproblem: " << identity_.problem
      << "\noptimizer: " << identity_.optimizer << "\nprecision: " << identity_.precision
      << "\nranks: " << identity_.ranks << "\ndeck_hash: " << hex(identity_.deck_hash) << "\n"
      << identity_.counter << ": " << counter << "\nsections:";
  for (const std::string& s : sections) out << ' ' << s.size();
  out << "\nend\n";
  std::string bytes = out.str();
  std::size_t size = bytes.size() + sizeof(std::uint64_t);
  for (const std::string& s : sections) size += s.size();
  bytes.reserve(size);
  for (const std::string& s : sections) bytes += s;
  const std::uint64_t checksum = fnv1a(bytes);
  bytes.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  return bytes;
}

void Checkpoints::save(long counter, long step, bool ends_cycle, const State& state) const {
  StateArchive archive = StateArchive::writer();
  state(archive);
  const std::vector<std::string> sections = comm_.gather(archive.bytes());
  const std::string path = file_name(spec_.directory, counter, ends_cycle ? -1 : step);
  std::string error;
  if (comm_.is_root()) {
    try {
      make_directories(spec_.directory);
      write_or_die_midway(path, encode(counter, sections), counter);
      const std::vector<fs::path> all = checkpoints_in(spec_.directory);
      for (std::size_t i = 0; i + std::size_t(spec_.keep) < all.size(); ++i) fs::remove(all[i]);
      // What writes that were killed midway left behind.
      for (const fs::path& stale : checkpoints_in(spec_.directory, true)) fs::remove(stale);
      if (log_) {
        *log_ << "checkpoint " << identity_.counter << ' ' << counter;
        if (!ends_cycle) *log_ << " and step " << step;
        *log_ << " -> " << path << std::endl;
      }
    } catch (const std::exception& e) {
      error = std::string("checkpoint not written: ") + e.what();
    }
  }
  error = comm_.first_error(error);
  if (!error.empty()) throw CollectiveError(error);
}

std::string Checkpoints::decode(const std::string& path, long& counter, std::vector<std::string>& sections) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read the checkpoint";
  // Read in one buffer of the file's size (the sections are cut from it).
  in.seekg(0, std::ios::end);
  std::string bytes(std::size_t(std::max<std::streamoff>(0, in.tellg())), '\0');
  in.seekg(0);
  if (!in.read(&bytes[0], std::streamsize(bytes.size()))) return path + ": cannot read the checkpoint";
  const std::size_t magic_size = std::char_traits<char>::length(magic);
  if (bytes.compare(0, magic_size, magic) != 0) return path + ": not a dynaopt checkpoint";
  std::uint64_t stored = 0;
  if (bytes.size() >= magic_size + sizeof stored)
    std::memcpy(&stored, bytes.data() + bytes.size() - sizeof stored, sizeof stored);
  if (bytes.size() < magic_size + sizeof stored || stored != fnv1a(bytes.data(), bytes.size() - sizeof stored))
    return path + ": corrupted (its checksum does not match: the file is truncated or altered)";

  // The header: one "key: value" per line up to "end".
  const std::size_t header_end = bytes.find("\nend\n", magic_size);
  std::istringstream header(
      bytes.substr(magic_size, header_end == std::string::npos ? std::string::npos : header_end + 5 - magic_size));
  std::string line;
  std::vector<std::pair<std::string, std::string>> entries;
  while (std::getline(header, line) && line != "end") {
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos) return path + ": malformed header line '" + line + "'";
    entries.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  if (line != "end") return path + ": its header has no end";
  const auto value = [&](const std::string& key) {
    for (const auto& e : entries)
      if (e.first == key) return e.second;
    return std::string();
  };
  if (value("format") != std::to_string(format_version))
    return path + ": checkpoint format version " + value("format") + ", this dynaopt reads version " +
           std::to_string(format_version);
  const auto mismatch = [&](const char* what, const std::string& stored_value, const std::string& expected) {
    return path + ": the checkpoint is of " + what + " " + stored_value + ", this run's is " + expected;
  };
  if (value("problem") != identity_.problem) return mismatch("problem", value("problem"), identity_.problem);
  if (value("optimizer") != identity_.optimizer) return mismatch("optimizer", value("optimizer"), identity_.optimizer);
  if (value("precision") != identity_.precision) return mismatch("precision", value("precision"), identity_.precision);
  if (value("ranks") != std::to_string(identity_.ranks))
    return path + ": the checkpoint was written by " + value("ranks") + " rank(s), this run has " +
           std::to_string(identity_.ranks) + " (restart with the same rank count)";
  if (value("deck_hash") != hex(identity_.deck_hash))
    return path + ": the deck's problem or optimizer settings differ from the checkpoint's (deck hash " +
           value("deck_hash") + ", this deck " + hex(identity_.deck_hash) + ")";
  const std::string counter_text = value(identity_.counter);
  char* end = nullptr;
  counter = std::strtol(counter_text.c_str(), &end, 10);
  if (counter_text.empty() || *end != '\0' || counter < 0) return path + ": no " + identity_.counter + " counter";

  std::istringstream sizes(value("sections"));
  const std::size_t payload = magic_size + std::size_t(header.tellg());
  std::size_t offset = payload, size = 0;
  sections.clear();
  while (sizes >> size && size <= bytes.size() - sizeof stored - offset) {
    sections.push_back(bytes.substr(offset, size));
    offset += size;
  }
  if (sections.size() != std::size_t(identity_.ranks) || offset != bytes.size() - sizeof stored)
    return path + ": its sections do not add up to its size";
  return {};
}

long Checkpoints::restore(const std::string& path, const State& state) const {
  const Region region("dynaopt::restart");
  long counter = 0;
  std::vector<std::string> sections;
  std::string error;
  if (comm_.is_root()) {
    std::string file = path;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      const std::vector<fs::path> all = checkpoints_in(path);
      if (all.empty()) error = path + ": no checkpoint-*.dck in this directory";
      else file = all.back().string();
    }
    if (error.empty()) error = decode(file, counter, sections);
    if (error.empty() && log_) *log_ << "restart from " << file << " at " << identity_.counter << ' ' << counter << std::endl;
  }
  error = comm_.first_error(error);
  if (!error.empty()) throw std::invalid_argument(error);
  const std::string mine = comm_.scatter(sections);
  counter = long(comm_.sum(double(comm_.is_root() ? counter : 0)));
  try {
    StateArchive archive = StateArchive::reader(mine, path + " (rank " + std::to_string(comm_.rank()) + ")");
    state(archive);
    archive.finish();
  } catch (const std::exception& e) {
    error = e.what();
  }
  error = comm_.first_error(error);
  if (!error.empty()) throw std::invalid_argument(error);
  return counter;
}

}  // namespace dynaopt
