#pragma once
/// Bounds-checked ELF reader for ELF32/ELF64, little and big endian (DESIGN.md elf/).
/// Class and byte order stay inside this folder: callers see plain value types with
/// 64-bit fields. Parsing a malformed file yields an Error naming the file and offset.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/byte_reader.h"
#include "util/result.h"

namespace sysfence::elf {

enum class FileType { Relocatable, Executable, SharedObject, Core, Other };

/// The fields of the ELF header that later stages need.
struct Header {
  int bits = 0;  ///< 32 or 64
  ByteOrder order = ByteOrder::Little;
  FileType type = FileType::Other;
  uint16_t machine = 0;  ///< EM_* from <elf.h>
  uint32_t flags = 0;    ///< e_flags (ARM EABI version, MIPS ABI bits)
  uint8_t os_abi = 0;
  uint64_t entry = 0;
};

struct Section {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t address = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
  uint32_t info = 0;
  uint64_t entry_size = 0;
};

struct Segment {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t address = 0;
  uint64_t file_size = 0;
  uint64_t memory_size = 0;
};

/// One symbol of .dynsym or .symtab, with its GNU symbol version when it has one.
struct Symbol {
  std::string name;
  uint64_t value = 0;
  uint64_t size = 0;
  uint8_t type = 0;        ///< STT_*
  uint8_t binding = 0;     ///< STB_*
  uint8_t visibility = 0;  ///< STV_*
  uint16_t section_index = 0;
  std::string version;       ///< "" when unversioned (or base/local)
  std::string version_file;  ///< for an import: the library the version is required from
  bool version_hidden = false;  ///< a non-default version ("@" rather than "@@")

  bool is_undefined() const { return section_index == 0; }
};

/// A dynamic relocation (from DT_REL/DT_RELA/DT_JMPREL, or allocated reloc sections).
struct Relocation {
  uint64_t offset = 0;  ///< virtual address patched
  uint32_t type = 0;
  uint32_t symbol = 0;  ///< index into the dynamic symbol table, 0 for none
  int64_t addend = 0;
  bool has_addend = false;
  bool is_plt = false;  ///< came from DT_JMPREL
};

/// What the dynamic section says, in the loader's terms.
struct DynamicInfo {
  bool present = false;
  std::vector<std::string> needed;
  std::string soname;
  std::optional<std::string> rpath;
  std::optional<std::string> runpath;
  std::optional<uint64_t> init;
  std::optional<uint64_t> fini;
  std::optional<uint64_t> init_array;
  uint64_t init_array_size = 0;
  std::optional<uint64_t> fini_array;
  uint64_t fini_array_size = 0;
  std::optional<uint64_t> preinit_array;
  uint64_t preinit_array_size = 0;
  std::optional<uint64_t> pltgot;
  uint64_t flags = 0;
  uint64_t flags_1 = 0;
  // MIPS GOT layout (DT_MIPS_*): global GOT entries follow the local ones and map
  // one-to-one onto dynamic symbols from `mips_gotsym` on.
  std::optional<uint64_t> mips_local_gotno;
  std::optional<uint64_t> mips_gotsym;
  std::optional<uint64_t> mips_symtabno;
  std::optional<uint64_t> mips_base_address;
};

/// A parsed ELF file. Holds a view of the bytes; the owner (e.g. MappedFile) must
/// outlive it.
class ElfFile {
 public:
  /// Parses `bytes`; `name` is used in every error and warning message.
  static Result<ElfFile> parse(std::span<const uint8_t> bytes, std::string name);

  const std::string& name() const { return name_; }
  const Header& header() const { return header_; }
  const std::vector<Section>& sections() const { return sections_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const DynamicInfo& dynamic() const { return dynamic_; }
  /// Dynamic symbols, index 0 being the null symbol when the table exists.
  const std::vector<Symbol>& dynamic_symbols() const { return dynamic_symbols_; }
  /// Static symbols (.symtab); empty for stripped files.
  const std::vector<Symbol>& symbols() const { return symbols_; }
  const std::vector<Relocation>& relocations() const { return relocations_; }
  /// Slots relocated by DT_RELR (packed relative relocations): each holds base + its
  /// own stored value.
  const std::vector<uint64_t>& relr_slots() const { return relr_slots_; }
  const std::optional<std::string>& interpreter() const { return interpreter_; }
  /// GNU build-id as lowercase hex, "" when absent.
  const std::string& build_id() const { return build_id_; }
  /// Problems that did not stop parsing (e.g. a bad version table); for the user.
  const std::vector<std::string>& warnings() const { return warnings_; }

  /// The first section called `name`, or null.
  const Section* find_section(std::string_view name) const;
  /// File bytes backing [address, address+size) of a loaded segment; an error when
  /// the range is not wholly inside one segment's file image.
  Result<std::span<const uint8_t>> bytes_at(uint64_t address, uint64_t size) const;
  /// The pointer-sized word (4 or 8 bytes, file byte order) stored at virtual `address`.
  Result<uint64_t> read_address(uint64_t address) const;
  /// The addend of `rel`: explicit (RELA) or stored in the slot it patches (REL, as on
  /// 32-bit ARM and MIPS).
  Result<uint64_t> addend(const Relocation& rel) const;
  /// Contents of a section (empty for SHT_NOBITS); an error when it leaves the file.
  Result<std::span<const uint8_t>> section_bytes(const Section& section) const;
  /// A reader over the whole file in its byte order.
  const ByteReader& reader() const { return reader_; }

 private:
  ElfFile(std::span<const uint8_t> bytes, std::string name, ByteOrder order);
  friend class Parser;

  std::string name_;
  ByteReader reader_;
  Header header_;
  std::vector<Section> sections_;
  std::vector<Segment> segments_;
  DynamicInfo dynamic_;
  std::vector<Symbol> dynamic_symbols_;
  std::vector<Symbol> symbols_;
  std::vector<Relocation> relocations_;
  std::vector<uint64_t> relr_slots_;
  std::optional<std::string> interpreter_;
  std::string build_id_;
  std::vector<std::string> warnings_;
};

}  // namespace sysfence::elf
