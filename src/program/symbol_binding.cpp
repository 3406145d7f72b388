#include "program/symbol_binding.h"

#include <elf.h>

#include <string_view>
#include <unordered_map>

namespace sysfence::program {
namespace {

/// Name → definitions (module, symbol) in global scope order.
using ScopeIndex = std::unordered_map<std::string_view, std::vector<SymbolRef>>;

ScopeIndex build_scope(const std::vector<Module>& modules) {
  ScopeIndex index;
  for (uint32_t m = 0; m < modules.size(); ++m) {
    const auto& symbols = modules[m].elf().dynamic_symbols();
    for (uint32_t s = 1; s < symbols.size(); ++s) {
      if (exports_symbol(symbols[s])) index[symbols[s].name].push_back({m, s});
    }
  }
  return index;
}

bool version_matches(const elf::Symbol& reference, const elf::Symbol& definition) {
  if (!reference.version.empty()) {
    // A library built without versions satisfies any versioned reference (glibc does so).
    return definition.version.empty() || definition.version == reference.version;
  }
  return !definition.version_hidden;
}

}  // namespace

bool exports_symbol(const elf::Symbol& symbol) {
  if (symbol.is_undefined() || symbol.name.empty()) return false;
  if (symbol.binding != STB_GLOBAL && symbol.binding != STB_WEAK && symbol.binding != STB_GNU_UNIQUE) {
    return false;
  }
  if (symbol.visibility == STV_HIDDEN || symbol.visibility == STV_INTERNAL) return false;
  return symbol.type != STT_SECTION && symbol.type != STT_FILE;
}

void bind_imports(std::vector<Module>& modules) {
  const ScopeIndex scope = build_scope(modules);
  for (Module& module : modules) {
    module.imports.clear();
    const auto& symbols = module.elf().dynamic_symbols();
    for (uint32_t s = 1; s < symbols.size(); ++s) {
      const elf::Symbol& reference = symbols[s];
      if (!reference.is_undefined() || reference.name.empty() || reference.binding == STB_LOCAL) continue;
      Import import{s, std::nullopt};
      if (auto it = scope.find(reference.name); it != scope.end()) {
        for (const SymbolRef& candidate : it->second) {
          const elf::Symbol& definition = modules[candidate.module].elf().dynamic_symbols()[candidate.symbol];
          if (version_matches(reference, definition)) {
            import.definition = candidate;
            break;
          }
        }
      }
      module.imports.push_back(import);
    }
  }
}

}  // namespace sysfence::program
