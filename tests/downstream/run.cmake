# ctest driver: install the build tree into a scratch prefix, then configure and build a
# project against it (tests/downstream, examples/), and run PROGRAM if one is given.
#   cmake -DBUILD=... -DSOURCE=... -DSCRATCH=... -DKOKKOS=... [-DPROGRAM=name] -P run.cmake
file(REMOVE_RECURSE ${SCRATCH})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${SCRATCH}/prefix RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${SCRATCH}/build -DCMAKE_BUILD_TYPE=Release
                        -DCMAKE_PREFIX_PATH=${SCRATCH}/prefix -DKokkos_ROOT=${KOKKOS} -DKokkosKernels_ROOT=${KOKKOS}
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configure of the downstream project failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${SCRATCH}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "build of the downstream project failed")
endif()
if(PROGRAM)
  execute_process(COMMAND ${SCRATCH}/build/${PROGRAM} RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "${PROGRAM} failed")
  endif()
endif()
