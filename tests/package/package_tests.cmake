# Tests of the installed package, run by CTest with the rest of the suite, each with this build's
# compiler (a sanitized build installs targets that carry the sanitizer's flags, so the consumers
# link here too):
#   package.install        installs this build (static libraries)
#   package.consumer       tests/package: find_package(cofs) -> cofs::cofs builds and runs
#   package.core           tests/package/core: find_package(cofs COMPONENTS core) -> cofs::core;
#                          runs, and neither curl, liburing nor libaio is linked or loaded
#   package.core_in_tree   the same program linked to this build's cofs::core (add_subdirectory)
# and, in the unsanitized build, a shared cofs (BUILD_SHARED_LIBS, hidden visibility + COFS_API):
#   package.shared.install   builds and installs it
#   package.shared.consumer  the cofs::cofs consumer and examples/demo against it
#   package.shared.core      the cofs::core consumer against it (ldd sees libcofs_core.so's needs)
set(cofs_package ${PROJECT_BINARY_DIR}/package)
set(cofs_consumer_options -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release)

# cofs_package_consumer(<test> <source dir> <binary dir> <prefix> <fixture> [options...])
function(cofs_package_consumer name source binary prefix fixture)
  add_test(NAME ${name}
    COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${source} ${binary}
      --build-generator ${CMAKE_GENERATOR} --build-makeprogram ${CMAKE_MAKE_PROGRAM}
      --build-options -DCMAKE_PREFIX_PATH=${prefix} ${cofs_consumer_options} ${ARGN}
      --test-command ${CMAKE_CTEST_COMMAND} --output-on-failure)
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ${fixture} LABELS package TIMEOUT 600)
endfunction()

add_test(NAME package.install
  COMMAND ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${cofs_package}/install)
set_tests_properties(package.install PROPERTIES FIXTURES_SETUP cofs_package LABELS package)
cofs_package_consumer(package.consumer ${PROJECT_SOURCE_DIR}/tests/package
  ${cofs_package}/consumer ${cofs_package}/install cofs_package)
cofs_package_consumer(package.core ${PROJECT_SOURCE_DIR}/tests/package/core
  ${cofs_package}/core ${cofs_package}/install cofs_package)

add_executable(core_in_tree ${PROJECT_SOURCE_DIR}/tests/package/core/core_consumer.cpp)
target_link_libraries(core_in_tree PRIVATE cofs::core)
target_link_options(core_in_tree PRIVATE LINKER:-Map=${CMAKE_CURRENT_BINARY_DIR}/core_in_tree.map)
add_test(NAME package.core_in_tree COMMAND core_in_tree)
add_test(NAME package.core_in_tree.link
  COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:core_in_tree>
    -DMAP=${CMAKE_CURRENT_BINARY_DIR}/core_in_tree.map
    -P ${PROJECT_SOURCE_DIR}/tests/package/core/check_link.cmake)
set_tests_properties(package.core_in_tree package.core_in_tree.link PROPERTIES LABELS package)

if(COFS_SANITIZER STREQUAL "none")
  add_test(NAME package.shared.install
    COMMAND ${CMAKE_COMMAND} -DSOURCE=${PROJECT_SOURCE_DIR} -DBUILD=${cofs_package}/shared/build
      -DPREFIX=${cofs_package}/shared/install -DGENERATOR=${CMAKE_GENERATOR}
      -DMAKE_PROGRAM=${CMAKE_MAKE_PROGRAM} -DCXX=${CMAKE_CXX_COMPILER} -DC=${CMAKE_C_COMPILER}
      -DLAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}
      -P ${PROJECT_SOURCE_DIR}/tests/package/shared_build.cmake)
  set_tests_properties(package.shared.install PROPERTIES FIXTURES_SETUP cofs_shared_package
    LABELS package TIMEOUT 1200 PROCESSORS 2)
  cofs_package_consumer(package.shared.consumer ${PROJECT_SOURCE_DIR}/tests/package
    ${cofs_package}/shared/consumer ${cofs_package}/shared/install cofs_shared_package
    -DCOFS_DEMO_SOURCE=${PROJECT_SOURCE_DIR}/examples/demo.cpp)
  cofs_package_consumer(package.shared.core ${PROJECT_SOURCE_DIR}/tests/package/core
    ${cofs_package}/shared/core ${cofs_package}/shared/install cofs_shared_package)
endif()
