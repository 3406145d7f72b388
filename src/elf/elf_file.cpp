#include "elf/elf_file.h"

#include <elf.h>

#include <algorithm>

#include <fmt/format.h>

namespace sysfence::elf {
namespace {

// Caps that keep a hostile file from making the reader spin or allocate without end.
// Real binaries stay far below them (libcrypto.so.3: ~30 sections, ~5,000 dynsyms).
constexpr uint64_t kMaxVersionEntries = 1u << 16;
constexpr uint64_t kMaxNoteCount = 4096;

/// Sequential reader over one record whose bounds the caller has already checked.
class RecordCursor {
 public:
  RecordCursor(const ByteReader& reader, uint64_t offset, bool wide)
      : reader_(reader), offset_(offset), wide_(wide) {}
  uint8_t u8() { return take<uint8_t>(); }
  uint16_t u16() { return take<uint16_t>(); }
  uint32_t u32() { return take<uint32_t>(); }
  uint64_t u64() { return take<uint64_t>(); }
  /// An address/offset/size field: 4 bytes in ELF32, 8 in ELF64.
  uint64_t word() { return wide_ ? take<uint64_t>() : take<uint32_t>(); }

 private:
  template <class T>
  T take() {
    T value = reader_.read_unchecked<T>(offset_);
    offset_ += sizeof(T);
    return value;
  }
  const ByteReader& reader_;
  uint64_t offset_;
  bool wide_;
};

FileType file_type(uint16_t e_type) {
  switch (e_type) {
    case ET_REL: return FileType::Relocatable;
    case ET_EXEC: return FileType::Executable;
    case ET_DYN: return FileType::SharedObject;
    case ET_CORE: return FileType::Core;
    default: return FileType::Other;
  }
}

std::string hex_string(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

}  // namespace

/// Does the work of ElfFile::parse; one method per table, in dependency order.
class Parser {
 public:
  explicit Parser(ElfFile& file) : f_(file), r_(file.reader_) {}

  Result<void> run() {
    if (auto ok = parse_header(); !ok) return ok;
    if (auto ok = parse_segments(); !ok) return ok;
    if (auto ok = parse_sections(); !ok) return ok;
    if (auto ok = parse_interpreter(); !ok) return ok;
    if (auto ok = parse_dynamic(); !ok) return ok;
    if (auto ok = parse_dynamic_symbols(); !ok) return ok;
    if (auto ok = parse_static_symbols(); !ok) return ok;
    if (auto ok = parse_relocations(); !ok) return ok;
    parse_versions();
    parse_build_id();
    return {};
  }

 private:
  bool wide() const { return f_.header_.bits == 64; }
  uint64_t word_size() const { return wide() ? 8 : 4; }

  Result<void> parse_header() {
    const uint64_t ehsize = wide() ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (!r_.contains(0, ehsize)) {
      return r_.error_at(0, fmt::format("truncated ELF header ({} of {} bytes)", r_.size(), ehsize));
    }
    RecordCursor c(r_, EI_NIDENT, wide());
    Header& h = f_.header_;
    h.os_abi = r_.read_unchecked<uint8_t>(EI_OSABI);
    h.type = file_type(c.u16());
    h.machine = c.u16();
    uint32_t version = c.u32();
    if (version != EV_CURRENT) return r_.error_at(20, fmt::format("unknown ELF version {}", version));
    h.entry = c.word();
    phoff_ = c.word();
    shoff_ = c.word();
    h.flags = c.u32();
    c.u16();  // e_ehsize
    phentsize_ = c.u16();
    phnum_ = c.u16();
    shentsize_ = c.u16();
    shnum_ = c.u16();
    shstrndx_ = c.u16();
    return {};
  }

  // Section 0 carries the real counts when they overflow the 16-bit header fields.
  Result<void> read_extended_counts() {
    const uint64_t expected = wide() ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    if (shoff_ == 0 || shentsize_ != expected || !r_.contains(shoff_, expected)) {
      return r_.error_at(shoff_, "extended section/segment count without a valid section 0");
    }
    RecordCursor c(r_, shoff_, wide());
    c.u32();                       // sh_name
    c.u32();                       // sh_type
    c.word();                      // sh_flags
    c.word();                      // sh_addr
    c.word();                      // sh_offset
    uint64_t size = c.word();      // sh_size: real e_shnum
    uint32_t link = c.u32();       // sh_link: real e_shstrndx
    uint32_t info = c.u32();       // sh_info: real e_phnum
    if (shnum_ == 0) shnum_ = size;
    if (shstrndx_ == SHN_XINDEX) shstrndx_ = link;
    if (phnum_ == PN_XNUM) phnum_ = info;
    return {};
  }

