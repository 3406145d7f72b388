#pragma once
/// A firmware root filesystem seen from inside: paths are resolved the way the device's
/// kernel would, with absolute symlinks and `..` staying inside the root.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sysfence::program {

class Sysroot {
 public:
  /// `host_root` is the directory on this machine that the device sees as `/`.
  explicit Sysroot(std::filesystem::path host_root);

  /// The canonical path inside the root ("/lib/arm-linux-gnueabihf/libc.so.6") of an
  /// existing file named by `path` (absolute or relative to the root), following every
  /// symlink without escaping the root; nullopt when it does not exist or loops.
  std::optional<std::string> resolve(std::string_view path) const;

  /// Where a canonical inside path lives on this machine.
  std::filesystem::path host_path(std::string_view inside_path) const;

  /// The inside path of a host path that lies under the root, if it does.
  std::optional<std::string> inside_path_of(const std::filesystem::path& host) const;

  const std::filesystem::path& host_root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace sysfence::program
