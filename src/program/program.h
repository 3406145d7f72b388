#pragma once
/// A Program is what the dynamic loader would map for one executable inside a sysroot:
/// the executable, the transitive DT_NEEDED closure in breadth-first load order, and
/// the interpreter (PT_INTERP), with imports bound and PLT stubs mapped to symbols; for
/// glibc, also the NSS service libraries /etc/nsswitch.conf makes it load at run time.
/// A library missing from the sysroot is recorded, not fatal.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arch/arch.h"
#include "program/interpreter.h"
#include "program/library_search.h"
#include "program/module.h"
#include "program/sysroot.h"
#include "util/diagnostics.h"
#include "util/result.h"

namespace sysfence::program {

struct MissingLibrary {
  std::string name;       ///< as written in DT_NEEDED (or PT_INTERP)
  std::string needed_by;  ///< inside path of the module that asked for it
};

class Program {
 public:
  /// Loads `binary` (a path inside `root`, or a host path under it). Errors (exit 2 in
  /// the CLI) are for the binary itself: missing, not ELF, malformed, unsupported.
  static Result<Program> load(const Sysroot& root, std::string_view binary, Diagnostics& diagnostics);

  /// Modules in load order; [0] is the executable.
  const std::vector<Module>& modules() const { return modules_; }
  const std::vector<MissingLibrary>& missing() const { return missing_; }
  const arch::Backend& backend() const { return *backend_; }
  /// Index of the interpreter among modules(), or -1 when there is none (static).
  int interpreter_index() const { return interpreter_; }

 private:
  Program() = default;
  void load_closure(const Sysroot& root, std::optional<Interpreter>& interpreter, Diagnostics& diagnostics);
  void add_nss_services(const Sysroot& root, Diagnostics& diagnostics);
  int add_module(std::string path, std::string requested_as, LoadedFile loaded, uint32_t loaded_by,
                 Diagnostics& diagnostics);
  int place_interpreter(Interpreter& interpreter, uint32_t loaded_by);
  void map_stubs(Diagnostics& diagnostics);
  int find_loaded(std::string_view name, const std::string& canonical_path) const;
  std::vector<SearchScope> scope_chain(uint32_t module) const;

  std::vector<Module> modules_;
  std::vector<int> loaded_by_;  ///< per module: index of the module that first needed it
  std::vector<MissingLibrary> missing_;
  std::unique_ptr<arch::Backend> backend_;
  int interpreter_ = -1;
  uint32_t closure_done_ = 0;  ///< modules whose DT_NEEDED entries are loaded
};

}  // namespace sysfence::program