  Result<void> check_table(uint64_t offset, uint64_t count, uint64_t entsize, uint64_t expected,
                           std::string_view what) {
    if (count == 0) return {};
    if (entsize != expected) {
      return r_.error_at(offset, fmt::format("{} entry size {} (expected {})", what, entsize, expected));
    }
    uint64_t bytes = 0;
    if (!checked_mul(count, entsize, bytes) || !r_.contains(offset, bytes)) {
      return r_.error_at(offset, fmt::format("{} table of {} entries runs past end of file", what, count));
    }
    return {};
  }

  Result<void> parse_segments() {
    if ((shnum_ == 0 && shoff_ != 0) || shstrndx_ == SHN_XINDEX || phnum_ == PN_XNUM) {
      if (auto ok = read_extended_counts(); !ok) return ok;
    }
    const uint64_t expected = wide() ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (auto ok = check_table(phoff_, phnum_, phentsize_, expected, "program header"); !ok) return ok;
    f_.segments_.reserve(phnum_);
    for (uint64_t i = 0; i < phnum_; ++i) {
      RecordCursor c(r_, phoff_ + i * expected, wide());
      Segment s;
      s.type = c.u32();
      if (wide()) {
        s.flags = c.u32();
        s.offset = c.u64();
        s.address = c.u64();
        c.u64();  // p_paddr
        s.file_size = c.u64();
        s.memory_size = c.u64();
      } else {
        s.offset = c.u32();
        s.address = c.u32();
        c.u32();  // p_paddr
        s.file_size = c.u32();
        s.memory_size = c.u32();
        s.flags = c.u32();
      }
      if (s.type == PT_LOAD && s.file_size > 0 && !r_.contains(s.offset, s.file_size)) {
        return r_.error_at(s.offset, fmt::format("segment {} ({} bytes) runs past end of file", i, s.file_size));
      }
      f_.segments_.push_back(s);
    }
    return {};
  }

  Result<void> parse_sections() {
    const uint64_t expected = wide() ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    if (shoff_ == 0) return {};
    if (auto ok = check_table(shoff_, shnum_, shentsize_, expected, "section header"); !ok) return ok;
    std::vector<uint32_t> name_offsets;
    f_.sections_.reserve(shnum_);
    for (uint64_t i = 0; i < shnum_; ++i) {
      RecordCursor c(r_, shoff_ + i * expected, wide());
      Section s;
      name_offsets.push_back(c.u32());
      s.type = c.u32();
      s.flags = c.word();
      s.address = c.word();
      s.offset = c.word();
      s.size = c.word();
      s.link = c.u32();
      s.info = c.u32();
      c.word();  // sh_addralign
      s.entry_size = c.word();
      if (s.type != SHT_NOBITS && s.type != SHT_NULL && !r_.contains(s.offset, s.size)) {
        return r_.error_at(shoff_ + i * expected,
                           fmt::format("section {} ({:#x} bytes at {:#x}) runs past end of file", i,
                                       s.size, s.offset));
      }
      f_.sections_.push_back(std::move(s));
    }
    if (shstrndx_ == SHN_UNDEF) return {};
    if (shstrndx_ >= f_.sections_.size()) {
      return r_.error_at(shoff_, fmt::format("section name table index {} out of range", shstrndx_));
    }
    const Section& names = f_.sections_[shstrndx_];
    for (size_t i = 0; i < f_.sections_.size(); ++i) {
      if (name_offsets[i] == 0 && i == 0) continue;
      auto name = string_in(names.offset, names.size, name_offsets[i]);
      if (!name) return name.error();
      f_.sections_[i].name = std::string(*name);
    }
    return {};
  }

  Result<std::string_view> string_in(uint64_t table_offset, uint64_t table_size, uint64_t index) {
    uint64_t at = 0;
    uint64_t end = 0;
    if (!checked_add(table_offset, index, at) || !checked_add(table_offset, table_size, end) ||
        index >= table_size) {
      return r_.error_at(table_offset, fmt::format("string index {:#x} outside its {}-byte table",
                                                   index, table_size));
    }
    return r_.c_string(at, end);
  }

