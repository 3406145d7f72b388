#include "program/sysroot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <vector>

namespace sysfence::program {
namespace {

// Linux gives up after 40 symlinks in one lookup (ELOOP); so do we.
constexpr int kMaxSymlinks = 40;

std::deque<std::string> split(std::string_view path) {
  std::deque<std::string> parts;
  size_t at = 0;
  while (at <= path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > at) parts.emplace_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

}  // namespace

Sysroot::Sysroot(std::filesystem::path host_root) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(host_root, ec);
  root_ = ec ? std::move(host_root) : std::move(canonical);
}

std::filesystem::path Sysroot::host_path(std::string_view inside_path) const {
  std::string relative(inside_path);
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  return relative.empty() ? root_ : root_ / relative;
}

std::optional<std::string> Sysroot::resolve(std::string_view path) const {
  std::vector<std::string> done;
  std::deque<std::string> todo = split(path);
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();  // `..` at the root stays at the root
      continue;
    }
    done.push_back(part);
    const std::string host = host_path(join(done)).string();
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0) return std::nullopt;
    if (!S_ISLNK(st.st_mode)) continue;
    if (++links > kMaxSymlinks) return std::nullopt;
    std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096), '\0');
    ssize_t n = ::readlink(host.c_str(), target.data(), target.size());
    if (n <= 0) return std::nullopt;
    target.resize(static_cast<size_t>(n));
    done.pop_back();
    if (target.front() == '/') done.clear();  // absolute links are relative to the root
    auto parts = split(target);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  return join(done);
}

std::optional<std::string> Sysroot::inside_path_of(const std::filesystem::path& host) const {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(host, ec).lexically_normal();
  if (ec) return std::nullopt;
  auto under_root = [&](const std::filesystem::path& p) -> std::optional<std::string> {
    auto relative = p.lexically_relative(root_);
    if (relative.empty() || *relative.begin() == "..") return std::nullopt;
    return relative == "." ? "/" : "/" + relative.generic_string();
  };
  // Lexically first: a symlink inside the root (e.g. /bin -> /usr/bin) must be followed
  // inside the root later, not on the host.
  if (auto inside = under_root(absolute)) return inside;
  // The caller may reach the root through a host symlink: canonicalise the directory.
  auto parent = std::filesystem::weakly_canonical(absolute.parent_path(), ec);
  if (ec) return std::nullopt;
  return under_root(parent / absolute.filename());
}

}  // namespace sysfence::program
