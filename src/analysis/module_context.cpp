#include "analysis/module_context.h"

#include <elf.h>

#include "cfg/code_ranges.h"

namespace sysfence::analysis {
namespace {

/// Where something in a module's data starts: a symbol's value, a section's start.
std::vector<uint64_t> data_boundaries(const program::Module& m, const MemoryView& memory) {
  std::vector<uint64_t> out;
  // No object spans two sections: the linker places each input section whole.
  for (const elf::Section& s : m.elf().sections()) {
    if ((s.flags & SHF_ALLOC) && s.size != 0 && memory.is_data(s.address)) {
      out.push_back(s.address);
      out.push_back(s.address + s.size);
    }
  }
  for (const auto* table : {&m.elf().dynamic_symbols(), &m.elf().symbols()}) {
    for (const elf::Symbol& s : *table) {
      if (!s.is_undefined() && memory.is_data(s.value)) out.push_back(s.value);
    }
  }
  return out;
}

/// The module's GOT: slots that code loads one at a time.
std::vector<std::pair<uint64_t, uint64_t>> got_ranges(const program::Module& m) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const elf::Section& s : m.elf().sections()) {
    if (s.name == ".got" || s.name == ".got.plt") out.emplace_back(s.address, s.address + s.size);
  }
  return out;
}

}  // namespace

ModuleContext::ModuleContext(const program::Module& m, const arch::Backend& backend, Diagnostics& diagnostics)
    : module(m),
      memory(m, backend),
      index(m, backend, diagnostics),
      data(memory.data_pointers(), data_boundaries(m, memory), got_ranges(m)),
      global_pointer(backend.global_pointer(m.elf(), cfg::code_ranges(m.elf()))),
      data_references_complete((backend.conventions().data_references_complete || global_pointer) &&
                               m.elf().header().type != elf::FileType::Executable),
      go(elf::read_go_build_info(m.elf())),
      globals_tracked(data_references_complete ||
                      (go && m.elf().header().type == elf::FileType::Executable)) {
  for (const arch::PltStub& stub : m.plt_stubs) stubs.emplace(stub.address, stub);
  for (const elf::Section& s : m.elf().sections()) {
    if (s.name == ".plt" || s.name == ".plt.sec" || s.name == ".plt.got" || s.name == ".iplt" ||
        s.name == ".MIPS.stubs") {
      plt_ranges.emplace_back(s.address, s.address + s.size);
    }
  }
  for (const program::Import& import : m.imports) {
    if (import.definition) bindings.emplace(import.symbol, *import.definition);
  }
  if (backend.conventions().got_relative_data) got_base = m.elf().dynamic().pltgot;
  file_name = m.path.substr(m.path.rfind('/') + 1);
  soname = m.elf().dynamic().soname;
  if (soname.empty()) soname = file_name;
  value_model = LibraryValues::table().model_for(soname);
  const auto bytes = m.loaded.file.bytes();
  site_model =
      LibraryValues::table().sites_for(soname, {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  for (const auto* table : {&m.elf().dynamic_symbols(), &m.elf().symbols()}) {
    for (const elf::Symbol& s : *table) {
      if (s.is_undefined()) continue;
      const ExecFunction* modelled = ExecCalls::table().function(s.name);
      if (modelled != nullptr) exec_functions.emplace(backend.code_pointer(s.value).address, modelled);
      if (const FillFunction* fill = FillFunction::named(s.name))
        fills.emplace(backend.code_pointer(s.value).address, fill);
      if (const ResultModel* r = LibraryValues::table().result_of(s.name)) {
        results.emplace(backend.code_pointer(s.value).address, r);
      }
    }
  }
  const auto& dynamic = m.elf().dynamic_symbols();
  for (uint32_t i = 0; i < dynamic.size(); ++i) {  // what the GOT entries bound to them call
    if (const FillFunction* fill = FillFunction::named(dynamic[i].name)) fills_by_symbol.emplace(i, fill);
    if (const ResultModel* r = LibraryValues::table().result_of(dynamic[i].name))
      results_by_symbol.emplace(i, r);
  }
  for (const arch::PltStub& stub : m.plt_stubs) {
    if (stub.resolver || stub.symbol >= dynamic.size()) continue;
    if (const FillFunction* fill = FillFunction::named(dynamic[stub.symbol].name))
      fills.emplace(stub.address, fill);
    if (const ResultModel* r = LibraryValues::table().result_of(dynamic[stub.symbol].name))
      results.emplace(stub.address, r);
  }
}

}  // namespace sysfence::analysis