  /// File offset of a virtual address inside a PT_LOAD's file image, with `size` bytes.
  std::optional<uint64_t> offset_of(uint64_t address, uint64_t size) const {
    for (const Segment& s : f_.segments_) {
      if (s.type != PT_LOAD) continue;
      uint64_t seg_end = 0;
      uint64_t want_end = 0;
      if (!checked_add(s.address, s.file_size, seg_end) || !checked_add(address, size, want_end)) {
        continue;
      }
      if (address >= s.address && want_end <= seg_end) return s.offset + (address - s.address);
    }
    return std::nullopt;
  }

  Result<void> parse_interpreter() {
    for (const Segment& s : f_.segments_) {
      if (s.type != PT_INTERP) continue;
      if (s.file_size == 0) return r_.error_at(s.offset, "empty PT_INTERP");
      uint64_t end = 0;
      if (!checked_add(s.offset, s.file_size, end) || end > r_.size()) {
        return r_.error_at(s.offset, "PT_INTERP runs past end of file");
      }
      auto path = r_.c_string(s.offset, end);
      if (!path) return path.error();
      f_.interpreter_ = std::string(*path);
    }
    return {};
  }

  Result<void> parse_dynamic() {
    uint64_t offset = 0;
    uint64_t size = 0;
    bool found = false;
    for (const Segment& s : f_.segments_) {
      if (s.type == PT_DYNAMIC) {
        offset = s.offset;
        size = s.file_size;
        found = true;
      }
    }
    if (!found) {
      for (const Section& s : f_.sections_) {
        if (s.type == SHT_DYNAMIC) {
          offset = s.offset;
          size = s.size;
          found = true;
        }
      }
    }
    if (!found) return {};
    if (!r_.contains(offset, size)) return r_.error_at(offset, "dynamic section runs past end of file");
    const uint64_t entsize = 2 * word_size();
    DynamicInfo& d = f_.dynamic_;
    d.present = true;
    std::vector<uint64_t> needed_offsets;
    std::optional<uint64_t> soname_offset, rpath_offset, runpath_offset;
    for (uint64_t at = offset; at + entsize <= offset + size; at += entsize) {
      RecordCursor c(r_, at, wide());
      int64_t tag = static_cast<int64_t>(wide() ? c.u64() : static_cast<int32_t>(c.u32()));
      uint64_t value = c.word();
      if (tag == DT_NULL) break;
      record_dynamic_tag(tag, value, needed_offsets, soname_offset, rpath_offset, runpath_offset);
    }
    if (!dyn_strtab_ && (!needed_offsets.empty() || soname_offset || rpath_offset || runpath_offset)) {
      return r_.error_at(offset, "dynamic section names libraries but has no DT_STRTAB");
    }
    if (dyn_strtab_) {
      auto strtab = offset_of(*dyn_strtab_, dyn_strsz_);
      if (!strtab) return r_.error_at(offset, fmt::format("DT_STRTAB {:#x} (+{:#x}) is not inside a loaded segment",
                                                         *dyn_strtab_, dyn_strsz_));
      strtab_offset_ = *strtab;
      auto str = [&](uint64_t index) { return string_in(strtab_offset_, dyn_strsz_, index); };
      for (uint64_t index : needed_offsets) {
        auto name = str(index);
        if (!name) return name.error();
        d.needed.emplace_back(*name);
      }
      auto set = [&](std::optional<uint64_t> index, auto& target) -> Result<void> {
        if (!index) return {};
        auto name = str(*index);
        if (!name) return name.error();
        target = std::string(*name);
        return {};
      };
      if (auto ok = set(soname_offset, d.soname); !ok) return ok;
      if (auto ok = set(rpath_offset, d.rpath); !ok) return ok;
      if (auto ok = set(runpath_offset, d.runpath); !ok) return ok;
    }
    return {};
  }

