#include "analysis/program_analysis.h"

#include <elf.h>
#include <malloc.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/computed_addresses.h"
#include "analysis/data_regions.h"
#include "analysis/exec_calls.h"
#include "analysis/function_analyzer.h"
#include "analysis/global_writes.h"
#include "analysis/library_gating.h"
#include "analysis/library_values.h"
#include "analysis/memory_view.h"
#include "analysis/module_context.h"
#include "analysis/scalar_args.h"
#include "analysis/slot_lookup.h"
#include "analysis/syscall_names.h"
#include "cfg/function_index.h"
#include "elf/go_build_info.h"
#include "util/parallel.h"

namespace sysfence::analysis {
namespace {

// Reporting and termination bounds: beyond them effects become unresolved, never lost.
constexpr size_t kMaxOpenEffects = 64;
constexpr size_t kMaxPathLength = 8;
constexpr size_t kMaxReachedLength = 16;
constexpr size_t kMaxExecSites = 256;  // listed one by one
constexpr uint32_t kNoFunction = UINT32_MAX;
/// How many functions are analysed between two malloc_trim calls (Analysis::explore).
constexpr size_t kFunctionsBetweenTrims = 4096;

struct ResolvedCall {
  size_t site = 0;  ///< index into the caller's facts.calls
  uint32_t callee = 0;
};

struct Function {
  uint32_t module = 0;
  cfg::FunctionExtent extent;
  FunctionFacts facts;
  bool analysed = false;
  bool root = false;
  bool taken = false;
  bool reached_by_pointer = false;
  uint32_t reached_from = kNoFunction;  ///< the function whose analysis first reached it
  std::vector<ResolvedCall> calls;
  std::vector<uint32_t> callers;
};

struct OpenEffect {
  uint64_t site = 0;
  uint32_t origin_module = 0;
  Value number;
  /// The known arguments that may be scalars worth constraining (all, while the number
  /// is not a constant); unknown ones are left out.
  std::vector<IndexedValue> args;
  std::vector<uint32_t> path;  ///< functions, innermost first
  /// The module whose addresses the constant arguments are: where the last parameter
  /// they depend on was instantiated (an exec'd path is a string in that module).
  uint32_t constants_module = 0;
  /// A modelled library function's call (ExecCalls), not a syscall: it only names the
  /// program that runs, in argument execve's path index.
  const ExecFunction* exec_function = nullptr;
  /// The module whose code fixed the number: where the last input it depends on was
  /// instantiated, or whose global a Value::global number reads.
  uint32_t number_module = 0;

  /// Whether code of the site's own module fixed its number (not a caller of its
  /// `syscall()` elsewhere): a site model of that module speaks for its arguments.
  bool number_from_own_module() const { return number_module == origin_module; }

  bool same_effect(const OpenEffect& o) const {
    if (site != o.site || origin_module != o.origin_module || !(number == o.number) || args.size() != o.args.size() ||
        constants_module != o.constants_module || exec_function != o.exec_function) {
      return false;
    }
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].index != o.args[i].index || !(args[i].value == o.args[i].value)) return false;
    }
    return true;
  }
  bool arguments_depend_on_parameters() const {
    return std::any_of(args.begin(), args.end(),
                       [](const IndexedValue& a) { return a.value.depends_on_inputs(); });
  }
};

class Analysis {
 public:
  Analysis(const program::Program& program, Diagnostics& diagnostics, const FactsCache* cache,
           const AnalysisOptions& options)
      : program_(program),
        diagnostics_(diagnostics),
        cache_(cache),
        options_(options),
        names_(program.backend().name()),
        gating_(program.backend()) {}

  Result<AnalysisResult> run() {
    if (!program_.backend().analysable()) {
      return Error{fmt::format("{}: {} code is not analysed", program_.modules()[0].path, program_.backend().name())};
    }
    const unsigned workers = options_.threads != 0 ? options_.threads : worker_count();
    for (unsigned w = 0; w < workers; ++w) {
      auto lifter = program_.backend().make_lifter();
      if (!lifter) return lifter.error();
      lifters_.push_back(std::move(*lifter));
    }
    load_modules();
    if (options_.library_models) apply_library_models();
    result_.arch = std::string(program_.backend().name());
    add_roots();
    add_data_roots();
    explore();
    open_used_gates();
    store_cache();
    for (const auto& [m, count] : undecodable_) {
      diagnostics_.warn(fmt::format("{}: {} byte(s) in {} function(s) did not decode (instructions the disassembler "
                                    "does not know, e.g. AVX-512); they were skipped",
                                    contexts_[m]->module.path, count.first, count.second));
    }
    summarise();
    report_go_modules();
    add_implied();
    result_.functions_analysed = functions_.size();
    result_.address_taken = taken_.size();
    result_.fallback_pointer_calls = fallback_pointer_calls_;
    result_.fallback_ifunc_calls = fallback_ifunc_calls_;
    return std::move(result_);
  }

 private:
  /// The per-module context and cached facts, one module per worker at a time.
  void load_modules() {
    const auto& modules = program_.modules();
    contexts_.resize(modules.size());
    std::vector<Diagnostics> found(modules.size());
    parallel_for(modules.size(), static_cast<unsigned>(lifters_.size()), [&](unsigned worker, size_t m) {
      contexts_[m] = std::make_unique<ModuleContext>(modules[m], program_.backend(), found[m]);
      ModuleContext& c = *contexts_[m];
      if (cache_ != nullptr) {
        c.cache_key = FactsCache::key(modules[m].loaded.file.bytes());
        c.cached = cache_->load(c.cache_key);
      }
      if (c.data_references_complete) cut_data_at_computed_addresses(c, *lifters_[worker]);
    });
    for (const Diagnostics& d : found) {
      for (const std::string& warning : d.warnings()) diagnostics_.warn(warning);
    }
  }

  /// Cuts the module's data where any of its code computes an address (cached: the
  /// whole module is decoded for it).
  void cut_data_at_computed_addresses(ModuleContext& c, arch::Lifter& lifter) {
    if (!c.cached.computed_addresses) {
      c.cached.computed_addresses =
          computed_data_addresses(c.module, program_.backend(), lifter, c.memory, c.index, c.global_pointer);
      c.cache_dirty = cache_ != nullptr;
    }
    for (uint64_t address : *c.cached.computed_addresses) c.data.add_object_start(address);
  }

  // ---- functions and reachability -------------------------------------------------

