#pragma once
/// Where the dynamic loader looks for a DT_NEEDED library, reproduced inside a sysroot:
/// DT_RPATH (of the requester and its loaders, unless the requester has DT_RUNPATH),
/// DT_RUNPATH, the directories of /etc/ld.so.conf (or musl's /etc/ld-musl-ARCH.path), the
/// multiarch triplet directories, then /lib and /usr/lib. Candidates built for another
/// machine, class or byte order are skipped, as the loader skips them.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "arch/arch.h"
#include "program/module.h"
#include "program/sysroot.h"

namespace sysfence::program {

/// What one object in the requesting chain contributes to the search.
struct SearchScope {
  std::string path;  ///< canonical inside path of the object (for $ORIGIN)
  std::optional<std::string> rpath;
  std::optional<std::string> runpath;
};

struct FoundLibrary {
  std::string path;  ///< canonical inside path
  LoadedFile loaded;
};

class LibrarySearch {
 public:
  /// `interpreter` is the program's PT_INTERP ("" if none): musl's loader reads its
  /// search path from a file named after it.
  LibrarySearch(const Sysroot& root, const arch::Backend& backend, const elf::Header& abi,
                const std::string& interpreter);

  /// Finds `name` as requested by `chain[0]`, whose loaders up to the executable follow.
  std::optional<FoundLibrary> find(std::string_view name, std::span<const SearchScope> chain) const;

  /// The system directories, in search order (for tests and `info`).
  const std::vector<std::string>& system_directories() const { return system_dirs_; }

 private:
  std::optional<FoundLibrary> try_directory(std::string_view dir, std::string_view name) const;
  std::optional<FoundLibrary> try_path(const std::string& path) const;
  std::optional<FoundLibrary> try_list(std::string_view list, const std::string& origin,
                                       std::string_view name) const;

  const Sysroot& root_;
  const arch::Backend& backend_;
  elf::Header abi_;
  std::vector<std::string> system_dirs_;
};

/// Splits a colon-separated path list and expands $ORIGIN / ${ORIGIN} to `origin_dir`
/// and $LIB / ${LIB} to each of `lib_dirs`. Entries with other tokens are dropped.
std::vector<std::string> expand_path_list(std::string_view list, std::string_view origin_dir,
                                          const std::vector<std::string>& lib_dirs);

/// Directories named by ld.so.conf inside the root (following `include` globs).
std::vector<std::string> ld_so_conf_directories(const Sysroot& root);

}  // namespace sysfence::program
