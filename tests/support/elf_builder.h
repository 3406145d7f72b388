#pragma once
/// Writes small, valid ELF files of any class, byte order and machine for tests: a
/// single PT_LOAD mapping the whole file, a dynamic section with the usual tables, GNU
/// symbol versions, a build-id note and section headers. Tests mutate the bytes it
/// returns to make malformed inputs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/byte_reader.h"

namespace sysfence::testing {

struct BuiltSymbol {
  std::string name;
  bool defined = true;
  uint8_t binding = 1;  ///< STB_GLOBAL
  uint8_t type = 2;     ///< STT_FUNC
  std::string version;  ///< "" unversioned; for imports, a version of `version_file`
  std::string version_file;
  bool hidden = false;
  uint64_t value = 0;
  /// Defined at this offset of the `.text` code: build() sets the value.
  std::optional<uint64_t> text_offset;
  uint64_t size = 8;  ///< st_size (a function's extent)
};

struct BuiltRelocation {
  uint64_t offset = 0;
  uint32_t type = 0;
  uint32_t symbol = 0;
  bool plt = false;
};

class ElfBuilder {
 public:
  ElfBuilder(int bits, ByteOrder order, uint16_t machine, uint16_t type = 3 /* ET_DYN */);

  ElfBuilder& interpreter(std::string path);
  ElfBuilder& needed(std::string name);
  ElfBuilder& soname(std::string name);
  ElfBuilder& rpath(std::string list);
  ElfBuilder& runpath(std::string list);
  /// Adds a dynamic symbol; returns its index in .dynsym.
  uint32_t symbol(BuiltSymbol symbol);
  ElfBuilder& relocation(BuiltRelocation relocation);
  ElfBuilder& build_id(std::vector<uint8_t> id);
  /// Machine code for a `.text` section (executable), at layout().text after build();
  /// the entry point is its first byte.
  ElfBuilder& text(std::vector<uint8_t> code);
  /// An empty section of this name beside the usual ones: a marker readers look for
  /// (`.note.go.buildid`: Go linked the file).
  ElfBuilder& marker_section(std::string name);

  /// Where things landed in the last build (file offsets), for mutation tests.
  struct Layout {
    uint64_t dynamic = 0;
    uint64_t dynstr = 0;
    uint64_t dynsym = 0;
    uint64_t verneed = 0;
    uint64_t section_headers = 0;
    uint64_t program_headers = 0;
    uint64_t text = 0;
  };
  std::vector<uint8_t> build();
  const Layout& layout() const { return layout_; }
  static constexpr uint64_t kBase = 0x10000;  ///< virtual address of file offset 0

 private:
  int bits_;
  ByteOrder order_;
  uint16_t machine_;
  uint16_t type_;
  std::optional<std::string> interpreter_, soname_, rpath_, runpath_;
  std::vector<std::string> needed_;
  std::vector<BuiltSymbol> symbols_;
  std::vector<BuiltRelocation> relocations_;
  std::vector<uint8_t> build_id_;
  std::vector<uint8_t> text_;
  std::vector<std::string> marker_sections_;
  Layout layout_;
};

/// 32-bit instruction words (ARM, MIPS) as the bytes of little-endian code.
std::vector<uint8_t> little_endian_code(const std::vector<uint32_t>& words);

/// Writes `bytes` to a new file under `dir` and returns its path.
std::string write_file(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes);

}  // namespace sysfence::testing