  /// The function at code pointer `pointer` of module `m` (created and queued if new).
  std::optional<uint32_t> function_at(uint32_t m, uint64_t pointer, std::optional<bool> thumb,
                                      bool by_pointer = false) {
    const arch::CodePointer p = program_.backend().code_pointer(pointer);
    if (!contexts_[m]->memory.is_code(p.address)) return std::nullopt;
    // Every pointer the analysis follows is a code pointer as stored or branched to:
    // on ARM its bit 0 is the instruction set (interworking), set or clear.
    const bool in_thumb = contexts_[m]->index.thumb_for(p.address, thumb.value_or(p.thumb));
    // A function is its address and instruction set: where stripped ARM code is
    // reached in both (a Thumb function, and ARM-mode bytes decoded by mistake),
    // both are analysed, so which one the exploration meets first does not matter.
    const uint64_t key = (uint64_t{m} << 48) ^ facts_key(p.address, in_thumb);
    if (auto it = ids_.find(key); it != ids_.end()) return it->second;
    Function f;
    f.module = m;
    f.extent = contexts_[m]->index.extent(p.address, in_thumb);
    f.reached_from = exploring_;
    f.reached_by_pointer = by_pointer;
    const auto id = static_cast<uint32_t>(functions_.size());
    functions_.push_back(std::move(f));
    ids_.emplace(key, id);
    worklist_.push_back(id);
    return id;
  }

  void make_root(uint32_t m, uint64_t pointer) {
    if (auto id = function_at(m, pointer, std::nullopt)) functions_[*id].root = true;
  }

  /// `symbol_address`: `pointer` is a symbol's value (from the GOT), not just any code
  /// address.
  void make_taken(uint32_t m, uint64_t pointer, bool symbol_address = false) {
    const arch::CodePointer p = program_.backend().code_pointer(pointer);
    const cfg::FunctionIndex& index = contexts_[m]->index;
    // Code addresses inside a function (jump tables in data) are not function pointers.
    if (!contexts_[m]->memory.is_code(p.address)) return;
    if (contexts_[m]->in_plt(p.address)) {
      take_plt_entry(m, p.address);
      return;
    }
    if (symbol_address ? !index.may_be_symbol_address(p.address) : !index.may_be_function(p.address, p.thumb)) return;
    if (!index.is_start(p.address) &&
        !program_.backend().may_start_function(contexts_[m]->memory.code_from(p.address),
                                               index.thumb_for(p.address, p.thumb))) {
      return;
    }
    if (!taken_.insert({m, p.address}).second) return;
    pending_taken_.push_back({m, pointer});
    if (any_unknown_call_) flush_taken();
  }

  /// A PLT address used as a pointer. Only an executable at a fixed address uses its PLT
  /// entries as the addresses of imported functions (canonical PLT entries); position-
  /// independent code takes them from the GOT, so there such a value is a constant that
  /// happens to equal a PLT address (`mov w1, #0xc000` in arm64 lighttpd), and PLT code
  /// is never a function of its own.
  void take_plt_entry(uint32_t m, uint64_t address) {
    if (contexts_[m]->module.elf().header().type != elf::FileType::Executable) return;
    auto stub = contexts_[m]->stubs.find(address);
    if (stub == contexts_[m]->stubs.end()) return;
    if (stub->second.resolver) {
      note_unknown_call(Fallback::Ifunc);  // an ifunc's entry: whatever its resolver picks
    } else {
      through_symbol(m, stub->second.symbol, true);
    }
  }

  void flush_taken() {
    for (const auto& [m, pointer] : pending_taken_) {
      if (auto id = function_at(m, pointer, std::nullopt, true)) functions_[*id].taken = true;
    }
    pending_taken_.clear();
  }

  /// Where dynamic symbol `symbol` of module `m` lives once bound: (module, value).
  std::optional<std::pair<uint32_t, const elf::Symbol*>> definition_of(uint32_t m, uint32_t symbol) const {
    const auto& symbols = contexts_[m]->module.elf().dynamic_symbols();
    if (symbol >= symbols.size()) return std::nullopt;
    if (!symbols[symbol].is_undefined()) return std::make_pair(m, &symbols[symbol]);
    auto it = contexts_[m]->bindings.find(symbol);
    if (it == contexts_[m]->bindings.end()) return std::nullopt;
    const auto& target = contexts_[it->second.module]->module.elf().dynamic_symbols();
    return std::make_pair(it->second.module, &target[it->second.symbol]);
  }

  /// A call or address-take through dynamic symbol `symbol` of module `m`.
  std::optional<uint32_t> through_symbol(uint32_t m, uint32_t symbol, bool taken) {
    auto definition = definition_of(m, symbol);
    if (!definition) return std::nullopt;
    const auto [dm, sym] = *definition;
    if (sym->type == STT_GNU_IFUNC) {
      // The loader runs the resolver; the call reaches what it returns, an address
      // taken inside the resolver: any address-taken function.
      make_root(dm, sym->value);
      note_unknown_call(Fallback::Ifunc);
      return std::nullopt;
    }
    if (taken) {
      make_taken(dm, sym->value);
      return std::nullopt;
    }
    return function_at(dm, sym->value, std::nullopt);
  }

  /// Why a call may go to any address-taken function: its target is a pointer the
  /// analysis cannot tell, or an ifunc, which goes where its resolver says.
  enum class Fallback { Pointer, Ifunc };

  void note_unknown_call(Fallback why) {
    ++(why == Fallback::Pointer ? fallback_pointer_calls_ : fallback_ifunc_calls_);
    if (!any_unknown_call_) {
      any_unknown_call_ = true;
      flush_taken();
    }
  }

  void add_roots() {
    const program::Module& exe = program_.modules()[0];
    make_root(0, exe.elf().header().entry);
    if (program_.interpreter_index() >= 0) {
      const auto i = static_cast<uint32_t>(program_.interpreter_index());
      make_root(i, program_.modules()[i].elf().header().entry);
    }
    for (uint32_t m = 0; m < contexts_.size(); ++m) {
      const auto& d = contexts_[m]->module.elf().dynamic();
      if (d.init) make_root(m, *d.init);
      if (d.fini) make_root(m, *d.fini);
      add_array_roots(m, d.preinit_array, d.preinit_array_size);
      add_array_roots(m, d.init_array, d.init_array_size);
      add_array_roots(m, d.fini_array, d.fini_array_size);
      for (const arch::GotSlot& slot : contexts_[m]->module.got_slots) {
        if (slot.resolver) make_root(m, *slot.resolver);  // ifunc resolvers run at load time
      }
      if (!contexts_[m]->module.loaded_at_run_time.empty()) {
        // glibc calls an NSS service's _nss_SERVICE_* functions through pointers dlsym gave it.
        for (const elf::Symbol& s : contexts_[m]->module.elf().dynamic_symbols()) {
          if (!s.is_undefined() && s.type == STT_FUNC && s.name.starts_with("_nss_")) make_taken(m, s.value, true);
        }
      }
    }
    // A static executable has no dynamic section: its init arrays are found by section.
    for (const elf::Section& s : exe.elf().sections()) {
      if (s.type == SHT_INIT_ARRAY || s.type == SHT_FINI_ARRAY || s.type == SHT_PREINIT_ARRAY) {
        if (!exe.elf().dynamic().present) add_array_roots(0, s.address, s.size);
      }
    }
  }

