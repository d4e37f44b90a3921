// A Comm made before MPI_Init or after MPI_Finalize is refused with std::logic_error saying so,
// instead of aborting inside MPI; between the two it works. Its own main: MPI is not initialized
// when it starts. Exit status 0 when every check holds.
#include <mpi.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "dynaopt/core/comm.hpp"

namespace {

int failures = 0;

void expect_refused(const char* when, const char* reason) {
  try {
    const dynaopt::Comm comm;
    std::printf("FAIL: a Comm was made %s\n", when);
    ++failures;
  } catch (const std::logic_error& e) {
    if (std::string(e.what()).find(reason) == std::string::npos) {
      std::printf("FAIL: %s: the message lacks '%s': %s\n", when, reason, e.what());
      ++failures;
    }
  }
}

}  // namespace

int main(int argc, char* argv[]) {
  expect_refused("before MPI_Init", "MPI is not initialized");
  MPI_Init(&argc, &argv);
  try {
    const dynaopt::Comm comm;
    if (comm.size() < 1 || comm.rank() < 0) std::printf("FAIL: rank %d of %d\n", comm.rank(), comm.size()), ++failures;
  } catch (const std::exception& e) {
    std::printf("FAIL: a Comm after MPI_Init: %s\n", e.what());
    ++failures;
  }
  MPI_Finalize();
  expect_refused("after MPI_Finalize", "MPI is already finalized");
  std::printf("%s\n", failures == 0 ? "3 checks passed" : "failed");
  return failures == 0 ? 0 : 1;
}
