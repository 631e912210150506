# cmake -DSOURCE=<cofs> -DBUILD=<dir> -DPREFIX=<dir> -DGENERATOR=... -DMAKE_PROGRAM=...
#   -DCXX=... -DC=... [-DLAUNCHER=ccache] -P shared_build.cmake
# Configures, builds and installs cofs as shared libraries (libcofs_*.so) without its tests,
# examples and benchmarks: the consumers linked against it prove that COFS_API marks every symbol
# they use, since the libraries are built with hidden visibility. Debug: the fastest to compile,
# and nothing inlined hides a call into the library.
set(options -DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=Debug -DCOFS_BUILD_TESTS=OFF
  -DCOFS_BUILD_EXAMPLES=OFF -DCOFS_BUILD_BENCH=OFF -DCOFS_INSTALL=ON
  -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_C_COMPILER=${C})
if(LAUNCHER)
  list(APPEND options -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER} -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BUILD} -G ${GENERATOR}
    -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM} ${options}
  COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD} --parallel 2 COMMAND_ERROR_IS_FATAL ANY)
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX}
  COMMAND_ERROR_IS_FATAL ANY)
