// main of the single-process unit tests: Kokkos around GoogleTest. The MPI tests have their own
// main (mpi_main.cpp); the library needs MPI only in Comm, which these tests build on
// MPI_COMM_SELF after MPI_Init.
#include <gtest/gtest.h>
#include <mpi.h>

#include <Kokkos_Core.hpp>

int main(int argc, char* argv[]) {
  MPI_Init(&argc, &argv);
  int status = 0;
  {
    ::testing::InitGoogleTest(&argc, argv);
    Kokkos::ScopeGuard kokkos(argc, argv);
    status = RUN_ALL_TESTS();
  }
  MPI_Finalize();
  return status;
}