  void record_dynamic_tag(int64_t tag, uint64_t value, std::vector<uint64_t>& needed,
                          std::optional<uint64_t>& soname, std::optional<uint64_t>& rpath,
                          std::optional<uint64_t>& runpath) {
    DynamicInfo& d = f_.dynamic_;
    switch (tag) {
      case DT_NEEDED: needed.push_back(value); return;
      case DT_SONAME: soname = value; return;
      case DT_RPATH: rpath = value; return;
      case DT_RUNPATH: runpath = value; return;
      case DT_STRTAB: dyn_strtab_ = value; return;
      case DT_STRSZ: dyn_strsz_ = value; return;
      case DT_SYMTAB: dyn_symtab_ = value; return;
      case DT_SYMENT: dyn_syment_ = value; return;
      case DT_HASH: dyn_hash_ = value; return;
      case DT_GNU_HASH: dyn_gnu_hash_ = value; return;
      case DT_VERSYM: dyn_versym_ = value; return;
      case DT_VERDEF: dyn_verdef_ = value; return;
      case DT_VERDEFNUM: dyn_verdefnum_ = value; return;
      case DT_VERNEED: dyn_verneed_ = value; return;
      case DT_VERNEEDNUM: dyn_verneednum_ = value; return;
      case DT_RELA: rela_ = value; return;
      case DT_RELASZ: relasz_ = value; return;
      case DT_RELAENT: relaent_ = value; return;
      case DT_REL: rel_ = value; return;
      case DT_RELSZ: relsz_ = value; return;
      case DT_RELENT: relent_ = value; return;
      case DT_JMPREL: jmprel_ = value; return;
      case DT_RELR: relr_ = value; return;
      case DT_RELRSZ: relrsz_ = value; return;
      case DT_PLTRELSZ: pltrelsz_ = value; return;
      case DT_PLTREL: pltrel_ = value; return;
      case DT_INIT: d.init = value; return;
      case DT_FINI: d.fini = value; return;
      case DT_INIT_ARRAY: d.init_array = value; return;
      case DT_INIT_ARRAYSZ: d.init_array_size = value; return;
      case DT_FINI_ARRAY: d.fini_array = value; return;
      case DT_FINI_ARRAYSZ: d.fini_array_size = value; return;
      case DT_PREINIT_ARRAY: d.preinit_array = value; return;
      case DT_PREINIT_ARRAYSZ: d.preinit_array_size = value; return;
      case DT_PLTGOT: d.pltgot = value; return;
      case DT_FLAGS: d.flags = value; return;
      case DT_FLAGS_1: d.flags_1 = value; return;
      default: break;
    }
    // Processor-specific tags share numbers across machines; read them only for MIPS.
    if (f_.header_.machine != EM_MIPS) return;
    switch (tag) {
      case DT_MIPS_LOCAL_GOTNO: d.mips_local_gotno = value; return;
      case DT_MIPS_GOTSYM: d.mips_gotsym = value; return;
      case DT_MIPS_SYMTABNO: d.mips_symtabno = value; return;
      case DT_MIPS_BASE_ADDRESS: d.mips_base_address = value; return;
      default: return;
    }
  }

  /// Number of dynamic symbols from DT_HASH or DT_GNU_HASH, for files without sections.
  Result<uint64_t> dynamic_symbol_count() {
    if (f_.dynamic_.mips_symtabno) return *f_.dynamic_.mips_symtabno;
    if (dyn_hash_) {
      auto at = offset_of(*dyn_hash_, 8);
      if (!at) return r_.error_at(0, "DT_HASH is not inside a loaded segment");
      auto nchain = r_.read<uint32_t>(*at + 4);
      if (!nchain) return nchain.error();
      return uint64_t{*nchain};
    }
    if (dyn_gnu_hash_) return gnu_hash_symbol_count(*dyn_gnu_hash_);
    return r_.error_at(0, "dynamic symbol table without section headers, DT_HASH or DT_GNU_HASH");
  }

  Result<uint64_t> gnu_hash_symbol_count(uint64_t address) {
    auto at = offset_of(address, 16);
    if (!at) return r_.error_at(0, "DT_GNU_HASH is not inside a loaded segment");
    uint32_t nbuckets = r_.read_unchecked<uint32_t>(*at);
    uint32_t symoffset = r_.read_unchecked<uint32_t>(*at + 4);
    uint32_t bloom_size = r_.read_unchecked<uint32_t>(*at + 8);
    uint64_t buckets = *at + 16 + uint64_t{bloom_size} * word_size();
    uint64_t chains = buckets + uint64_t{nbuckets} * 4;
    if (!r_.contains(buckets, uint64_t{nbuckets} * 4)) {
      return r_.error_at(*at, "DT_GNU_HASH buckets run past end of file");
    }
    uint32_t last = 0;
    for (uint32_t i = 0; i < nbuckets; ++i) last = std::max(last, r_.read_unchecked<uint32_t>(buckets + 4ull * i));
    if (last < symoffset) return uint64_t{symoffset};
    for (uint64_t index = last;; ++index) {  // each step reads 4 more bytes: ends at EOF
      auto chain = r_.read<uint32_t>(chains + 4 * (index - symoffset));
      if (!chain) return chain.error();
      if (*chain & 1) return index + 1;
    }
  }

