# Tests of the installed package, run by CTest with the rest of the suite: installing this build,
# then configuring, building and running tests/package (a consumer: find_package(cofs) ->
# cofs::cofs) against it, with this build's compiler. A sanitized build installs a cofs::cofs
# that carries the sanitizer's flags, so the consumer links here too.
add_test(NAME package.install
  COMMAND ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${PROJECT_BINARY_DIR}/package/install)
add_test(NAME package.consumer
  COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${PROJECT_SOURCE_DIR}/tests/package
    ${PROJECT_BINARY_DIR}/package/consumer
    --build-generator ${CMAKE_GENERATOR} --build-makeprogram ${CMAKE_MAKE_PROGRAM}
    --build-options -DCMAKE_PREFIX_PATH=${PROJECT_BINARY_DIR}/package/install
      -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release
    --test-command consumer)
set_tests_properties(package.install PROPERTIES FIXTURES_SETUP cofs_package LABELS package)
set_tests_properties(package.consumer PROPERTIES FIXTURES_REQUIRED cofs_package LABELS package
  TIMEOUT 600)
