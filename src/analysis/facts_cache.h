#pragma once
/// The on-disk cache of per-function facts (DESIGN.md: a libc is analysed once per
/// firmware). Facts depend only on the module's bytes, so one file per module, named by
/// a hash of its content and of the sysfence version, holds the facts of every function
/// analysed in it so far. A missing or damaged file is a cache miss, never an error.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/function_facts.h"

namespace sysfence::analysis {

/// What the cache holds of one module.
struct ModuleFacts {
  /// Facts of the module's functions, keyed by start address (with the Thumb bit).
  std::unordered_map<uint64_t, FunctionFacts> functions;
  /// computed_data_addresses of the module, once computed.
  std::optional<std::vector<uint64_t>> computed_addresses;
};

class FactsCache {
 public:
  /// A cache in `directory` (created on first store).
  explicit FactsCache(std::filesystem::path directory) : directory_(std::move(directory)) {}

  /// The cache key of a module: its bytes and the analysis version.
  static std::string key(std::span<const uint8_t> module_bytes);

  /// The facts stored for `key`; empty when none or when the file is damaged.
  ModuleFacts load(const std::string& key) const;
  /// Replaces the facts stored for `key` (written to a temporary file, then renamed), and
  /// removes the same module's files from other cache formats or analyser builds.
  void store(const std::string& key, const std::vector<const FunctionFacts*>& facts,
             const std::optional<std::vector<uint64_t>>& computed_addresses) const;

  /// `$XDG_CACHE_HOME/sysfence`, else `$HOME/.cache/sysfence`.
  static std::filesystem::path default_directory();

 private:
  void remove_superseded(const std::string& key) const;

  std::filesystem::path directory_;
};

/// The key of a function inside ModuleFacts.
inline uint64_t facts_key(uint64_t start, bool thumb) { return start | (thumb ? 1 : 0); }

}  // namespace sysfence::analysis