  Result<std::vector<Symbol>> read_symbols(uint64_t offset, uint64_t count, uint64_t strtab,
                                           uint64_t strsz) {
    const uint64_t entsize = wide() ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    if (auto ok = check_table(offset, count, entsize, entsize, "symbol"); !ok) return ok.error();
    std::vector<Symbol> symbols;
    symbols.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      RecordCursor c(r_, offset + i * entsize, wide());
      Symbol s;
      uint32_t name = c.u32();
      uint8_t info = 0;
      uint8_t other = 0;
      if (wide()) {
        info = c.u8();
        other = c.u8();
        s.section_index = c.u16();
        s.value = c.u64();
        s.size = c.u64();
      } else {
        s.value = c.u32();
        s.size = c.u32();
        info = c.u8();
        other = c.u8();
        s.section_index = c.u16();
      }
      s.type = info & 0xf;
      s.binding = info >> 4;
      s.visibility = other & 0x3;
      if (name != 0) {
        auto text = string_in(strtab, strsz, name);
        if (!text) return text.error();
        s.name = std::string(*text);
      }
      symbols.push_back(std::move(s));
    }
    return symbols;
  }

  Result<void> parse_dynamic_symbols() {
    for (const Section& s : f_.sections_) {
      if (s.type != SHT_DYNSYM) continue;
      if (s.link >= f_.sections_.size()) return r_.error_at(s.offset, ".dynsym names no string table");
      const Section& strtab = f_.sections_[s.link];
      if (s.entry_size == 0) return r_.error_at(s.offset, ".dynsym has entry size 0");
      auto symbols = read_symbols(s.offset, s.size / s.entry_size, strtab.offset, strtab.size);
      if (!symbols) return symbols.error();
      f_.dynamic_symbols_ = std::move(*symbols);
      return {};
    }
    if (!dyn_symtab_) return {};
    // Section headers stripped (common in firmware): use the loader's view.
    auto count = dynamic_symbol_count();
    if (!count) return count.error();
    const uint64_t entsize = wide() ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    uint64_t bytes = 0;
    if (!checked_mul(*count, entsize, bytes)) return r_.error_at(0, "absurd dynamic symbol count");
    auto at = offset_of(*dyn_symtab_, bytes);
    if (!at) return r_.error_at(0, fmt::format("DT_SYMTAB with {} symbols is not inside a loaded segment", *count));
    auto symbols = read_symbols(*at, *count, strtab_offset_, dyn_strsz_);
    if (!symbols) return symbols.error();
    f_.dynamic_symbols_ = std::move(*symbols);
    return {};
  }

  Result<void> parse_static_symbols() {
    for (const Section& s : f_.sections_) {
      if (s.type != SHT_SYMTAB) continue;
      if (s.link >= f_.sections_.size()) return r_.error_at(s.offset, ".symtab names no string table");
      const Section& strtab = f_.sections_[s.link];
      if (s.entry_size == 0) return r_.error_at(s.offset, ".symtab has entry size 0");
      auto symbols = read_symbols(s.offset, s.size / s.entry_size, strtab.offset, strtab.size);
      if (!symbols) return symbols.error();
      f_.symbols_ = std::move(*symbols);
      return {};
    }
    return {};
  }

  Result<void> read_relocation_table(uint64_t offset, uint64_t size, bool with_addend, bool is_plt) {
    const uint64_t entsize = with_addend ? 3 * word_size() : 2 * word_size();
    if (!r_.contains(offset, size)) return r_.error_at(offset, "relocation table runs past end of file");
    for (uint64_t at = offset; at + entsize <= offset + size; at += entsize) {
      RecordCursor c(r_, at, wide());
      Relocation rel;
      rel.offset = c.word();
      uint64_t info = c.word();
      rel.symbol = static_cast<uint32_t>(wide() ? info >> 32 : info >> 8);
      rel.type = static_cast<uint32_t>(wide() ? info & 0xffffffff : info & 0xff);
      if (with_addend) {
        uint64_t addend = c.word();
        rel.addend = wide() ? static_cast<int64_t>(addend) : static_cast<int32_t>(addend);
        rel.has_addend = true;
      }
      rel.is_plt = is_plt;
      f_.relocations_.push_back(rel);
    }
    return {};
  }