  void add_array_roots(uint32_t m, std::optional<uint64_t> address, uint64_t size) {
    if (!address) return;
    const program::Module& module = contexts_[m]->module;
    const auto width = static_cast<uint64_t>(program_.backend().conventions().pointer_size);
    // The loader calls what the array holds in the module's memory, where the linker wrote
    // the pointers into the bytes a segment loads from the file. Past those bytes a slot
    // would fault (unmapped) or hold zero (.bss), never a function that runs; and a size
    // from a damaged file (fuzzed: 2^32 or 2^54 bytes) must not keep the analysis
    // reading, or warning, for ever.
    uint64_t unread = 0;
    uint64_t first_unread = 0;
    for (uint64_t offset = 0; offset <= size && size - offset >= width; offset += width) {
      const uint64_t at = *address + offset;
      if (!module.elf().bytes_at(at, width)) {
        diagnostics_.warn(
            fmt::format("{}: initialiser array at {:#x} runs past the bytes its segment loads from the file, "
                        "at {:#x} ({} bytes given): no function is there, so the rest is not read",
                        module.path, *address, at, size));
        break;
      }
      Value v = contexts_[m]->memory.load(at, static_cast<int>(width), false);
      if (v.kind() == Value::Kind::Import) {
        if (auto id = through_symbol(m, v.import_symbol(), false)) functions_[*id].root = true;
      } else if (auto c = v.single()) {
        make_root(m, *c);
      } else if (!v.is_unknown()) {
        for (uint64_t pointer : v) make_root(m, pointer);
      } else if (unread++ == 0) {
        first_unread = at;
      }
    }
    if (unread > 0) {
      diagnostics_.warn(
          fmt::format("{}: {} initialiser slot(s) from {:#x} could not be read; their functions are "
                      "missed only if they are not also address-taken",
                      module.path, unread, first_unread));
    }
  }

  /// The data reached before any code runs: exported objects (other modules and the
  /// loader use them), TLS images, the slots of personality routines (the unwinder reads
  /// them); all of it in modules whose data references the analysis cannot see.
  void add_data_roots() {
    for (uint32_t m = 0; m < contexts_.size(); ++m) {
      ModuleContext& c = *contexts_[m];
      if (!c.data_references_complete) {
        reach_all_data(m);
        continue;
      }
      for (const elf::Symbol& s : c.module.elf().dynamic_symbols()) {
        if (!s.is_undefined() && c.memory.is_data(s.value)) pending_data_.push_back({m, s.value, s.size});
      }
      for (const elf::Section& s : c.module.elf().sections()) {
        if (s.flags & SHF_TLS) pending_data_.push_back({m, s.address, s.size});
      }
      for (uint64_t routine : c.index.personalities()) {
        if (c.memory.is_data(routine)) {
          pending_data_.push_back({m, routine, 0});
        } else {
          make_root(m, routine);
        }
      }
    }
  }

  /// Reaches all of module `m`'s data, and what the pointers in it point to.
  void reach_all_data(uint32_t m) {
    ModuleContext& c = *contexts_[m];
    std::vector<MemoryView::DataPointer> pointers;
    c.data.reach_all(pointers);
    for (const MemoryView::DataPointer& p : pointers) follow_data_pointer(m, p);
    for (uint64_t pointer : c.memory.code_words_in_data()) make_taken(m, pointer);
    for (uint64_t pointer : c.memory.code_addresses_in_got()) make_taken(m, pointer, true);
  }

  /// Reaches the data queued so far, and what the pointers in it point to.
  void reach_pending_data() {
    std::vector<MemoryView::DataPointer> pointers;
    while (!pending_data_.empty()) {
      const auto [m, address, size] = pending_data_.back();
      pending_data_.pop_back();
      pointers.clear();
      contexts_[m]->data.reach(address, size, pointers);
      for (const MemoryView::DataPointer& p : pointers) follow_data_pointer(m, p);
    }
  }

  void follow_data_pointer(uint32_t m, const MemoryView::DataPointer& p) {
    if (p.symbol == 0) {
      if (contexts_[m]->memory.is_code(program_.backend().code_pointer(p.target).address)) {
        make_taken(m, p.target);
      } else if (contexts_[m]->data_references_complete) {
        pending_data_.push_back({m, p.target, 0});
      }
      return;
    }
    auto definition = definition_of(m, p.symbol);
    if (!definition) return;
    const auto [dm, sym] = *definition;
    if (contexts_[dm]->memory.is_data(sym->value)) {
      if (contexts_[dm]->data_references_complete) pending_data_.push_back({dm, sym->value, sym->size});
    } else {
      through_symbol(m, p.symbol, true);
    }
  }

