#pragma once
/// Library models (data/library_gates.json): code inside a library that runs only when
/// the program uses a feature of it. glibc's posix_spawn child calls sched_setparam only
/// for a spawn attribute that sets POSIX_SPAWN_SETSCHEDPARAM; its mutex code calls
/// sched_setscheduler only for priority-protect mutexes. The value analysis cannot see
/// such conditions (they are flags in memory), so a model states them: while no
/// reachable code uses the feature, calls to the gate's wrappers from the library's
/// unexported code are not followed, and the library's syscall instructions are taken
/// not to pass the values the gate lists for the feature. A model is checked against one library release and
/// applies to that release only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace sysfence::analysis {

/// A use of the feature: a call of an exported function of the library.
struct GateOpener {
  std::string function;
  /// When set, only a call whose argument `argument` may have one of `bits` set opens
  /// the gate (an argument the analysis does not know may).
  std::optional<uint8_t> argument;
  uint64_t bits = 0;
  /// The gate opens when a module other than the library and the dynamic loader binds
  /// the function (calls it or takes its address), reachable or not.
  bool imported = false;
};

/// Values the library's own syscall instructions pass in argument `argument` of one of
/// `syscalls` only for the feature (glibc's priority-inheritance futex operations, made
/// only on priority-inheritance mutexes).
struct GatedValues {
  std::vector<std::string> syscalls;
  uint8_t argument = 0;
  std::vector<uint64_t> values;
};

struct LibraryGate {
  std::string feature;
  std::vector<std::string> wrappers;  ///< exported functions the gated code calls
  std::vector<GatedValues> values;    ///< what the library's syscalls pass for the feature
  std::vector<GateOpener> openers;
};

struct LibraryModel {
  std::string soname;
  std::string release;  ///< bytes found only in the release the model was checked against
  std::vector<LibraryGate> gates;
};

class LibraryModels {
 public:
  /// The compiled-in models (data/library_gates.json), parsed once.
  static const LibraryModels& table();
  /// Parses a models file; errors name `file` and the entry.
  static Result<LibraryModels> parse(const nlohmann::json& json, const std::string& file);

  /// The model for a library with this soname whose file holds `bytes`, if any.
  const LibraryModel* model_for(std::string_view soname, std::string_view bytes) const;
  const std::vector<LibraryModel>& models() const { return models_; }

 private:
  std::vector<LibraryModel> models_;
};

}  // namespace sysfence::analysis
