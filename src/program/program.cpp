#include "program/program.h"

#include <elf.h>

#include <fmt/format.h>

#include <filesystem>

#include "arch/relocations.h"
#include "program/interpreter.h"
#include "program/library_search.h"
#include "program/nss_config.h"
#include "program/symbol_binding.h"

namespace sysfence::program {

Result<LoadedFile> load_file(const std::string& host_path, const std::string& display_name) {
  auto file = MappedFile::open(host_path);
  if (!file) {
    // MappedFile names the host path; the user knows the file by its sysroot path.
    std::string message = file.error().message;
    if (message.rfind(host_path, 0) == 0) message = display_name + message.substr(host_path.size());
    return Error{message};
  }
  auto elf = elf::ElfFile::parse(file->bytes(), display_name);
  if (!elf) return elf.error();
  return LoadedFile{std::move(*file), std::move(*elf)};
}

namespace {

Module make_module(std::string path, std::string requested_as, LoadedFile loaded) {
  Module module{std::move(path), std::move(requested_as), std::move(loaded)};
  return module;
}

void report_warnings(const elf::ElfFile& elf, Diagnostics& diagnostics) {
  for (const auto& warning : elf.warnings()) diagnostics.warn(warning);
}

}  // namespace

Result<Program> Program::load(const Sysroot& root, std::string_view binary, Diagnostics& diagnostics) {
  // The binary is normally inside the root; a host file outside it (say, a freshly
  // cross-compiled program) is analysed against the root's libraries.
  std::string inside = root.inside_path_of(std::string(binary)).value_or(std::string(binary));
  std::string module_path;
  std::string host_path;
  if (auto canonical = root.resolve(inside)) {
    module_path = *canonical;
    host_path = root.host_path(*canonical).string();
  } else if (std::error_code ec; std::filesystem::exists(std::string(binary), ec)) {
    module_path = std::filesystem::absolute(std::string(binary)).lexically_normal().string();
    host_path = module_path;
  } else {
    return Error{fmt::format("{}: no such file inside sysroot {} or on this machine", binary,
                             root.host_root().string())};
  }
  auto loaded = load_file(host_path, module_path);
  if (!loaded) return loaded.error();
  auto backend = arch::backend_for(loaded->elf);
  if (!backend) return backend.error();
  const auto type = loaded->elf.header().type;
  if (type != elf::FileType::Executable && type != elf::FileType::SharedObject) {
    return Error{fmt::format("{}: not an executable or shared object (ELF type is relocatable or core)", module_path)};
  }
  Program program;
  program.backend_ = std::move(*backend);
  report_warnings(loaded->elf, diagnostics);
  program.modules_.push_back(make_module(module_path, std::string(binary), std::move(*loaded)));
  program.loaded_by_.push_back(-1);

  std::optional<Interpreter> interpreter;
  if (const auto& requested = program.modules_[0].elf().interpreter()) {
    interpreter = find_interpreter(root, *requested, program.modules_[0].elf().header(), diagnostics);
    if (!interpreter) program.missing_.push_back({*requested, module_path});
  }
  program.load_closure(root, interpreter, diagnostics);
  const size_t loaded_at_start = program.modules_.size();
  program.add_nss_services(root, diagnostics);
  program.load_closure(root, interpreter, diagnostics);
  for (size_t m = loaded_at_start; m < program.modules_.size(); ++m) {
    if (program.modules_[m].loaded_at_run_time.empty()) {
      program.modules_[m].loaded_at_run_time = "needed by an NSS service library";
    }
  }
  // glibc puts its loader in the search list where a library needs it, else last.
  if (interpreter && interpreter->module < 0) program.place_interpreter(*interpreter, 0);
  if (interpreter) program.interpreter_ = interpreter->module;
  bind_imports(program.modules_);
  program.map_stubs(diagnostics);
  return program;
}

int Program::find_loaded(std::string_view name, const std::string& canonical_path) const {
  for (size_t i = 0; i < modules_.size(); ++i) {
    const Module& m = modules_[i];
    if (m.path == canonical_path || (!name.empty() && m.elf().dynamic().soname == name)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::vector<SearchScope> Program::scope_chain(uint32_t module) const {
  std::vector<SearchScope> chain;
  for (int m = static_cast<int>(module); m >= 0; m = loaded_by_[m]) {
    const auto& d = modules_[m].elf().dynamic();
    chain.push_back({modules_[m].path, d.rpath, d.runpath});
  }
  return chain;
}

int Program::add_module(std::string path, std::string requested_as, LoadedFile loaded, uint32_t loaded_by,
                        Diagnostics& diagnostics) {
  report_warnings(loaded.elf, diagnostics);
  modules_.push_back(make_module(std::move(path), std::move(requested_as), std::move(loaded)));
  loaded_by_.push_back(static_cast<int>(loaded_by));
  return static_cast<int>(modules_.size() - 1);
}

int Program::place_interpreter(Interpreter& interpreter, uint32_t loaded_by) {
  if (interpreter.module < 0) {
    Diagnostics none;  // its warnings were reported when it was found
    interpreter.module = add_module(interpreter.path, interpreter.requested_as, std::move(*interpreter.pending),
                                    loaded_by, none);
    interpreter.pending.reset();
    modules_[interpreter.module].is_interpreter = true;
  }
  return interpreter.module;
}

void Program::load_closure(const Sysroot& root, std::optional<Interpreter>& interpreter,
                           Diagnostics& diagnostics) {
  const LibrarySearch search(root, *backend_, modules_[0].elf().header(),
                             interpreter ? interpreter->requested_as : std::string());
  // Breadth-first, as the loader maps them: the vector grows while we walk it.
  for (uint32_t& m = closure_done_; m < modules_.size(); ++m) {
    const std::vector<std::string> needed = modules_[m].elf().dynamic().needed;
    for (const std::string& name : needed) {
      int existing = find_loaded(name, "");
      if (existing < 0 && interpreter && interpreter->provides(name)) existing = place_interpreter(*interpreter, m);
      if (existing < 0) {
        auto chain = scope_chain(m);
        auto found = search.find(name, chain);
        if (!found) {
          missing_.push_back({name, modules_[m].path});
          diagnostics.warn(fmt::format("{}: needed library {} not found in the sysroot", modules_[m].path, name));
          continue;
        }
        if (interpreter && found->path == interpreter->path) {
          existing = place_interpreter(*interpreter, m);
        } else {
          existing = find_loaded("", found->path);
          if (existing < 0) existing = add_module(found->path, name, std::move(found->loaded), m, diagnostics);
        }
      }
      modules_[m].needed.push_back(static_cast<uint32_t>(existing));
    }
  }
}

/// glibc loads an NSS service's library the first time a lookup needs it (getpwnam,
/// getaddrinfo, …), from the search path libc itself was found on. Services whose
/// library the sysroot lacks are skipped, as glibc skips them; `files` and `dns` are
/// built into libc since 2.34, their libraries are stubs.
namespace {

/// Whether `module` is a statically linked glibc program with glibc's NSS code in it:
/// such a program dlopens NSS services like a dynamic one, and each brings the
/// sysroot's shared libc.so.6 and loader with it (glibc's static dlopen).
bool static_glibc_with_nss(const Module& module) {
  const elf::ElfFile& elf = module.elf();
  if (elf.interpreter() || !elf.dynamic().needed.empty()) return false;
  const auto bytes = module.loaded.file.bytes();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return text.find("GNU C Library") != std::string_view::npos &&
         text.find("/etc/nsswitch.conf") != std::string_view::npos;
}

}  // namespace

void Program::add_nss_services(const Sysroot& root, Diagnostics& diagnostics) {
  const std::vector<std::string> services = nss_service_libraries(root);
  if (services.empty()) return;
  int requester = find_loaded("libc.so.6", "");
  // Scans the whole file, so only once nsswitch.conf is known to name a service.
  if (requester < 0 && static_glibc_with_nss(modules_[0])) requester = 0;
  if (requester < 0) return;  // musl and uClibc-ng have no NSS modules
  const LibrarySearch search(root, *backend_, modules_[0].elf().header(), std::string());
  for (const std::string& name : services) {
    if (find_loaded(name, "") >= 0) continue;
    auto found = search.find(name, scope_chain(static_cast<uint32_t>(requester)));
    if (!found || find_loaded("", found->path) >= 0) continue;
    const int m = add_module(found->path, name, std::move(found->loaded), static_cast<uint32_t>(requester), diagnostics);
    modules_[m].loaded_at_run_time = "an NSS service of /etc/nsswitch.conf, loaded by glibc when a lookup needs it";
  }
}

void Program::map_stubs(Diagnostics& diagnostics) {
  for (Module& module : modules_) {
    const elf::ElfFile& elf = module.elf();
    for (const elf::Relocation& rel : elf.relocations()) {
      if (rel.symbol != 0 && rel.symbol < elf.dynamic_symbols().size()) {
        module.got_slots.push_back({rel.offset, rel.symbol, {}});
      } else if (rel.symbol == 0 && arch::relocation_kind(elf.header().machine, rel.type, false) ==
                                        arch::RelocationKind::IRelative) {
        auto resolver = elf.addend(rel);
        if (resolver) {
          module.got_slots.push_back({rel.offset, 0, *resolver});
        } else {
          diagnostics.warn(fmt::format("{}: IRELATIVE slot {:#x} unreadable: {}", module.path, rel.offset,
                                       resolver.error().message));
        }
      }
    }
    for (const arch::GotSlot& slot : backend_->implicit_got_slots(elf)) module.got_slots.push_back(slot);
    module.plt_stubs = backend_->plt_stubs(elf, module.got_slots);
  }
}

}  // namespace sysfence::program