  /// Analyses the queued functions in waves: the facts of a wave's functions are
  /// computed in parallel (they depend on no other function), then followed in queue
  /// order, which queues the next wave; the result does not depend on thread timing.
  void explore() {
    for (;;) {
      // Data is reached between waves, once the code explored so far has cut it into
      // regions as finely as it can.
      if (worklist_.empty()) reach_pending_data();
      if (worklist_.empty()) break;
      std::vector<uint32_t> wave;
      wave.swap(worklist_);
      std::sort(wave.begin(), wave.end());
      wave.erase(std::unique(wave.begin(), wave.end()), wave.end());
      std::erase_if(wave, [&](uint32_t id) { return functions_[id].analysed; });
      std::vector<FunctionFacts> facts(wave.size());
      std::vector<size_t> to_compute;
      for (size_t i = 0; i < wave.size(); ++i) {
        if (auto cached = cached_facts(functions_[wave[i]])) {
          facts[i] = std::move(*cached);
        } else {
          to_compute.push_back(i);
        }
      }
      parallel_for(to_compute.size(), static_cast<unsigned>(lifters_.size()), [&](unsigned worker, size_t k) {
        const Function& f = functions_[wave[to_compute[k]]];
        const ModuleContext& c = *contexts_[f.module];
        FunctionAnalyzer analyzer(
            program_.backend(), *lifters_[worker],
            {c.memory, c.index, c.stubs, c.fills, c.results, c.fills_by_symbol, c.results_by_symbol,
             c.callees, c.global_pointer, c.got_base, c.go.has_value()});
        facts[to_compute[k]] = analyzer.analyze(f.extent);
      });
      for (size_t k : to_compute) contexts_[functions_[wave[k]].module]->cache_dirty = cache_ != nullptr;
      for (size_t i = 0; i < wave.size(); ++i) follow(wave[i], std::move(facts[i]));
      analysed_ += wave.size();
      // The workers free each function's analysis state between the facts that stay, in
      // their own malloc arenas, which keep the freed pages unless asked: a large
      // program's peak memory is a fifth lower (README: speed and memory).
      if (analysed_ - analysed_at_trim_ >= kFunctionsBetweenTrims) {
        malloc_trim(0);
        analysed_at_trim_ = analysed_;
      }
      if (options_.progress) options_.progress({contexts_.size(), analysed_, functions_.size()});
    }
    exploring_ = kNoFunction;
  }

  /// Records the facts of function `id` and follows its calls and escaping addresses.
  void follow(uint32_t id, FunctionFacts facts) {
    const uint32_t m = functions_[id].module;
    if (facts.undecodable > 0) {
      undecodable_[m].first += facts.undecodable;
      undecodable_[m].second++;
    }
    functions_[id].analysed = true;
    exploring_ = id;
    for (size_t i = 0; i < facts.calls.size(); ++i) {
      const CallSite& call = facts.calls[i];
      if (auto gate = held_back_by(id, call)) {
        gating_.hold({id, i, *gate});
        continue;
      }
      if (auto callee = follow_call(m, call)) functions_[id].calls.push_back({i, *callee});
    }
    for (uint64_t pointer : facts.taken_code) make_taken(m, pointer);
    for (uint32_t symbol : facts.taken_imports) through_symbol(m, symbol, true);
    ModuleContext& c = *contexts_[m];
    if (facts.data_reference_lost) c.globals_tracked = false;
    if (facts.data_reference_lost && c.data_references_complete) {
      // Code of the module reads data the analysis cannot name: all of it counts as
      // reached, as in a module without a known global pointer.
      c.data_references_complete = false;
      reach_all_data(m);
    }
    if (c.data_references_complete) {
      for (uint64_t address : facts.data_refs) {
        if (!c.data_named.insert(address).second) continue;  // many functions name the same data
        c.data.add_boundary(address);
        pending_data_.push_back({m, address, 0});
      }
    } else if (c.globals_tracked) {
      c.data_named.insert(facts.data_refs.begin(), facts.data_refs.end());  // for GlobalWrites only
    }
    functions_[id].facts = std::move(facts);
  }

  /// The function a call of module `m` reaches, if the analysis can tell.
  std::optional<uint32_t> follow_call(uint32_t m, const CallSite& call) {
    switch (call.kind) {
      case CallSite::Kind::Local: return function_at(m, call.target, call.target_thumb);
      case CallSite::Kind::Import: return through_symbol(m, call.symbol, false);
      case CallSite::Kind::Unknown:
        note_unknown_call(Fallback::Pointer);
        break;
    }
    return std::nullopt;
  }

  /// The cached facts of a function, if the cache has them (taken out of it).
  std::optional<FunctionFacts> cached_facts(const Function& f) {
    ModuleContext& context = *contexts_[f.module];
    const uint64_t key = facts_key(f.extent.start, f.extent.thumb);
    auto it = context.cached.functions.find(key);
    if (it == context.cached.functions.end() || it->second.end != f.extent.end) return std::nullopt;
    ++result_.functions_from_cache;
    FunctionFacts facts = std::move(it->second);  // moved, not copied: memory
    context.cached.functions.erase(it);
    return facts;
  }

  /// Writes back each module whose facts changed: this run's and the unused cached ones.
  void store_cache() const {
    if (cache_ == nullptr) return;
    for (uint32_t m = 0; m < contexts_.size(); ++m) {
      if (!contexts_[m]->cache_dirty) continue;
      std::vector<const FunctionFacts*> facts;
      for (const Function& f : functions_) {
        if (f.module == m && f.analysed) facts.push_back(&f.facts);
      }
      for (const auto& [key, cached] : contexts_[m]->cached.functions) facts.push_back(&cached);
      cache_->store(contexts_[m]->cache_key, facts, contexts_[m]->cached.computed_addresses);
    }
  }

  // ---- library models (LibraryModels) --------------------------------------------

  void apply_library_models() {
    for (uint32_t m = 0; m < contexts_.size(); ++m)
      gating_.add_module(m, contexts_[m]->module, contexts_[m]->soname);
  }

  /// The closed gate that holds back `call` of function `caller`: a call from the
  /// library's unexported code to one of the gate's wrappers.
  std::optional<size_t> held_back_by(uint32_t caller, const CallSite& call) const {
    if (gating_.empty()) return std::nullopt;
    const uint32_t m = functions_[caller].module;
    uint64_t target = call.target;
    if (call.kind == CallSite::Kind::Import) {  // the library calling its own export
      auto definition = definition_of(m, call.symbol);
      if (!definition || definition->first != m) return std::nullopt;
      target = definition->second->value;
    } else if (call.kind != CallSite::Kind::Local) {
      return std::nullopt;
    }
    return gating_.held_back_by(m, functions_[caller].extent.start, target);
  }

  /// Opens every gate whose feature the reachable code uses, follows the calls it held
  /// back, and repeats with what they reach; lists the gates that stay closed.
  void open_used_gates() {
    for (;;) {
      const std::vector<HeldCall> released =
          gating_.open_used([&](const ActiveGate& g) { return gate_used(g); });
      if (released.empty()) break;
      for (const HeldCall& held : released) {
        exploring_ = held.caller;
        const Function& caller = functions_[held.caller];
        if (auto callee = follow_call(caller.module, caller.facts.calls[held.site])) {
          functions_[held.caller].calls.push_back({held.site, *callee});
        }
      }
      explore();
    }
    result_.closed_gates = gating_.closed_gates([&](uint32_t m) { return contexts_[m]->file_name; });
  }

