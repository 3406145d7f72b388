#include "program/nss_config.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sysfence::program {

std::vector<std::string> nss_service_libraries(const Sysroot& root) {
  std::vector<std::string> out;
  const auto path = root.resolve("/etc/nsswitch.conf");
  if (!path) return out;
  std::ifstream file(root.host_path(*path));
  std::string line;
  while (std::getline(file, line)) {
    line = line.substr(0, line.find('#'));
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream words(line.substr(colon + 1));
    std::string word;
    bool in_action = false;
    while (words >> word) {
      // [NOTFOUND=return] and [!UNAVAIL=continue] may hold spaces: skip to the ']'.
      if (word.front() == '[') in_action = true;
      const bool was_action = in_action;
      if (word.back() == ']') in_action = false;
      if (was_action) continue;
      const std::string library = "libnss_" + word + ".so.2";
      if (std::find(out.begin(), out.end(), library) == out.end()) out.push_back(library);
    }
  }
  return out;
}

}  // namespace sysfence::program
