# Helpers shared by every target: warnings, sanitizers, and the layer-aware library function.

function(pop_apply_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                           -Wimplicit-fallthrough)
  # Clang checks the lock annotations of ports/mutex.h (POP_GUARDED_BY, POP_REQUIRES...) on
  # every target; GCC has no such analysis and ignores the annotations.
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(POP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # GCC 12 at -O3 reports -Wrestrict overlaps inside std::string concatenation that cannot happen
  # (GCC bug 105329); the diagnostic is off for that compiler only.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()

if(POP_SANITIZE)
  string(REPLACE "," ";" _pop_sans "${POP_SANITIZE}")
  foreach(_san IN LISTS _pop_sans)
    add_compile_options(-fsanitize=${_san})
    add_link_options(-fsanitize=${_san})
  endforeach()
  add_compile_options(-fno-omit-frame-pointer -fno-sanitize-recover=all)
  # GCC 12's flow-based -Wmaybe-uninitialized misfires on the instrumented code at -O1 (inside
  # std::variant's storage); the main tree, at -O2 without instrumentation, keeps the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()
# The environment of every test. Under ThreadSanitizer each test, and every process it starts
# (they inherit it), reads tests/tsan.supp, whose every line says why it is there; the first
# report fails the process.
set(POP_TEST_ENVIRONMENT)
if(POP_SANITIZE MATCHES "thread")
  set(POP_TEST_ENVIRONMENT "TSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/tsan.supp:\
halt_on_error=1:second_deadlock_stack=1")
endif()

# pop_add_library(name SOURCES ... DEPS ...): a static library whose include root is src/.
# DEPS lists the only targets this layer may use; CMake then refuses anything else at link time
# and tools/check_layers.py refuses it at include time.
function(pop_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  pop_apply_warnings(${name})
  set_property(GLOBAL APPEND PROPERTY POP_LIBRARIES ${name})
endfunction()

# pop_add_test(name SOURCES ... DEPS ... LABELS ...)
function(pop_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest GTest::gtest_main)
  pop_apply_warnings(${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                       ENVIRONMENT "POP_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data")
endfunction()