  /// Whether the program uses the gate's feature: some opener is bound by another
  /// module (`imported`), or reached, through a call that may pass the opening bits.
  bool gate_used(const ActiveGate& gate) const {
    for (const GateOpener& opener : gate.gate->openers) {
      for (uint64_t address :
           exported_functions(contexts_[gate.module]->module, program_.backend(), opener.function)) {
        if (opener.imported ? imported_elsewhere(gate.module, address) : opener_reached(gate.module, address, opener)) {
          return true;
        }
      }
    }
    return false;
  }

  bool imported_elsewhere(uint32_t library, uint64_t address) const {
    for (uint32_t m = 0; m < contexts_.size(); ++m) {
      const program::Module& module = contexts_[m]->module;
      if (m == library || module.is_interpreter) continue;
      for (const program::Import& import : module.imports) {
        if (!import.definition || import.definition->module != library) continue;
        const elf::Symbol& s = contexts_[library]->module.elf().dynamic_symbols()[import.definition->symbol];
        if (program_.backend().code_pointer(s.value).address ==
            program_.backend().code_pointer(address).address) {
          return true;
        }
      }
    }
    return false;
  }

  bool opener_reached(uint32_t library, uint64_t address, const GateOpener& opener) const {
    for (const bool thumb : {false, true}) {  // a function is its address and instruction set
      auto it = ids_.find((uint64_t{library} << 48) ^ facts_key(address, thumb));
      if (it != ids_.end() && opener_used(it->second, opener)) return true;
    }
    return false;
  }

  /// Whether reached function `id`, an opener, is called in a way that opens its gate.
  bool opener_used(uint32_t id, const GateOpener& opener) const {
    const Function& f = functions_[id];
    if (!opener.argument || f.root || f.taken || f.reached_by_pointer) return true;
    bool called = false;
    for (const Function& caller : functions_) {
      for (const ResolvedCall& call : caller.calls) {
        if (call.callee != id) continue;
        called = true;
        if (may_pass_bits(caller.facts.calls[call.site], *opener.argument, opener.bits)) return true;
      }
    }
    return !called;  // reached some other way: assume the worst
  }

  static bool may_pass_bits(const CallSite& call, uint8_t index, uint64_t bits) {
    for (const IndexedValue& a : call.args) {
      if (a.index != index) continue;
      if (!a.value.is_constants()) return true;
      return std::any_of(a.value.begin(), a.value.end(), [&](uint64_t v) { return (v & bits) != 0; });
    }
    return true;  // not known
  }

  // ---- summaries ------------------------------------------------------------------

  std::string describe_function(uint32_t id) const {
    const Function& f = functions_[id];
    const std::string& module = contexts_[f.module]->file_name;
    std::string name = contexts_[f.module]->index.name_at(f.extent.start);
    return name.empty() ? fmt::format("{}:{:#x}", module, f.extent.start) : fmt::format("{}:{}", module, name);
  }

  SyscallOrigin origin_of(const OpenEffect& e) const {
    SyscallOrigin o{contexts_[e.origin_module]->module.path, {}, e.site, {}};
    for (uint32_t f : e.path) o.via.push_back(describe_function(f));
    for (uint32_t f = e.path.back(); o.reached.size() < kMaxReachedLength;) {
      const Function& fn = functions_[f];
      if (fn.reached_from == kNoFunction) {
        o.reached.push_back(fn.root ? "(entry point)" : "(its address is stored in data)");
        break;
      }
      f = fn.reached_from;
      o.reached.push_back(describe_function(f) + (fn.reached_by_pointer ? " (pointer)" : ""));
    }
    return o;
  }

  void resolved(const OpenEffect& e) {
    if (e.exec_function != nullptr) {
      record_exec(e, 0, e.exec_function->searched);
      return;
    }
    for (uint64_t nr : e.number) {
      if (auto path = ExecCalls::table().syscall_path(names_.name(nr).value_or(""))) record_exec(e, *path, false);
      auto& origins = result_.syscalls[nr];
      if (origins.size() < kMaxOriginsPerSyscall) origins.push_back(origin_of(e));
      record_arguments(nr, e);
    }
  }

  /// One site's constraint on syscall `nr`: its scalar arguments with constant values.
  void record_arguments(uint64_t nr, const OpenEffect& e) {
    SyscallArguments& known = result_.arguments[nr];
    const auto& scalars = scalar_indices(nr);
    if (known.any && (scalars.empty() || known.any_from.size() >= kMaxOriginsPerSyscall)) return;
    ArgumentTuple tuple;
    for (const IndexedValue& a : e.args) {
      if (!a.value.is_constants() || !std::binary_search(scalars.begin(), scalars.end(), a.index)) continue;
      tuple[a.index].assign(a.value.begin(), a.value.end());
    }
    for (uint8_t index : scalars) {
      if (tuple.count(index) != 0) continue;
      if (const std::vector<uint64_t>* values = modelled_at_site(nr, e, index)) tuple[index] = *values;
    }
    if (!without_unused_features(nr, e, tuple)) return;
    if (tuple.empty()) {
      known.any = true;  // this site may pass anything
      known.tuples.clear();
      SyscallOrigin origin = origin_of(e);
      const bool listed = std::any_of(known.any_from.begin(), known.any_from.end(), [&](const SyscallOrigin& o) {
        return o.address == origin.address && o.module_path == origin.module_path && o.via == origin.via;
      });
      if (!scalars.empty() && !listed) known.any_from.push_back(std::move(origin));
    } else if (!known.any) {
      known.tuples.insert(std::move(tuple));
    }
  }

  /// What the site model of e's module (LibraryValues) says argument `index` of syscall
  /// `nr` holds at e's instruction, or null: the model speaks only for the library's own
  /// syscalls, whose number its code fixes.
  const std::vector<uint64_t>* modelled_at_site(uint64_t nr, const OpenEffect& e, uint8_t index) const {
    const SiteModel* model = contexts_[e.origin_module]->site_model;
    if (model == nullptr || !e.number_from_own_module()) return nullptr;
    const std::string name = names_.name(nr).value_or("");
    for (const SiteArgument& a : model->arguments) {
      if (a.argument == index && std::find(a.syscalls.begin(), a.syscalls.end(), name) != a.syscalls.end()) {
        return &a.values;
      }
    }
    return nullptr;
  }

