# faultline_add_test(NAME name SOURCES a.cpp ... LIBS lib ... LABELS folder [integration]
#                    [TIMEOUT s] [NEEDS_ROOT | ROOT_CASES])
# One Catch2 (v2) executable = one ctest test, labelled by the folder it mirrors. tests/ is on
# its include path: temporary files go in a test_util/temp_dir.h TempDir (removed whatever
# happens), never straight into /tmp.
# Every test has SKIP_RETURN_CODE 77: an executable that cannot run here exits 77 and ctest
# reports it as Skipped — never Passed, never Failed.
#
# Tests that need root (network namespaces, iptables, tc, sshd, setpriv):
#   NEEDS_ROOT  every test case of the executable needs root. The test gets the label
#               `needs-root`, and links faultline_catch_main_root, whose main prints why and
#               exits 77 when geteuid() != 0.
#   ROOT_CASES  only the test cases tagged [needs-root] (a Catch tag) need root. Two ctest tests
#               share the executable: `name` runs the untagged cases ('~[needs-root]'), no root
#               needed; `name_root` runs the tagged ones ('[needs-root]'), labelled `needs-root`
#               like NEEDS_ROOT.
# Without root, the shared main exits 77 whenever a selected test case is tagged [needs-root],
# so a tagged case never passes or fails by not running. `ctest -LE needs-root` runs what needs
# no root; `ctest -L needs-root` (as root) the rest.
function(faultline_add_test)
  cmake_parse_arguments(T "NEEDS_ROOT;ROOT_CASES" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(T_NEEDS_ROOT AND T_ROOT_CASES)
    message(FATAL_ERROR "faultline_add_test(${T_NAME}): NEEDS_ROOT and ROOT_CASES exclude each other")
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  if(T_NEEDS_ROOT)
    target_link_libraries(${T_NAME} PRIVATE faultline_catch_main_root ${T_LIBS})
  else()
    target_link_libraries(${T_NAME} PRIVATE faultline_catch_main ${T_LIBS})
  endif()
  # tests/ is on the include path for the shared helpers (test_util/temp_dir.h: RAII TempDir).
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${T_NAME} PRIVATE
    FAULTLINE_CORPUS_DIR="${FAULTLINE_CORPUS_DIR}"
    FAULTLINE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FAULTLINE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(FAULTLINE_ASAN OR FAULTLINE_UBSAN)
    math(EXPR T_TIMEOUT "${T_TIMEOUT} * 3")  # sanitized code runs several times slower
  endif()
  set(labels ${T_LABELS})
  if(T_NEEDS_ROOT)
    list(APPEND labels needs-root)
  endif()
  if(T_ROOT_CASES)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} "~[needs-root]")
    add_test(NAME ${T_NAME}_root COMMAND ${T_NAME} "[needs-root]")
    set_tests_properties(${T_NAME}_root PROPERTIES LABELS "${labels};needs-root"
      TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77)
  else()
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${labels}" TIMEOUT ${T_TIMEOUT}
    SKIP_RETURN_CODE 77)
endfunction()
