#include "util/file_text.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace sysfence {

Result<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot read", path)};
  std::stringstream content;
  content << in.rdbuf();
  if (in.bad()) return Error{fmt::format("{}: cannot read", path)};
  return content.str();
}

}  // namespace sysfence