  /// Removes from `tuple` the values e's instruction passes only for a feature of its
  /// library that no reachable code uses (LibraryGate values). False when nothing is left
  /// of an argument: the instruction makes the call only for that feature.
  bool without_unused_features(uint64_t nr, const OpenEffect& e, ArgumentTuple& tuple) const {
    if (!e.number_from_own_module()) return true;
    return gating_.without_unused_features(e.origin_module, names_.name(nr).value_or(""), tuple);
  }

  /// An exec site: the program it runs is argument `index` of `e`, a path in
  /// e.constants_module when it is a constant.
  void record_exec(const OpenEffect& e, uint8_t index, bool searched) {
    std::vector<std::optional<std::string>> paths;
    auto argument = std::find_if(e.args.begin(), e.args.end(), [&](const IndexedValue& a) { return a.index == index; });
    if (argument == e.args.end() || !argument->value.is_constants()) {
      paths.emplace_back();
    } else {
      for (uint64_t address : argument->value) {
        paths.push_back(contexts_[e.constants_module]->memory.constant_string(address));
      }
    }
    for (auto& path : paths) {
      // Sites whose path is not a constant all say the same: past the bound they are not
      // listed one by one. A constant path is always kept: its program joins the profile.
      if (!path && result_.exec_sites.size() >= kMaxExecSites) continue;
      if (!exec_seen_.insert({e.origin_module, e.site, path.value_or(""), e.path.back()}).second) continue;
      result_.exec_sites.push_back({origin_of(e), std::move(path), searched});
    }
  }

  /// Go code makes its syscalls through Go's own runtime, whose wrappers take the number
  /// from their Go caller in Go's own calling conventions, which the analysis does not
  /// model yet (README: Go programs): each module Go linked is a gap the profile reports
  /// as unresolved, so that it is never taken for whole.
  void report_go_modules() {
    for (const auto& context : contexts_) {
      const program::Module& module = context->module;
      const std::optional<elf::GoBuildInfo>& go = context->go;
      if (!go) continue;
      SyscallOrigin origin;
      origin.module_path = module.path;
      origin.address = module.elf().header().entry;
      origin.via = {"Go code"};
      origin.reached = {"(entry point)"};
      result_.unresolved.push_back(
          {std::move(origin),
           fmt::format(
               "{} was linked by Go ({}{}): its Go code makes syscalls through Go's runtime in Go's own "
               "calling conventions, which sysfence does not model yet, so the profile may lack some",
               module.path, go->version.empty() ? "version unknown" : go->version, go->cgo ? ", cgo" : "")});
    }
  }

  void unresolved(const OpenEffect& e, std::string reason) {
    if (!reported_.insert({e.origin_module, e.site}).second) return;
    result_.unresolved.push_back({origin_of(e), std::move(reason)});
  }

  /// Keeps of `e`'s arguments those that may be scalars of its syscall(s).
  void keep_scalar_arguments(OpenEffect& e) {
    if (!e.number.is_constants()) return;  // any argument may matter for some number
    std::erase_if(e.args, [&](const IndexedValue& a) {
      for (uint64_t nr : e.number) {
        const auto& scalars = scalar_indices(nr);
        if (std::binary_search(scalars.begin(), scalars.end(), a.index)) return false;
        if (e.exec_function != nullptr ? a.index == 0 : exec_path_index(nr) == a.index) return false;
      }
      return true;
    });
  }

  /// The argument of syscall `nr` that holds the path it executes (ExecCalls), if any.
  std::optional<uint8_t> exec_path_index(uint64_t nr) const {
    return ExecCalls::table().syscall_path(names_.name(nr).value_or(""));
  }

  /// The scalar arguments (ScalarArgs) of syscall `nr` of this architecture.
  const std::vector<uint8_t>& scalar_indices(uint64_t nr) {
    auto [it, fresh] = scalar_indices_.try_emplace(nr);
    if (fresh) it->second = &ScalarArgs::table().indices(names_.name(nr).value_or(""));
    return *it->second;
  }

  /// Files a syscall effect seen in function `f`: resolved, open (its number or a scalar
  /// argument depends on f's parameters), or unresolved (`context()` says where).
  template <class Context>
  void classify(uint32_t f, OpenEffect e, const Context& context) {
    keep_scalar_arguments(e);
    if (e.number.is_constants()) {
      if (e.arguments_depend_on_parameters()) {
        add_open(f, std::move(e));
      } else {
        resolved(e);
      }
    } else if (e.number.depends_on_inputs()) {
      add_open(f, std::move(e));
    } else if (e.number.kind() == Value::Kind::Global) {
      resolve_global(f, std::move(e), context);
    } else {
      unresolved(e, fmt::format("syscall number is not a constant {}", context()));
    }
  }

  // ---- globals (Value::global) ------------------------------------------------------

  /// A syscall whose number is read from a global (or through the pointer a global
  /// holds): every value a reachable store puts there, and the initial one. A value that
  /// is an input of the storing function moves the effect there, to be instantiated at
  /// its callers (glibc's setxid signal handler reads the number through `xidcmd`, which
  /// __nptl_setxid sets to its parameter, so the number is that of its callers' struct).
  template <class Context>
  void resolve_global(uint32_t f, OpenEffect e, const Context& context) {
    const Value global = e.number;
    const uint32_t m = e.number_module;
    const uint8_t width = global.global_through() ? static_cast<uint8_t>(program_.backend().conventions().pointer_size)
                                                  : global.global_width();
    auto fail = [&](const std::string& why) {
      unresolved(e, fmt::format("syscall number is read from {} of {} {}: {}", global.to_string(),
                                contexts_[m]->file_name, context(),
                                why));
    };
    if (auto why = globals_->untracked(m, *contexts_[m], global.global_address(), width)) return fail(*why);
    Value constants;
    for (const GlobalWrites::Write& write :
         globals_->writes_to(m, *contexts_[m], global.global_address(), width)) {
      const Value& v = write.value;
      if (global.global_through()) {
        if (v.single() == std::optional<uint64_t>{0}) continue;  // a null pointer is never read through
        if (!v.is_plain_parameter() || write.function == GlobalWrites::kInitialValue) {
          return fail(fmt::format("it may point to {}", v.to_string()));
        }
        Value field = Value::field({v.parameter_index(), v.addend() + global.global_offset(), global.global_width()});
        if (global.global_sign_extended()) {
          field = field.sign_extend(8 * global.global_width(), 8 * program_.backend().conventions().pointer_size);
        }
        move_effect(e, write.function, std::move(field));
      } else if (v.is_constants()) {
        constants = constants.is_unknown() ? v : constants.join(v);
        if (constants.is_unknown()) return fail("it holds too many values");
      } else if (v.depends_on_inputs() && write.function != GlobalWrites::kInitialValue) {
        move_effect(e, write.function, v);
      } else {
        return fail(fmt::format("a store puts {} there", v.to_string()));
      }
    }
    if (constants.is_unknown()) return;
    e.number = constants;
    classify(f, std::move(e), context);
  }

