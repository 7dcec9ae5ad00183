# faultline_add_test(NAME name SOURCES a.cpp ... LIBS lib ... LABELS folder [integration] [TIMEOUT s])
# One Catch2 (v2) executable = one ctest test, labelled by the folder it mirrors.
function(faultline_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE faultline_catch_main ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE
    FAULTLINE_CORPUS_DIR="${FAULTLINE_CORPUS_DIR}"
    FAULTLINE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FAULTLINE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()