  Result<void> read_dynamic_relocations(std::optional<uint64_t> address, uint64_t size,
                                        bool with_addend, bool is_plt, std::string_view tag) {
    if (!address || size == 0) return {};
    auto at = offset_of(*address, size);
    if (!at) return r_.error_at(0, fmt::format("{} {:#x} (+{:#x}) is not inside a loaded segment", tag, *address, size));
    return read_relocation_table(*at, size, with_addend, is_plt);
  }

  // DT_RELR: an even word is an address to relocate; an odd word is a bitmap of the
  // next 63 (31) words after the last address, bit 0 being the marker.
  Result<void> read_relr() {
    if (!relr_ || relrsz_ == 0) return {};
    auto at = offset_of(*relr_, relrsz_);
    if (!at) return r_.error_at(0, fmt::format("DT_RELR {:#x} (+{:#x}) is not inside a loaded segment", *relr_, relrsz_));
    const uint64_t word = word_size();
    const uint64_t bits = word * 8 - 1;
    uint64_t base = 0;
    for (uint64_t pos = *at; pos + word <= *at + relrsz_; pos += word) {
      const uint64_t entry = wide() ? r_.read_unchecked<uint64_t>(pos) : r_.read_unchecked<uint32_t>(pos);
      if ((entry & 1) == 0) {
        f_.relr_slots_.push_back(entry);
        base = entry + word;
        continue;
      }
      for (uint64_t bit = 1; bit <= bits; ++bit) {
        if ((entry >> bit) & 1) f_.relr_slots_.push_back(base + (bit - 1) * word);
      }
      base += bits * word;
    }
    return {};
  }

  Result<void> parse_relocations() {
    if (f_.dynamic_.present) {
      if (rela_ && relaent_ && *relaent_ != 3 * word_size()) return r_.error_at(0, "bad DT_RELAENT");
      if (rel_ && relent_ && *relent_ != 2 * word_size()) return r_.error_at(0, "bad DT_RELENT");
      if (auto ok = read_dynamic_relocations(rela_, relasz_, true, false, "DT_RELA"); !ok) return ok;
      if (auto ok = read_dynamic_relocations(rel_, relsz_, false, false, "DT_REL"); !ok) return ok;
      if (auto ok = read_relr(); !ok) return ok;
      return read_dynamic_relocations(jmprel_, pltrelsz_, pltrel_ == DT_RELA, true, "DT_JMPREL");
    }
    // Static executables keep IRELATIVE relocations in allocated .rela.plt/.rel.plt.
    for (const Section& s : f_.sections_) {
      if ((s.type != SHT_RELA && s.type != SHT_REL) || !(s.flags & SHF_ALLOC)) continue;
      if (auto ok = read_relocation_table(s.offset, s.size, s.type == SHT_RELA, false); !ok) return ok;
    }
    return {};
  }

  void warn(std::string text) { f_.warnings_.push_back(fmt::format("{}: {}", f_.name_, text)); }

  // Version tables only refine symbol binding; a broken one is a warning, not fatal,
  // so that the rest of the file can still be analysed (conservatively).
  void parse_versions() {
    auto& symbols = f_.dynamic_symbols_;
    if (!dyn_versym_ || symbols.empty()) return;
    auto versym = offset_of(*dyn_versym_, symbols.size() * 2);
    if (!versym) return warn("DT_VERSYM table is not inside a loaded segment; versions ignored");
    std::vector<std::pair<std::string, std::string>> names;  // index -> (version, file)
    if (!read_verdef(names) || !read_verneed(names)) return;
    for (size_t i = 0; i < symbols.size(); ++i) {
      uint16_t raw = r_.read_unchecked<uint16_t>(*versym + 2 * i);
      uint16_t index = raw & 0x7fff;
      if (index <= 1) continue;  // local or base: unversioned
      if (index >= names.size() || names[index].first.empty()) {
        warn(fmt::format("symbol {} has unknown version index {}", symbols[i].name, index));
        continue;
      }
      symbols[i].version = names[index].first;
      symbols[i].version_file = names[index].second;
      symbols[i].version_hidden = (raw & 0x8000) != 0;
    }
  }

  static void store_name(std::vector<std::pair<std::string, std::string>>& names, uint64_t index,
                         std::string version, std::string file) {
    if (names.size() <= index) names.resize(index + 1);
    names[index] = {std::move(version), std::move(file)};
  }

