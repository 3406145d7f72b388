#include "program/library_search.h"

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <set>

namespace sysfence::program {
namespace {

constexpr int kMaxIncludeDepth = 8;

std::string trim(std::string_view s) {
  const char* space = " \t\r\n";
  size_t begin = s.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(space);
  return std::string(s.substr(begin, end - begin + 1));
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

void read_ld_so_conf(const Sysroot& root, const std::string& inside_path, int depth,
                     std::vector<std::string>& out) {
  if (depth > kMaxIncludeDepth) return;
  std::ifstream in(root.host_path(inside_path));
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.rfind("include", 0) == 0 && line.size() > 7 && (line[7] == ' ' || line[7] == '\t')) {
      std::string pattern = trim(line.substr(8));
      if (pattern.empty()) continue;
      if (pattern.front() != '/') pattern = "/etc/" + pattern;  // relative to ld.so.conf's dir
      glob_t matches{};
      std::string host_pattern = root.host_path(pattern).string();
      if (::glob(host_pattern.c_str(), 0, nullptr, &matches) == 0) {
        std::vector<std::string> files(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
        for (const auto& file : files) {
          if (auto inside = root.inside_path_of(file)) read_ld_so_conf(root, *inside, depth + 1, out);
        }
      }
      ::globfree(&matches);
    } else if (line.front() == '/') {
      out.push_back(line);
    }  // `hwcap` lines and anything else are not directories
  }
}

}  // namespace

std::vector<std::string> ld_so_conf_directories(const Sysroot& root) {
  std::vector<std::string> dirs;
  read_ld_so_conf(root, "/etc/ld.so.conf", 0, dirs);
  return dirs;
}

std::vector<std::string> expand_path_list(std::string_view list, std::string_view origin_dir,
                                          const std::vector<std::string>& lib_dirs) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= list.size()) {
    size_t colon = list.find(':', at);
    if (colon == std::string_view::npos) colon = list.size();
    std::string entry(list.substr(at, colon - at));
    at = colon + 1;
    if (entry.empty()) continue;
    entry = replace_all(replace_all(entry, "${ORIGIN}", origin_dir), "$ORIGIN", origin_dir);
    if (entry.find("$LIB") != std::string::npos || entry.find("${LIB}") != std::string::npos) {
      for (const auto& lib : lib_dirs) {
        out.push_back(replace_all(replace_all(entry, "${LIB}", lib), "$LIB", lib));
      }
      continue;
    }
    if (entry.find('$') != std::string::npos) continue;  // $PLATFORM etc.: not modelled
    out.push_back(entry);
  }
  return out;
}

LibrarySearch::LibrarySearch(const Sysroot& root, const arch::Backend& backend, const elf::Header& abi,
                             const std::string& interpreter)
    : root_(root), backend_(backend), abi_(abi) {
  std::vector<std::string> dirs = ld_so_conf_directories(root);
  // musl's loader /lib/ld-musl-ARCH.so.1 reads /etc/ld-musl-ARCH.path (dirs separated by
  // newlines or colons) instead of ld.so.conf; ARCH is musl's name ("armhf", "mipsel").
  const std::string base = interpreter.substr(interpreter.rfind('/') + 1);
  if (base.rfind("ld-musl-", 0) == 0 && base.size() > 13 && base.ends_with(".so.1")) {
    std::ifstream musl(root.host_path("/etc/ld-musl-" + base.substr(8, base.size() - 13) + ".path"));
    for (std::string line; std::getline(musl, line);) {
      for (auto& dir : expand_path_list(trim(line), "/", {})) dirs.push_back(dir);
    }
  }
  for (const auto& triplet : backend.multiarch_triplets()) {
    dirs.push_back("/lib/" + triplet);
    dirs.push_back("/usr/lib/" + triplet);
  }
  for (const char* dir : {"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"}) dirs.push_back(dir);
  std::set<std::string> seen;
  for (auto& dir : dirs) {
    if (seen.insert(dir).second) system_dirs_.push_back(dir);
  }
}

std::optional<FoundLibrary> LibrarySearch::try_path(const std::string& path) const {
  auto canonical = root_.resolve(path);
  if (!canonical) return std::nullopt;
  auto loaded = load_file(root_.host_path(*canonical).string(), *canonical);
  if (!loaded || !arch::same_abi(loaded->elf.header(), abi_)) return std::nullopt;
  return FoundLibrary{*canonical, std::move(*loaded)};
}

std::optional<FoundLibrary> LibrarySearch::try_directory(std::string_view dir, std::string_view name) const {
  std::string path(dir);
  if (path.empty() || path.back() != '/') path += '/';
  return try_path(path + std::string(name));
}

std::optional<FoundLibrary> LibrarySearch::try_list(std::string_view list, const std::string& origin,
                                                    std::string_view name) const {
  std::vector<std::string> lib_dirs;
  for (const auto& triplet : backend_.multiarch_triplets()) lib_dirs.push_back("lib/" + triplet);
  lib_dirs.push_back("lib");
  for (const auto& dir : expand_path_list(list, origin, lib_dirs)) {
    if (auto found = try_directory(dir, name)) return found;
  }
  return std::nullopt;
}

std::optional<FoundLibrary> LibrarySearch::find(std::string_view name,
                                                std::span<const SearchScope> chain) const {
  if (name.find('/') != std::string_view::npos) return try_path(std::string(name));
  auto origin_of = [](const SearchScope& scope) {
    auto slash = scope.path.rfind('/');
    return slash == 0 || slash == std::string::npos ? std::string("/") : scope.path.substr(0, slash);
  };
  const bool requester_has_runpath = !chain.empty() && chain.front().runpath;
  if (!requester_has_runpath) {
    for (const SearchScope& scope : chain) {
      if (scope.runpath || !scope.rpath) continue;  // DT_RUNPATH disables an object's DT_RPATH
      if (auto found = try_list(*scope.rpath, origin_of(scope), name)) return found;
    }
  } else if (auto found = try_list(*chain.front().runpath, origin_of(chain.front()), name)) {
    return found;
  }
  for (const auto& dir : system_dirs_) {
    if (auto found = try_directory(dir, name)) return found;
  }
  return std::nullopt;
}

}  // namespace sysfence::program
