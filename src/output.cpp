#include "dynaopt/core/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace dynaopt {
namespace {

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temporary_(path_ + ".tmp." + std::to_string(::getpid())) {
  out_.open(temporary_, std::ios::binary | std::ios::trunc);
  if (!out_) throw io_error("cannot create", temporary_);
  out_.precision(17);
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(temporary_.c_str());
  }
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_) throw io_error("write failed", temporary_);
  out_.close();
  // The data must be on disk before the rename makes it the file.
  const int fd = ::open(temporary_.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0) throw io_error("cannot rename into place", path_);
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  file.stream() << text;
  file.commit();
}

std::string unusable_directory(const std::string& directory) {
  // Walk down the components: every existing one must be a directory; the last existing one
  // must be writable and searchable, since everything below it will be created there.
  std::string prefix = !directory.empty() && directory[0] == '/' ? "/" : "";
  std::string deepest = prefix.empty() ? "." : prefix;
  std::istringstream parts(directory);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    prefix += part;
    struct stat info {};
    if (::stat(prefix.c_str(), &info) != 0) {
      if (errno == ENOENT) break;  // from here on everything is created
      return prefix + ": " + std::strerror(errno);
    }
    if (!S_ISDIR(info.st_mode)) return prefix + " exists and is not a directory";
    deepest = prefix;
    prefix += "/";
  }
  if (::access(deepest.c_str(), W_OK | X_OK) != 0)
    return "cannot write into " + deepest + " (" + std::strerror(errno) + ")";
  return "";
}

void make_directories(const std::string& directory) {
  std::string prefix;
  std::istringstream parts(directory);
  std::string part;
  if (!directory.empty() && directory[0] == '/') prefix = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    prefix += part + "/";
    if (::mkdir(prefix.c_str(), 0775) != 0 && errno != EEXIST) throw io_error("cannot create directory", prefix);
  }
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    throw std::runtime_error(directory + ": not a directory");
}

}  // namespace dynaopt
