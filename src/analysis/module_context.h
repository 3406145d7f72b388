#pragma once
/// One module of a program as the whole-program analysis (program_analysis.cpp) sees it.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "analysis/data_regions.h"
#include "analysis/exec_calls.h"
#include "analysis/facts_cache.h"
#include "analysis/function_analyzer.h"
#include "analysis/library_values.h"
#include "analysis/memory_view.h"
#include "arch/arch.h"
#include "cfg/function_index.h"
#include "elf/go_build_info.h"
#include "program/program.h"
#include "util/diagnostics.h"

namespace sysfence::analysis {

/// What the analysis knows of one module of the program before and while it analyses its
/// functions: its memory, function starts, data regions and PLT, the library functions
/// it defines that models describe, and its cached facts.
struct ModuleContext {
  ModuleContext(const program::Module& m, const arch::Backend& backend, Diagnostics& diagnostics);

  const program::Module& module;
  MemoryView memory;
  cfg::FunctionIndex index;
  DataRegions data;
  std::unordered_set<uint64_t> data_named;  ///< addresses analysed code names
  std::optional<uint64_t> global_pointer;   ///< Backend::global_pointer
  std::optional<uint64_t> got_base;         ///< ModuleCode::got_base
  /// The analysis sees every address of its data the code uses (Conventions), and
  /// its pointers are relocated (a fixed-address executable stores plain words).
  bool data_references_complete;
  /// What Go's linker wrote, where Go linked the module (ModuleCode::linked_by_go).
  std::optional<elf::GoBuildInfo> go;
  /// GlobalWrites can tell every way the module's globals change: it sees every address
  /// of its data the code uses, and every pointer into its data. A data_references_complete
  /// module, or a fixed-address executable Go linked: Go's compiler names each global
  /// it reaches (`sym(SB)`, an absolute or pc-relative address), and its data's pointers
  /// are plain words (MemoryView::data_words_in_data). Either, until some function's code
  /// reaches data in a way the analysis cannot name (FunctionFacts::data_reference_lost).
  bool globals_tracked;
  std::unordered_map<uint64_t, arch::PltStub> stubs;
  std::vector<std::pair<uint64_t, uint64_t>> plt_ranges;  ///< sections of PLT stubs

  bool in_plt(uint64_t address) const {
    return std::any_of(plt_ranges.begin(), plt_ranges.end(),
                       [&](const auto& r) { return address >= r.first && address < r.second; });
  }
  std::unordered_map<uint32_t, program::SymbolRef> bindings;
  /// Start addresses of the library functions ExecCalls models.
  std::unordered_map<uint64_t, const ExecFunction*> exec_functions;
  /// Code addresses (functions, PLT stubs) of the fill functions (FillFunction).
  std::unordered_map<uint64_t, const FillFunction*> fills;
  /// Code addresses (functions, PLT stubs) of the functions a result model describes.
  std::unordered_map<uint64_t, const ResultModel*> results;
  /// The same by dynamic symbol, for calls through GOT entries (MIPS: `jalr $t9`).
  std::unordered_map<uint32_t, const FillFunction*> fills_by_symbol;
  std::unordered_map<uint32_t, const ResultModel*> results_by_symbol;
  /// What calls of the module's functions do (FunctionAnalyzer::may_return, clobbered_by).
  mutable CalleeMemo callees;
  /// The module's file name (for reports), and its soname, or the file name when it has
  /// none (an executable).
  std::string file_name;
  std::string soname;
  /// What the module passes where the analysis cannot see it (LibraryValues), if modelled.
  const LibraryValueModel* value_model = nullptr;
  /// What the module's syscall instructions pass (LibraryValues site models), if modelled.
  const SiteModel* site_model = nullptr;
  std::string cache_key;
  ModuleFacts cached;  ///< facts from the cache not (yet) used in this run
  bool cache_dirty = false;
};

}  // namespace sysfence::analysis