  bool read_verdef(std::vector<std::pair<std::string, std::string>>& names) {
    if (!dyn_verdef_) return true;
    uint64_t count = dyn_verdefnum_.value_or(0);
    if (count > kMaxVersionEntries) return warn("absurd DT_VERDEFNUM; versions ignored"), false;
    auto base = offset_of(*dyn_verdef_, sizeof(Elf32_Verdef));
    if (!base) return warn("DT_VERDEF is not inside a loaded segment; versions ignored"), false;
    // vd_next/vn_next are unsigned offsets forward, so a chain cannot loop; the count
    // bound above keeps a long chain from running away.
    uint64_t at = *base;
    for (uint64_t i = 0; i < count; ++i) {
      if (!r_.contains(at, sizeof(Elf32_Verdef))) {
        return warn("version definition chain leaves the file; versions ignored"), false;
      }
      uint16_t flags = r_.read_unchecked<uint16_t>(at + 2);
      uint16_t index = r_.read_unchecked<uint16_t>(at + 4);
      uint32_t aux = r_.read_unchecked<uint32_t>(at + 12);
      uint32_t next = r_.read_unchecked<uint32_t>(at + 16);
      if (!r_.contains(at + aux, sizeof(Elf32_Verdaux))) return warn("bad version definition"), false;
      auto name = string_in(strtab_offset_, dyn_strsz_, r_.read_unchecked<uint32_t>(at + aux));
      if (!name) return warn(name.error().message), false;
      if (!(flags & VER_FLG_BASE)) store_name(names, index, std::string(*name), "");
      if (next == 0) break;
      at += next;
    }
    return true;
  }

  bool read_verneed(std::vector<std::pair<std::string, std::string>>& names) {
    if (!dyn_verneed_) return true;
    uint64_t count = dyn_verneednum_.value_or(0);
    if (count > kMaxVersionEntries) return warn("absurd DT_VERNEEDNUM; versions ignored"), false;
    auto base = offset_of(*dyn_verneed_, sizeof(Elf32_Verneed));
    if (!base) return warn("DT_VERNEED is not inside a loaded segment; versions ignored"), false;
    uint64_t at = *base;
    for (uint64_t i = 0; i < count; ++i) {
      if (!r_.contains(at, sizeof(Elf32_Verneed))) {
        return warn("version requirement chain leaves the file; versions ignored"), false;
      }
      uint16_t aux_count = r_.read_unchecked<uint16_t>(at + 2);
      auto file = string_in(strtab_offset_, dyn_strsz_, r_.read_unchecked<uint32_t>(at + 4));
      if (!file) return warn(file.error().message), false;
      uint64_t aux = at + r_.read_unchecked<uint32_t>(at + 8);
      uint32_t next = r_.read_unchecked<uint32_t>(at + 12);
      for (uint16_t j = 0; j < aux_count; ++j) {
        if (!r_.contains(aux, sizeof(Elf32_Vernaux))) {
          return warn("version requirement entry leaves the file; versions ignored"), false;
        }
        uint16_t index = r_.read_unchecked<uint16_t>(aux + 6) & 0x7fff;
        auto name = string_in(strtab_offset_, dyn_strsz_, r_.read_unchecked<uint32_t>(aux + 8));
        if (!name) return warn(name.error().message), false;
        store_name(names, index, std::string(*name), std::string(*file));
        uint32_t aux_next = r_.read_unchecked<uint32_t>(aux + 12);
        if (aux_next == 0) break;
        aux += aux_next;
      }
      if (next == 0) break;
      at += next;
    }
    return true;
  }

  void parse_build_id() {
    for (const Segment& s : f_.segments_) {
      if (s.type == PT_NOTE && scan_notes(s.offset, s.file_size)) return;
    }
    for (const Section& s : f_.sections_) {
      if (s.type == SHT_NOTE && scan_notes(s.offset, s.size)) return;
    }
  }

