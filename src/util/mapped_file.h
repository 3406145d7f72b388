#pragma once
/// Read-only memory mapping of a whole file; the single owner of a file's bytes
/// (DESIGN.md convention 6). Everything else holds spans into it.

#include <cstdint>
#include <span>
#include <string>

#include "util/result.h"

namespace sysfence {

class MappedFile {
 public:
  /// Maps `path` read-only. Directories, empty files, unreadable files and
  /// non-regular files are errors naming the path.
  static Result<MappedFile> open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  void release();

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace sysfence
