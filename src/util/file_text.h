#pragma once
/// Whole small files as text (policies, traces); binaries go through MappedFile.

#include <string>

#include "util/result.h"

namespace sysfence {

/// The content of `path`, or an error "PATH: cannot read".
Result<std::string> read_whole_file(const std::string& path);

}  // namespace sysfence