  /// `e` with its number as `number` in function `storer`, which stores it where `e`'s
  /// site reads it; arguments that depend on the reading function's inputs mean nothing
  /// there and are left out (any value).
  void move_effect(const OpenEffect& e, uint32_t storer, Value number) {
    OpenEffect moved = whatever_the_inputs(e);
    moved.number = std::move(number);
    moved.number_module = functions_[storer].module;
    if (moved.path.size() < kMaxPathLength) moved.path.push_back(storer);
    classify(storer, std::move(moved), [&] { return "in " + describe_function(storer); });
  }

  /// `e` as it is whatever the inputs of its function hold (nothing instantiates them):
  /// its number and arguments the few values a mask leaves them, arguments that stay
  /// unknown dropped (any value).
  OpenEffect whatever_the_inputs(OpenEffect e) const {
    const int bits = program_.backend().conventions().pointer_size * 8;
    e.number = e.number.without_inputs(bits);
    for (IndexedValue& a : e.args) a.value = a.value.without_inputs(bits);
    std::erase_if(e.args, [](const IndexedValue& a) { return a.value.is_unknown(); });
    return e;
  }

  void add_open(uint32_t f, OpenEffect e) {
    auto& list = open_[f];
    for (const OpenEffect& known : list) {
      if (known.same_effect(e)) return;
    }
    if (list.size() >= kMaxOpenEffects) {
      if (OpenEffect fixed = whatever_the_inputs(e); fixed.number.is_constants()) {
        resolved(std::move(fixed));
      } else {
        unresolved(e, fmt::format("too many parameter-dependent syscall sites in {}", describe_function(f)));
      }
      return;
    }
    list.push_back(std::move(e));
    dirty_.push_back(f);
  }

  void summarise() {
    globals_.emplace(contexts_.size());
    for (uint32_t id = 0; id < functions_.size(); ++id)
      globals_->add_function(functions_[id].module, id, functions_[id].facts);
    for (uint32_t m = 0; m < contexts_.size(); ++m) globals_->add_module(m, *contexts_[m]);
    for (uint32_t f = 0; f < functions_.size(); ++f) {
      for (uint32_t callee_index = 0; callee_index < functions_[f].calls.size(); ++callee_index) {
        functions_[functions_[f].calls[callee_index].callee].callers.push_back(f);
      }
    }
    for (auto& f : functions_) {
      std::sort(f.callers.begin(), f.callers.end());
      f.callers.erase(std::unique(f.callers.begin(), f.callers.end()), f.callers.end());
    }
    for (uint32_t f = 0; f < functions_.size(); ++f) {
      const uint32_t m = functions_[f].module;
      for (const SyscallSite& site : functions_[f].facts.syscalls) {
        OpenEffect e{site.address, m, site.number, site.args, {f}, m};
        e.number_module = m;
        classify(f, std::move(e), [&] { return "in " + describe_function(f); });
      }
      seed_exec_function(f);
    }
    // Instantiate parameter-dependent sites at every call site, bottom-up to a fixpoint.
    std::vector<size_t> seen(functions_.size(), 0);  // open effects of g already pushed up
    while (!dirty_.empty()) {
      const uint32_t g = dirty_.back();
      dirty_.pop_back();
      const size_t from = seen[g];
      const size_t to = open_[g].size();
      if (from == to) continue;
      seen[g] = to;
      for (uint32_t f : functions_[g].callers) {
        for (const ResolvedCall& call : functions_[f].calls) {
          if (call.callee != g) continue;
          const CallSite& site = functions_[f].facts.calls[call.site];
          for (size_t i = from; i < to; ++i) instantiate(f, site, open_[g][i], g);
        }
      }
    }
    // Functions entered with unknown parameters: entry points and, when some indirect
    // call is unresolved, every address-taken function.
    for (const auto& [f, effects] : open_) {
      const Function& fn = functions_[f];
      if (!fn.root && !(fn.taken && any_unknown_call_)) continue;
      for (const OpenEffect& e : effects) {
        if (OpenEffect fixed = whatever_the_inputs(e); fixed.number.is_constants()) {
          resolved(std::move(fixed));
          continue;
        }
        unresolved(e, fmt::format("syscall number is {} of {}, which is {}", describe_input(e.number),
                                  describe_function(f), fn.root ? "an entry point" : "called through a pointer"));
      }
    }
  }

  /// A call of a library function that runs the program its path parameter names
  /// (ExecCalls: posix_spawn hands it to the child through memory): an effect that
  /// carries the path up to the callers, as execve's path argument.
  void seed_exec_function(uint32_t f) {
    const Function& fn = functions_[f];
    const auto& modelled = contexts_[fn.module]->exec_functions;
    auto it = modelled.find(fn.extent.start);
    auto execve = names_.number("execve");
    if (it == modelled.end() || !execve) return;
    OpenEffect e{fn.extent.start, fn.module, Value::constant(*execve), {{0, Value::parameter(it->second->path)}}, {f},
                 fn.module};
    e.exec_function = it->second;
    add_open(f, std::move(e));
  }

  /// "parameter 2", or "[param0+0x20]:8|[param0]:4" for fields read through parameters.
  static std::string describe_input(const Value& v) {
    return v.kind() == Value::Kind::Parameter ? fmt::format("parameter {}", v.parameter_index()) : v.to_string();
  }

