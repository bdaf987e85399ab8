# Writes OUTPUT, a C++ source defining pop::api::EmbeddedWebFiles(): every file under WEB_DIR
# (the web UI: HTML, CSS, ES modules) as a string_view of its bytes, so the pop binary serves the
# UI without reading any file at run time. Run by src/api/CMakeLists.txt with `cmake -P` whenever
# a file under web/ changes; needs nothing but CMake (no xxd).
file(GLOB_RECURSE files RELATIVE "${WEB_DIR}" "${WEB_DIR}/*")
list(SORT files)
set(body "")
set(table "")
set(index 0)
foreach(file IN LISTS files)
  file(READ "${WEB_DIR}/${file}" hex HEX)
  file(SIZE "${WEB_DIR}/${file}" size)
  # Every byte as a \xHH escape (an escape ends where the next backslash starts, so no byte can
  # extend the one before it), 64 bytes to a line.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  string(REGEX REPLACE "(................................................................................................................................................................................................................................................................)" "\\1\"\n    \"" escaped "${escaped}")
  string(APPEND body "constexpr std::string_view kFile${index}{\n    \"${escaped}\",\n    ${size}};\n")
  string(APPEND table "      {\"${file}\", kFile${index}},\n")
  math(EXPR index "${index} + 1")
endforeach()
set(content "// Generated from web/ by cmake/embed_web_files.cmake at build time. Do not edit.
#include <span>
#include <string_view>

#include \"api/static_files.h\"

namespace pop::api {
namespace {

${body}
}  // namespace

std::span<const StaticFile> EmbeddedWebFiles() {
  static constexpr StaticFile kFiles[] = {
${table}  };
  return kFiles;
}

}  // namespace pop::api
")
# Rewritten only when different, so an unchanged UI recompiles nothing.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
