#include "analysis/library_gating.h"

#include <elf.h>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sysfence::analysis {

std::vector<uint64_t> exported_functions(const program::Module& module, const arch::Backend& backend,
                                         std::string_view name) {
  std::vector<uint64_t> out;
  for (const elf::Symbol& s : module.elf().dynamic_symbols()) {
    if (!s.is_undefined() && s.name == name && (s.type == STT_FUNC || s.type == STT_GNU_IFUNC)) {
      out.push_back(backend.code_pointer(s.value).address);
    }
  }
  return out;
}

void LibraryGating::add_module(uint32_t m, const program::Module& module, std::string_view soname) {
  const auto bytes = module.loaded.file.bytes();
  const LibraryModel* model =
      LibraryModels::table().model_for(soname, {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  if (model == nullptr) return;
  for (const elf::Symbol& s : module.elf().dynamic_symbols()) {
    if (!s.is_undefined() && s.type == STT_FUNC) exported_code_.insert(code_key(m, s.value));
  }
  for (const LibraryGate& gate : model->gates) {
    for (const std::string& wrapper : gate.wrappers) {
      for (uint64_t address : exported_functions(module, backend_, wrapper)) {
        gated_wrappers_.emplace(code_key(m, address), gates_.size());
      }
    }
    gates_.push_back({m, &gate});
  }
}

uint64_t LibraryGating::code_key(uint32_t m, uint64_t pointer) const {
  return (uint64_t{m} << 48) ^ backend_.code_pointer(pointer).address;
}

std::optional<size_t> LibraryGating::held_back_by(uint32_t m, uint64_t caller_start, uint64_t target) const {
  auto it = gated_wrappers_.find(code_key(m, target));
  if (it == gated_wrappers_.end() || gates_[it->second].open) return std::nullopt;
  if (exported_code_.count(code_key(m, caller_start))) return std::nullopt;
  return it->second;
}

std::vector<HeldCall> LibraryGating::open_used(const std::function<bool(const ActiveGate&)>& used) {
  bool opened = false;
  for (ActiveGate& gate : gates_) {
    if (!gate.open && used(gate)) gate.open = opened = true;
  }
  if (!opened) return {};
  std::vector<HeldCall> released, still_held;
  for (const HeldCall& held : held_) (gates_[held.gate].open ? released : still_held).push_back(held);
  held_ = std::move(still_held);
  return released;
}

bool LibraryGating::without_unused_features(uint32_t m, std::string_view name,
                                            std::map<uint8_t, std::vector<uint64_t>>& tuple) const {
  for (const ActiveGate& gate : gates_) {
    if (gate.open || gate.module != m) continue;
    for (const GatedValues& gated : gate.gate->values) {
      auto argument = tuple.find(gated.argument);
      if (argument == tuple.end() ||
          std::find(gated.syscalls.begin(), gated.syscalls.end(), name) == gated.syscalls.end()) {
        continue;  // an argument the site does not pin may pass anything
      }
      std::erase_if(argument->second, [&](uint64_t v) {
        return std::find(gated.values.begin(), gated.values.end(), v) != gated.values.end();
      });
      if (argument->second.empty()) return false;
    }
  }
  return true;
}

std::vector<std::string> LibraryGating::closed_gates(
    const std::function<std::string(uint32_t)>& file_name) const {
  std::vector<std::string> out;
  for (const ActiveGate& gate : gates_) {
    if (gate.open) continue;
    std::vector<std::string> held_back;
    if (!gate.gate->wrappers.empty()) {
      held_back.push_back(
          fmt::format("its own calls to {} were not followed", fmt::join(gate.gate->wrappers, ", ")));
    }
    for (const GatedValues& gated : gate.gate->values) {
      held_back.push_back(fmt::format("its {} pass no {} in argument {}", fmt::join(gated.syscalls, " and "),
                                      fmt::join(gated.values, ", "), gated.argument));
    }
    out.push_back(fmt::format("{}: {} unused: {}", file_name(gate.module), gate.gate->feature,
                              fmt::join(held_back, "; ")));
  }
  return out;
}

}  // namespace sysfence::analysis