  void instantiate(uint32_t f, const CallSite& site, const OpenEffect& e, uint32_t g) {
    auto argument = [&](uint8_t index) {
      Value known;
      for (const IndexedValue& a : site.args) {
        if (a.index == index) known = a.value;
      }
      if (known.is_constants()) return known;
      return modelled_argument(f, g, index).value_or(known);
    };
    auto field = [&](Value::FieldRef ref) { return passed_field(functions_[f].module, site, ref, argument(ref.index)); };
    const int bits = program_.backend().conventions().pointer_size * 8;
    OpenEffect up = e;
    up.number = e.number.substitute(argument, field, bits);
    if (e.number.depends_on_inputs()) up.number_module = functions_[f].module;
    up.args.clear();
    for (const IndexedValue& a : e.args) {
      Value v = a.value.substitute(argument, field, bits);
      if (a.value.depends_on_inputs() && v.is_constants()) up.constants_module = functions_[f].module;
      if (!v.is_unknown()) up.args.push_back({a.index, std::move(v)});
    }
    if (up.path.size() < kMaxPathLength) up.path.push_back(f);
    classify(f, std::move(up), [&] {
      return fmt::format("({} of {} is not a constant at {:#x} in {})", describe_input(e.number),
                         describe_function(g), site.address, describe_function(f));
    });
  }

  /// What a library value model (LibraryValues) says function f's module passes in
  /// argument `index` of its calls of function g, where the analysis has no constant for
  /// it (unknown, or an input of f: libcap's hook passes on its caller's number).
  std::optional<Value> modelled_argument(uint32_t f, uint32_t g, uint8_t index) const {
    const LibraryValueModel* model = contexts_[functions_[f].module]->value_model;
    if (model == nullptr) return std::nullopt;
    const std::string callee = contexts_[functions_[g].module]->index.name_at(functions_[g].extent.start);
    for (const ModelledArgument& a : model->arguments) {
      if (a.function != callee || a.argument != index) continue;
      std::vector<uint64_t> numbers = program_.backend().name().starts_with("mips") ? a.mips_values : a.values;
      for (const std::string& name : a.syscalls) {
        // A syscall the architecture lacks (setgroups32 off 32-bit ARM) cannot be made.
        if (const auto nr = names_.number(name)) numbers.push_back(*nr);
      }
      if (numbers.empty()) return std::nullopt;
      Value out = Value::constant(numbers.front());
      for (size_t i = 1; i < numbers.size(); ++i) out = out.join(Value::constant(numbers[i]));
      if (out.is_unknown()) return std::nullopt;
      return out;
    }
    return std::nullopt;
  }

  /// What a callee's field `ref` holds at call `site` of module `m`, where the argument
  /// it is read through has value `argument`: a field of a stack object the caller
  /// passes (as the call recorded it), a field read through the caller's own parameter
  /// (unless the caller wrote memory first), or constant memory.
  Value passed_field(uint32_t m, const CallSite& site, Value::FieldRef ref, const Value& argument) const {
    switch (argument.kind()) {
      case Value::Kind::Stack: {
        std::vector<PassedField> of_argument;
        for (const PassedField& p : site.passed) {
          if (p.index == ref.index) of_argument.push_back(p);
        }
        return slot_value(of_argument.begin(), of_argument.end(), ref.offset, ref.width, Value::unknown(),
                          contexts_[m]->memory.big_endian());
      }
      case Value::Kind::Parameter:
        if (site.memory_written || !argument.is_plain_parameter()) {
          return Value::unknown();
        }
        return Value::field({argument.parameter_index(), argument.addend() + ref.offset, ref.width});
      case Value::Kind::Constants: {
        Value out = contexts_[m]->memory.load(*argument.begin() + static_cast<uint64_t>(ref.offset), ref.width, false);
        for (const uint64_t* it = argument.begin() + 1; it != argument.end() && !out.is_unknown(); ++it) {
          out = out.join(contexts_[m]->memory.load(*it + static_cast<uint64_t>(ref.offset), ref.width, false));
        }
        return out.is_constants() ? out : Value::unknown();
      }
      default: return Value::unknown();
    }
  }

  // ---- syscalls without an instruction ------------------------------------------

  /// A syscall made without an instruction of the program's for it, with any arguments.
  void imply(std::string_view name, const std::string& reason) {
    auto nr = names_.number(name);
    if (!nr) return;
    result_.arguments[*nr] = {true, {}, {}};
    if (!result_.syscalls.count(*nr)) result_.implied.emplace(*nr, reason);
  }

  void add_implied() {
    imply("restart_syscall", "the kernel makes a process issue it after an interrupted call");
    imply("execve", "a filter installed before exec sees the launcher's execve");
    const bool handlers = names_.number("rt_sigaction") && result_.syscalls.count(*names_.number("rt_sigaction"));
    if (handlers) {
      imply("rt_sigreturn", "signal handlers return through it (vDSO or libc restorer)");
      imply("sigreturn", "signal handlers return through it (vDSO or libc restorer)");
    }
  }

  const program::Program& program_;
  Diagnostics& diagnostics_;
  const FactsCache* cache_;
  AnalysisOptions options_;
  SyscallNames names_;
  std::vector<std::unique_ptr<arch::Lifter>> lifters_;  ///< one per worker thread
  std::vector<std::unique_ptr<ModuleContext>> contexts_;
  std::vector<Function> functions_;
  std::unordered_map<uint64_t, uint32_t> ids_;
  std::vector<uint32_t> worklist_;
  size_t analysed_ = 0;  ///< functions whose facts were followed
  size_t analysed_at_trim_ = 0;  ///< analysed_ when freed memory was last given back
  std::set<std::pair<uint32_t, uint64_t>> taken_;
  std::vector<std::pair<uint32_t, uint64_t>> pending_taken_;
  struct DataReference {
    uint32_t module = 0;
    uint64_t address = 0;
    uint64_t size = 0;
  };
  std::vector<DataReference> pending_data_;
  bool any_unknown_call_ = false;
  size_t fallback_pointer_calls_ = 0;
  size_t fallback_ifunc_calls_ = 0;
  uint32_t exploring_ = kNoFunction;  ///< the function whose calls are being followed
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> undecodable_;  ///< module -> (bytes, functions)
  std::unordered_map<uint32_t, std::vector<OpenEffect>> open_;
  std::vector<uint32_t> dirty_;
  std::set<std::pair<uint32_t, uint64_t>> reported_;
  std::set<std::tuple<uint32_t, uint64_t, std::string, uint32_t>> exec_seen_;  ///< module, site, path, outermost
  std::unordered_map<uint64_t, const std::vector<uint8_t>*> scalar_indices_;  ///< by syscall number
  std::optional<GlobalWrites> globals_;                                       ///< from summarise() on
  LibraryGating gating_;
  AnalysisResult result_;
};

}  // namespace

Result<AnalysisResult> analyse_program(const program::Program& program, Diagnostics& diagnostics,
                                       const FactsCache* cache, const AnalysisOptions& options) {
  return Analysis(program, diagnostics, cache, options).run();
}

}  // namespace sysfence::analysis
