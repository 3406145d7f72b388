#pragma once
/// Library value models (data/library_values.json): what a library passes to a function
/// where the value analysis cannot see it. libseccomp looks the seccomp syscall's number
/// up by name in its tables at run time, keeps it in a global and calls syscall() with
/// it; the model says that argument is the seccomp number. A model fills in only an
/// argument the analysis does not know at a call site inside that library. Result models
/// say what a function leaves behind a pointer argument: getaddrinfo's result list, whose
/// ai_family is AF_INET or AF_INET6, so `socket(ai->ai_family, …)` pins the family.
/// Value models say the same of plain numbers: libcrypto's calls of BIO_socket pass the
/// family, type and protocol of a BIO_ADDRINFO its own lookups made. Site models say
/// what every syscall instruction of one library release passes: glibc 2.36 makes only
/// seven futex operations, whatever the lock word a caller hands it holds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/value.h"
#include "util/result.h"

namespace sysfence::analysis {

/// Argument `argument` of the library's calls of `function` is one of the numbers of
/// `syscalls` (on the program's architecture), or one of `values` (`mips_values` on MIPS,
/// whose socket types differ: SOCK_STREAM is 2 there).
struct ModelledArgument {
  std::string function;
  uint8_t argument = 0;
  std::vector<std::string> syscalls;
  std::vector<uint64_t> values;
  std::vector<uint64_t> mips_values;
};

struct LibraryValueModel {
  std::string soname;
  std::vector<ModelledArgument> arguments;
};

/// A field of an object a result model describes: the values it can hold, or, `object`
/// set, a pointer to another such object (a list's next).
struct ObjectField {
  uint32_t offset_32 = 0;
  uint32_t offset_64 = 0;
  uint8_t width = 0;  ///< 0: a pointer
  std::vector<uint64_t> values;
  std::optional<uint8_t> object;
};

struct ObjectLayout {
  std::string name;
  std::vector<ObjectField> fields;
};

/// Argument `argument` of every syscall the library's own code makes as one of
/// `syscalls` (its number fixed by that code, not by a caller of its `syscall()` in
/// another module) holds one of `values`.
struct SiteArgument {
  std::vector<std::string> syscalls;
  uint8_t argument = 0;
  std::vector<uint64_t> values;
};

/// The site models of one library release: the libraries with these sonames whose file
/// holds the bytes `release`.
struct SiteModel {
  std::vector<std::string> sonames;
  std::string release;
  std::vector<SiteArgument> arguments;
};

/// `function` stores through its argument `argument` a pointer to an `object`.
struct ResultModel {
  std::string function;
  uint8_t argument = 0;
  uint8_t object = 0;
};

class LibraryValues {
 public:
  /// The compiled-in models (data/library_values.json), parsed once.
  static const LibraryValues& table();
  /// Parses a models file; errors name `file` and the entry.
  static Result<LibraryValues> parse(const nlohmann::json& json, const std::string& file);

  /// The model of the library with this soname, if any.
  const LibraryValueModel* model_for(std::string_view soname) const;
  /// The site model of the library with this soname whose file holds `bytes`, if any.
  const SiteModel* sites_for(std::string_view soname, std::string_view bytes) const;
  /// The result model of the function with this symbol name, if any.
  const ResultModel* result_of(std::string_view function) const;
  /// What a load of `width` bytes at `offset` of an `object` gives with pointers of
  /// `pointer_size` bytes: the field's values, a pointer to another object, or unknown.
  Value read_object(uint8_t object, int64_t offset, uint8_t width, uint8_t pointer_size) const;

 private:
  std::vector<LibraryValueModel> models_;
  std::vector<SiteModel> sites_;
  std::vector<ResultModel> results_;
  std::vector<ObjectLayout> objects_;
};

}  // namespace sysfence::analysis
