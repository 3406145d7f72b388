#pragma once
/// The kernel CVEs whose triggers need particular syscalls (DESIGN.md cve/): data in
/// data/kernel_cves.json, compiled in. Each entry lists the steps its trigger needs (a
/// call with the argument values it needs where that matters, such as socket's domain 17,
/// or a route: a named class of calls that reach the same kernel code), the
/// prerequisites a caller needs (capabilities, and whether a user namespace grants them),
/// and a public source describing the trigger.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "enforce/call_search.h"
#include "util/result.h"

namespace sysfence::cve {

/// What one argument of a needed call must be: one of `equals`, or a value v with
/// (v & mask) == value (flags: mask = value = the bits that must be set; socket's type:
/// mask SOCK_TYPE_MASK, so SOCK_CLOEXEC and SOCK_NONBLOCK do not hide it).
struct ArgumentNeed {
  uint8_t index = 0;
  std::vector<uint64_t> equals;       ///< one of these (empty: the mask form)
  std::vector<uint64_t> mips_equals;  ///< MIPS's values, where they differ
  uint64_t mask = 0;
  uint64_t value = 0;
};

struct CallNeed {
  std::string syscall;
  std::vector<ArgumentNeed> args;
  /// Whether a traced call meeting `args` proves the step was made; false where what
  /// matters is beyond the arguments (clone3's flags are in memory).
  bool trace_proves = true;
};

/// One step of a trigger: any one of these calls will do.
struct Need {
  std::vector<CallNeed> any_of;
  std::string route;  ///< the route the step is (or includes), for reports; empty: none
};

/// What a caller needs besides the calls.
struct Prerequisites {
  std::vector<std::string> capabilities;  ///< in the namespace that owns the object
  /// The capabilities can come from a user namespace the caller makes (or joins), so an
  /// unprivileged caller needs a way to get one; false: only the initial namespace's do.
  bool from_user_namespace = false;
  std::vector<std::string> devices;  ///< device nodes the caller must open (not a filter's to deny)
  std::vector<std::string> kernel;   ///< kernel options and settings the bug needs
};

struct KernelCve {
  std::string id;
  std::string title;
  std::string trigger;
  std::string source;
  std::vector<std::string> arches;  ///< libseccomp names it applies to; empty: every one
  std::vector<Need> needs;          ///< all of them
  Prerequisites prerequisites;
};

/// Who runs the program: an unprivileged process, whose way to capabilities is a user
/// namespace, or root with every capability.
enum class Context { Unprivileged, Root };

std::optional<Context> parse_context(const std::string& text);
const char* context_name(Context context);

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
  /// The syscall that sets up a ring able to make `syscall` with arguments no filter
  /// reads (io_uring_setup for its operations), or nullopt.
  std::optional<std::string> ring_for(const std::string& syscall) const;
  /// A named route ("user_namespace", "send_on_socket", …), or nullptr.
  const Need* route(const std::string& name) const;
  const std::map<std::string, Need>& routes() const { return routes_; }

  /// The steps `cve` needs in `context`: its own, plus getting a user namespace where an
  /// unprivileged caller needs one for the capabilities. nullopt: the context cannot meet
  /// the prerequisites at all (capabilities only the initial namespace grants).
  std::optional<std::vector<Need>> steps_in(const KernelCve& cve, Context context) const;

 private:
  std::vector<KernelCve> cves_;
  std::map<std::string, std::vector<std::pair<std::string, uint64_t>>> multiplexed_;
  std::string ring_via_;
  std::set<std::string> ring_calls_;
  std::map<std::string, Need> routes_;
};

/// The argument conditions of `call` on architecture `arch` (libseccomp's name); a value
/// with bit 31 set also matches sign-extended, as the kernel reads such arguments as ints.
std::vector<enforce::ArgumentCondition> conditions_on(const CallNeed& call, const std::string& arch);

}  // namespace sysfence::cve
