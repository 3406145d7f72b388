#pragma once
/// The kernel CVEs whose triggers need particular syscalls (DESIGN.md cve/): data in
/// data/kernel_cves.json, compiled in. Each entry lists the calls its trigger needs, with
/// the argument values it needs where that matters (socket's domain 17, clone's
/// CLONE_NEWUSER bit), and a public source describing the trigger.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "enforce/call_search.h"
#include "util/result.h"

namespace sysfence::cve {

/// What one argument of a needed call must be.
struct ArgumentNeed {
  uint8_t index = 0;
  std::vector<uint64_t> equals;       ///< one of these (empty: the bits form)
  std::vector<uint64_t> mips_equals;  ///< MIPS's values, where they differ
  uint64_t has_bits = 0;              ///< all of these bits set
};

struct CallNeed {
  std::string syscall;
  std::vector<ArgumentNeed> args;
};

/// One step of a trigger: any one of these calls will do.
struct Need {
  std::vector<CallNeed> any_of;
};

struct KernelCve {
  std::string id;
  std::string title;
  std::string trigger;
  std::string source;
  std::vector<std::string> arches;  ///< libseccomp names it applies to; empty: every one
  std::vector<Need> needs;          ///< all of them
};

class KernelCves {
 public:
  /// The compiled-in table (data/kernel_cves.json), parsed once.
  static const KernelCves& table();
  /// Parses a table; errors name `file` and the entry.
  static Result<KernelCves> parse(const nlohmann::json& json, const std::string& file);

  const std::vector<KernelCve>& cves() const { return cves_; }
  /// For a syscall a multiplexer can make (socket through socketcall, shmget through
  /// ipc): the multiplexer's name and the call number it takes as argument 0.
  std::vector<std::pair<std::string, uint64_t>> multiplexed(const std::string& syscall) const;

 private:
  std::vector<KernelCve> cves_;
  std::map<std::string, std::vector<std::pair<std::string, uint64_t>>> multiplexed_;
};

/// The argument conditions of `call` on architecture `arch` (libseccomp's name); a value
/// with bit 31 set also matches sign-extended, as the kernel reads such arguments as ints.
std::vector<enforce::ArgumentCondition> conditions_on(const CallNeed& call, const std::string& arch);

}  // namespace sysfence::cve
