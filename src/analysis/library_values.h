#pragma once
/// Library value models (data/library_values.json): what a library passes to a function
/// where the value analysis cannot see it. libseccomp looks the seccomp syscall's number
/// up by name in its tables at run time, keeps it in a global and calls syscall() with
/// it; the model says that argument is the seccomp number. A model fills in only an
/// argument the analysis does not know at a call site inside that library.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace sysfence::analysis {

/// Argument `argument` of the library's calls of `function` is one of the numbers of
/// `syscalls` (on the program's architecture).
struct ModelledArgument {
  std::string function;
  uint8_t argument = 0;
  std::vector<std::string> syscalls;
};

struct LibraryValueModel {
  std::string soname;
  std::vector<ModelledArgument> arguments;
};

class LibraryValues {
 public:
  /// The compiled-in models (data/library_values.json), parsed once.
  static const LibraryValues& table();
  /// Parses a models file; errors name `file` and the entry.
  static Result<LibraryValues> parse(const nlohmann::json& json, const std::string& file);

  /// The model of the library with this soname, if any.
  const LibraryValueModel* model_for(std::string_view soname) const;

 private:
  std::vector<LibraryValueModel> models_;
};

}  // namespace sysfence::analysis
