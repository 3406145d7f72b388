#pragma once
/// A module's memory as the analysis may rely on it before the program runs: code, and
/// data that cannot change at run time (read-only segments, RELRO, and slots the loader
/// fills from relocations). Loads from anywhere else are unknown.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/value.h"
#include "arch/arch.h"
#include "program/module.h"

namespace sysfence::analysis {

class MemoryView {
 public:
  MemoryView(const program::Module& module, const arch::Backend& backend);

  /// The code bytes from `address` to the end of its executable segment; empty when
  /// `address` is not in executable memory.
  std::span<const uint8_t> code_from(uint64_t address) const;
  bool is_code(uint64_t address) const { return !code_from(address).empty(); }

  /// What a `width`-byte load from constant `address` yields: a constant, the address of
  /// an import (a GOT slot), or unknown (writable data, ifunc slots, out of range).
  Value load(uint64_t address, int width, bool sign_extend) const;

  /// The NUL-terminated string at constant `address` in memory that cannot change at run
  /// time (a path in .rodata), or nullopt (writable, out of range, unterminated or empty).
  std::optional<std::string> constant_string(uint64_t address) const;

  /// The address of the module a GOT slot at `address` holds once the loader has
  /// relocated it (nothing else writes the GOT); nullopt for any other address.
  std::optional<uint64_t> got_address(uint64_t address) const;

  /// Whether `width` bytes at `address` are writable data without a relocation: a global
  /// whose value the program sets at run time (Value::global).
  bool is_writable_data(uint64_t address, int width) const;
  /// What such a global holds before the program runs: its initialiser in the file, or
  /// zero past the file's bytes (.bss); unknown out of range.
  Value initial_value(uint64_t address, int width) const;

  /// Whether the module stores words most significant byte first.
  bool big_endian() const;

  /// Whether `address` lies in a loaded segment that is not executable.
  bool is_data(uint64_t address) const;

  /// A pointer the loader stores in the module's memory: to an address of the module, or
  /// to a dynamic symbol's definition (GOT slots that are not only called through, and
  /// symbolic relocations).
  struct DataPointer {
    uint64_t slot = 0;
    uint64_t target = 0;  ///< the module address, when `symbol` is 0
    uint32_t symbol = 0;
  };
  /// Every such pointer, by slot address.
  std::vector<DataPointer> data_pointers() const;

  /// In an executable at a fixed address, which stores code pointers as plain words
  /// without relocations: the pointer-sized words of its data whose value (ARM: without
  /// the Thumb bit) is an address in its code. Whether one is a function pointer is the
  /// caller's question (FunctionIndex::may_be_function): in a stripped static program
  /// the functions such tables name (busybox's applets) are known by nothing else.
  std::vector<uint64_t> code_words_in_data() const;
  /// The same for data: the words of an executable at a fixed address whose value is an
  /// address in its data (what relocations name in a position-independent module).
  std::vector<uint64_t> data_words_in_data() const;

  /// The code addresses the GOT of a static executable holds (slots without a
  /// relocation). A GOT slot holds a symbol's address, never a label's, and nothing
  /// rewrites it; in a stripped static program it is the only trace of main, whose
  /// address crt1's _start loads from the GOT on ARM and MIPS.
  std::vector<uint64_t> code_addresses_in_got() const;


 private:
  /// The pointer-sized words of a fixed-address executable's data that `wanted` keeps.
  std::vector<uint64_t> words_in_data(const std::function<bool(uint64_t)>& wanted) const;

  struct Slot {
    uint32_t symbol = 0;
    uint64_t value = 0;  ///< relative: the module-relative address
    bool relative = false;
    bool ifunc = false;
    bool call_only = false;  ///< a PLT slot or MIPS global GOT entry: loaded to be called
    bool in_got = false;  ///< in the GOT, which only the loader writes
  };
  bool constant_memory(uint64_t address, uint64_t size) const;
  /// The `width`-byte word the file holds at `address`, in the module's byte order;
  /// nullopt past the file's bytes or for a width other than 1, 2, 4 or 8.
  std::optional<uint64_t> file_word(uint64_t address, int width) const;

  const program::Module& module_;
  int pointer_size_;
  std::unordered_map<uint64_t, Slot> slots_;
  std::vector<std::pair<uint64_t, uint64_t>> code_;  ///< sorted code ranges
  std::vector<std::pair<uint64_t, uint64_t>> data_;  ///< sorted data ranges
  uint64_t relro_start_ = 0;
  uint64_t relro_end_ = 0;
};

}  // namespace sysfence::analysis
