#pragma once
// The files of a run (history.csv and the like), kept on rank 0 until the run has finished and
// then written atomically with result.yaml, so a failed run leaves none of them; what they
// hold so far is part of a checkpoint, so a resumed run writes the same files as one that
// never stopped.
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/output.hpp"
#include "dynaopt/core/state_archive.hpp"

namespace dynaopt {

class RunOutput {
 public:
  RunOutput(const Comm& comm, std::string directory) : comm_(comm), dir_(std::move(directory)) {
    if (comm.is_root()) make_directories(dir_);
  }
  // A file of the run with its header line; nullptr on ranks other than 0.
  std::ostream* file(const std::string& name, const std::string& header) {
    if (!comm_.is_root()) return nullptr;
    files_.push_back({name, std::make_unique<std::ostringstream>()});
    std::ostream& out = *files_.back().text;
    out.precision(17);
    out << header << '\n';
    return &out;
  }
  std::ostream* log() const { return comm_.is_root() ? &std::cout : nullptr; }
  // Writes every file and result.yaml (rank 0).
  void finish(const std::string& result_yaml) {
    if (!comm_.is_root()) return;
    for (const auto& f : files_) write_file_atomically(dir_ + "/" + f.name, f.text->str());
    write_file_atomically(dir_ + "/result.yaml", result_yaml);
  }
  const std::string& directory() const { return dir_; }

  void archive(StateArchive& state) {
    for (auto& f : files_) {
      std::string text = f.text->str();
      state.field("output." + f.name, text);
      if (state.loading()) f.text->str(""), *f.text << text;
    }
  }

 private:
  struct File {
    std::string name;
    std::unique_ptr<std::ostringstream> text;
  };
  const Comm& comm_;
  std::string dir_;
  std::vector<File> files_;
};

}  // namespace dynaopt
