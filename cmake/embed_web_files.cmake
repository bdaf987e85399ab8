# Writes OUTPUT, a C++ source defining pop::api::EmbeddedWebFiles(): every file under WEB_DIR
# (the web UI: HTML, CSS, ES modules) as a string_view of its bytes, so the pop binary serves the
# UI without reading any file at run time. Run by src/api/CMakeLists.txt with `cmake -P` whenever
# a file under web/ changes; needs nothing but CMake (no xxd).
file(GLOB_RECURSE files RELATIVE "${WEB_DIR}" "${WEB_DIR}/*")
list(SORT files)
set(body "")
set(table "")
set(index 0)
# Pieces of at most 16 KiB each: compilers need only accept string literals of 64 KiB (clang's
# -Woverlength-strings), so a larger file is joined from several at first use.
set(piece_hex 32768)
foreach(file IN LISTS files)
  file(READ "${WEB_DIR}/${file}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  set(offset 0)
  set(part 0)
  set(parts "")
  while(offset LESS hex_length)
    string(SUBSTRING "${hex}" ${offset} ${piece_hex} piece)
    string(LENGTH "${piece}" piece_length)
    math(EXPR piece_size "${piece_length} / 2")
    # Every byte as a \xHH escape (an escape ends where the next backslash starts, so no byte
    # can extend the one before it), 64 bytes to a line.
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${piece}")
    string(REGEX REPLACE "(................................................................................................................................................................................................................................................................)" "\\1\"\n      \"" escaped "${escaped}")
    string(APPEND body "constexpr std::string_view kFile${index}Part${part}{\n      \"${escaped}\",\n      ${piece_size}};\n")
    string(APPEND parts "    content.append(kFile${index}Part${part});\n")
    math(EXPR offset "${offset} + ${piece_hex}")
    math(EXPR part "${part} + 1")
  endwhile()
  string(APPEND body "const std::string& File${index}() {\n  static const std::string kContent = [] {\n    std::string content;\n${parts}    return content;\n  }();\n  return kContent;\n}\n\n")
  string(APPEND table "      {\"${file}\", File${index}()},\n")
  math(EXPR index "${index} + 1")
endforeach()
set(content "// Generated from web/ by cmake/embed_web_files.cmake at build time. Do not edit.
#include <span>
#include <string>
#include <string_view>

#include \"api/static_files.h\"

namespace pop::api {
namespace {

${body}
}  // namespace

std::span<const StaticFile> EmbeddedWebFiles() {
  static const StaticFile kFiles[] = {
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
