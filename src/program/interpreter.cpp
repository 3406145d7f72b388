#include "program/interpreter.h"

#include <array>

#include <fmt/format.h>

namespace sysfence::program {
namespace {

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

/// musl's dynamic linker refuses to load these as separate objects and binds them to
/// itself ("lib" + one of these + "." or end of name; musl ldso/dynlink.c).
bool musl_reserved(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kReserved = {"c", "pthread", "rt", "m", "dl", "util", "xnet"};
  if (name.substr(0, 3) != "lib") return false;
  name.remove_prefix(3);
  for (std::string_view reserved : kReserved) {
    if (name.substr(0, reserved.size()) != reserved) continue;
    if (name.size() == reserved.size() || name[reserved.size()] == '.') return true;
  }
  return false;
}

}  // namespace

bool Interpreter::provides(std::string_view name) const {
  if (name == requested_as || name == path) return true;
  if (!soname.empty() && name == soname) return true;
  if (name == base_name(requested_as)) return true;
  return is_musl && musl_reserved(name);
}

std::optional<Interpreter> find_interpreter(const Sysroot& root, const std::string& requested,
                                            const elf::Header& abi, Diagnostics& diagnostics) {
  auto canonical = root.resolve(requested);
  if (!canonical) {
    diagnostics.warn(fmt::format("interpreter {} not found in the sysroot", requested));
    return std::nullopt;
  }
  auto loaded = load_file(root.host_path(*canonical).string(), *canonical);
  if (!loaded) {
    diagnostics.warn(loaded.error().message);
    return std::nullopt;
  }
  if (!arch::same_abi(loaded->elf.header(), abi)) {
    diagnostics.warn(fmt::format("interpreter {} is built for another machine, class or byte order", *canonical));
    return std::nullopt;
  }
  Interpreter interpreter;
  interpreter.path = *canonical;
  interpreter.requested_as = requested;
  interpreter.soname = loaded->elf.dynamic().soname;
  interpreter.is_musl = base_name(requested).substr(0, 8) == "ld-musl-";
  interpreter.pending = std::move(*loaded);
  return interpreter;
}

}  // namespace sysfence::program