  bool scan_notes(uint64_t offset, uint64_t size) {
    if (!r_.contains(offset, size)) return false;
    const uint64_t end = offset + size;
    auto align4 = [](uint64_t v) { return (v + 3) & ~uint64_t{3}; };
    uint64_t at = offset;
    for (uint64_t n = 0; n < kMaxNoteCount && at + 12 <= end; ++n) {
      uint64_t namesz = r_.read_unchecked<uint32_t>(at);
      uint64_t descsz = r_.read_unchecked<uint32_t>(at + 4);
      uint32_t type = r_.read_unchecked<uint32_t>(at + 8);
      uint64_t name_at = at + 12;
      uint64_t desc_at = name_at + align4(namesz);
      uint64_t next = desc_at + align4(descsz);
      if (next > end || next <= at) return false;
      if (type == NT_GNU_BUILD_ID && namesz == 4 &&
          std::equal(r_.bytes().begin() + name_at, r_.bytes().begin() + name_at + 4, "GNU")) {
        f_.build_id_ = hex_string(r_.bytes().subspan(desc_at, descsz));
        return true;
      }
      at = next;
    }
    return false;
  }

  ElfFile& f_;
  const ByteReader& r_;
  uint64_t phoff_ = 0, shoff_ = 0;
  uint64_t phentsize_ = 0, phnum_ = 0, shentsize_ = 0, shnum_ = 0, shstrndx_ = 0;
  std::optional<uint64_t> dyn_strtab_, dyn_symtab_, dyn_syment_, dyn_hash_, dyn_gnu_hash_;
  std::optional<uint64_t> dyn_versym_, dyn_verdef_, dyn_verdefnum_, dyn_verneed_, dyn_verneednum_;
  std::optional<uint64_t> rela_, relaent_, rel_, relent_, jmprel_, pltrel_, relr_;
  uint64_t relrsz_ = 0;
  uint64_t dyn_strsz_ = 0, relasz_ = 0, relsz_ = 0, pltrelsz_ = 0;
  uint64_t strtab_offset_ = 0;
};

ElfFile::ElfFile(std::span<const uint8_t> bytes, std::string name, ByteOrder order)
    : name_(std::move(name)), reader_(bytes, order, name_) {}

Result<ElfFile> ElfFile::parse(std::span<const uint8_t> bytes, std::string name) {
  if (bytes.size() < EI_NIDENT || !std::equal(bytes.begin(), bytes.begin() + SELFMAG, ELFMAG)) {
    return Error{fmt::format("{}: not an ELF file (no \\x7fELF magic)", name)};
  }
  uint8_t elf_class = bytes[EI_CLASS];
  uint8_t data = bytes[EI_DATA];
  if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64) {
    return Error{fmt::format("{}: unknown ELF class {} (at file offset {:#x})", name, elf_class, EI_CLASS)};
  }
  if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
    return Error{fmt::format("{}: unknown ELF byte order {} (at file offset {:#x})", name, data, EI_DATA)};
  }
  ElfFile file(bytes, std::move(name), data == ELFDATA2LSB ? ByteOrder::Little : ByteOrder::Big);
  file.header_.bits = elf_class == ELFCLASS64 ? 64 : 32;
  file.header_.order = file.reader_.order();
  Parser parser(file);
  if (auto ok = parser.run(); !ok) return ok.error();
  return file;
}

const Section* ElfFile::find_section(std::string_view name) const {
  for (const Section& s : sections_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<std::span<const uint8_t>> ElfFile::bytes_at(uint64_t address, uint64_t size) const {
  for (const Segment& s : segments_) {
    if (s.type != PT_LOAD || address < s.address) continue;
    uint64_t delta = address - s.address;
    uint64_t want_end = 0;
    if (!checked_add(delta, size, want_end) || want_end > s.file_size) continue;
    return reader_.slice(s.offset + delta, size);
  }
  return Error{fmt::format("{}: address {:#x} (+{:#x}) is not in a loaded segment's file image",
                           name_, address, size)};
}

Result<uint64_t> ElfFile::read_address(uint64_t address) const {
  const uint64_t width = header_.bits / 8;
  auto bytes = bytes_at(address, width);
  if (!bytes) return bytes.error();
  const auto offset = static_cast<uint64_t>(bytes->data() - reader_.bytes().data());
  return width == 8 ? reader_.read_unchecked<uint64_t>(offset) : reader_.read_unchecked<uint32_t>(offset);
}

Result<uint64_t> ElfFile::addend(const Relocation& rel) const {
  if (rel.has_addend) return static_cast<uint64_t>(rel.addend);
  return read_address(rel.offset);
}

Result<std::span<const uint8_t>> ElfFile::section_bytes(const Section& section) const {
  if (section.type == SHT_NOBITS) return std::span<const uint8_t>{};
  return reader_.slice(section.offset, section.size);
}

}  // namespace sysfence::elf
