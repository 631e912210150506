# Runs each S3 test program as if Ceph were not installed (COFS_CEPH_BINDIR names an empty
# directory) and fails unless every one exits 77, which CTest reports as skipped.
# PROGRAMS: a list of "program|Catch2 test spec".
set(empty_dir "${CMAKE_CURRENT_BINARY_DIR}/no-ceph-here")
file(MAKE_DIRECTORY "${empty_dir}")
set(ENV{COFS_CEPH_BINDIR} "${empty_dir}")
foreach(entry ${PROGRAMS})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 program)
  list(LENGTH parts n)
  set(spec "")
  if(n GREATER 1)
    list(GET parts 1 spec)
  endif()
  execute_process(COMMAND "${program}" --warn NoAssertions ${spec}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 77)
    message(FATAL_ERROR "${program} ${spec} without Ceph exited ${rc}, not 77 (skipped):\n${out}\n${err}")
  endif()
  message(STATUS "${program} ${spec}: skipped without Ceph (77)")
endforeach()
file(REMOVE_RECURSE "${empty_dir}")
