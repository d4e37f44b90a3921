#pragma once
// Output that is never half-written: each file goes to a temporary name beside its target and
// is renamed into place only when complete, so a killed run leaves either the old file or the
// new one.
#include <fstream>
#include <string>

namespace dynaopt {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temporary file unless commit() ran

  std::ostream& stream() { return out_; }
  const std::string& path() const { return path_; }
  // Flushes, syncs and renames the temporary file onto the target; throws on any I/O error.
  void commit();

 private:
  std::string path_;
  std::string temporary_;
  std::ofstream out_;
  bool committed_ = false;
};

// Writes `text` to `path` atomically.
void write_file_atomically(const std::string& path, const std::string& text);

// Creates `directory` and its parents; throws with the reason when it cannot.
void make_directories(const std::string& directory);

// Why make_directories(directory) and writing into it would fail, found without creating
// anything ("" when it would not): a component that exists and is not a directory, or a
// nearest existing ancestor (or the directory itself) that this process cannot write into.
std::string unusable_directory(const std::string& directory);

}  // namespace dynaopt
