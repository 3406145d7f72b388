#include <elf.h>

#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/program_loading.h"
#include "elf/go_build_info.h"
#include "util/json_text.h"

namespace sysfence::cli {
namespace {

/// What the Go linker wrote into a Go program (null for any other program).
nlohmann::json go_json(const elf::ElfFile& elf) {
  const auto go = elf::read_go_build_info(elf);
  if (!go) return nullptr;
  return {{"version", go->version}, {"path", go->path}, {"cgo", go->cgo}, {"settings", go->settings}};
}

nlohmann::json module_json(const program::Program& program, const program::Module& module) {
  const elf::ElfFile& elf = module.elf();
  nlohmann::json unbound = nlohmann::json::array();
  size_t bound = 0;
  size_t weak_unbound = 0;
  for (const program::Import& import : module.imports) {
    const elf::Symbol& symbol = elf.dynamic_symbols()[import.symbol];
    if (import.definition) {
      ++bound;
    } else if (symbol.binding == STB_WEAK) {
      ++weak_unbound;  // the loader leaves these null; programs test them at run time
    } else {
      unbound.push_back(symbol.version.empty() ? symbol.name : symbol.name + "@" + symbol.version);
    }
  }
  nlohmann::json needed = nlohmann::json::array();
  for (uint32_t index : module.needed) needed.push_back(program.modules()[index].path);
  nlohmann::json out = {
      {"path", module.path},
      {"soname", elf.dynamic().soname},
      {"build_id", elf.build_id()},
      {"interpreter", module.is_interpreter},
      {"needed", needed},
      {"imports", {{"bound", bound}, {"unbound", unbound.size()}, {"weak_unbound", weak_unbound},
                   {"unbound_names", unbound}}},
      {"plt_stubs", module.plt_stubs.size()},
  };
  if (!module.loaded_at_run_time.empty()) out["loaded_at_run_time"] = module.loaded_at_run_time;
  return out;
}

int run_info(const ProgramOptions& options) {
  auto loaded = load_program(options);
  if (!loaded) return 2;
  const program::Program& program = loaded->program;
  const elf::Header& header = program.modules()[0].elf().header();
  nlohmann::json modules = nlohmann::json::array();
  for (const auto& module : program.modules()) modules.push_back(module_json(program, module));
  nlohmann::json missing = nlohmann::json::array();
  for (const auto& gap : program.missing()) missing.push_back({{"name", gap.name}, {"needed_by", gap.needed_by}});
  const auto& interpreter = program.modules()[0].elf().interpreter();
  nlohmann::json out = {
      {"schema", "sysfence-info/1"},
      {"binary", program.modules()[0].path},
      {"sysroot", loaded->root.host_root().string()},
      {"arch", program.backend().name()},
      {"analysable", program.backend().analysable()},
      {"class", header.bits},
      {"endian", header.order == ByteOrder::Little ? "little" : "big"},
      {"interpreter", interpreter ? nlohmann::json(*interpreter) : nlohmann::json(nullptr)},
      {"go", go_json(program.modules()[0].elf())},
      {"modules", modules},
      {"missing", missing},
  };
  std::cout << json_text(out, 2) << "\n";
  return 0;
}

}  // namespace

void add_info_command(CLI::App& app, int& status) {
  auto options = std::make_shared<ProgramOptions>();
  CLI::App* sub = app.add_subcommand("info", "Show the program model: architecture, modules, bound imports (JSON)");
  add_program_options(*sub, *options);
  sub->callback([options, &status] { status = run_info(*options); });
}

}  // namespace sysfence::cli
