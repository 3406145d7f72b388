#include "support/elf_builder.h"

#include <elf.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sysfence::testing {
namespace {

class Writer {
 public:
  Writer(int bits, ByteOrder order) : wide_(bits == 64), order_(order) {}
  uint64_t size() const { return bytes_.size(); }
  void align(uint64_t to) {
    while (bytes_.size() % to) bytes_.push_back(0);
  }
  void u8(uint64_t v) { put(v, 1); }
  void u16(uint64_t v) { put(v, 2); }
  void u32(uint64_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void word(uint64_t v) { put(v, wide_ ? 8 : 4); }
  void text(const std::string& s) {
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    bytes_.push_back(0);
  }
  void raw(const std::vector<uint8_t>& b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  /// Overwrites `width` bytes at `at`.
  void patch(uint64_t at, uint64_t v, int width) {
    for (int i = 0; i < width; ++i) {
      int shift = order_ == ByteOrder::Little ? 8 * i : 8 * (width - 1 - i);
      bytes_[at + i] = static_cast<uint8_t>(v >> shift);
    }
  }
  std::vector<uint8_t> take() { return std::move(bytes_); }
  bool wide() const { return wide_; }

 private:
  void put(uint64_t v, int width) {
    bytes_.resize(bytes_.size() + width);
    patch(bytes_.size() - width, v, width);
  }
  bool wide_;
  ByteOrder order_;
  std::vector<uint8_t> bytes_;
};

/// A string table under construction; offsets are stable once added.
class Strings {
 public:
  Strings() { data_.push_back('\0'); }
  uint32_t add(const std::string& s) {
    if (s.empty()) return 0;
    if (auto it = offsets_.find(s); it != offsets_.end()) return it->second;
    uint32_t at = static_cast<uint32_t>(data_.size());
    data_ += s;
    data_.push_back('\0');
    offsets_[s] = at;
    return at;
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  std::map<std::string, uint32_t> offsets_;
};

struct SectionRecord {
  std::string name;
  uint32_t type;
  uint64_t flags, offset, size, entsize;
  uint32_t link = 0, info = 0;
};

uint32_t elf_hash(const std::string& name) {
  uint32_t h = 0;
  for (unsigned char c : name) {
    h = (h << 4) + c;
    uint32_t g = h & 0xf0000000;
    if (g) h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

}  // namespace

ElfBuilder::ElfBuilder(int bits, ByteOrder order, uint16_t machine, uint16_t type)
    : bits_(bits), order_(order), machine_(machine), type_(type) {}

ElfBuilder& ElfBuilder::interpreter(std::string path) { interpreter_ = std::move(path); return *this; }
ElfBuilder& ElfBuilder::needed(std::string name) { needed_.push_back(std::move(name)); return *this; }
ElfBuilder& ElfBuilder::soname(std::string name) { soname_ = std::move(name); return *this; }
ElfBuilder& ElfBuilder::rpath(std::string list) { rpath_ = std::move(list); return *this; }
ElfBuilder& ElfBuilder::runpath(std::string list) { runpath_ = std::move(list); return *this; }
ElfBuilder& ElfBuilder::relocation(BuiltRelocation r) { relocations_.push_back(r); return *this; }
ElfBuilder& ElfBuilder::build_id(std::vector<uint8_t> id) { build_id_ = std::move(id); return *this; }
ElfBuilder& ElfBuilder::text(std::vector<uint8_t> code) { text_ = std::move(code); return *this; }
ElfBuilder& ElfBuilder::marker_section(std::string name) { marker_sections_.push_back(std::move(name)); return *this; }
uint32_t ElfBuilder::symbol(BuiltSymbol s) {
  symbols_.push_back(std::move(s));
  return static_cast<uint32_t>(symbols_.size());
}

std::vector<uint8_t> ElfBuilder::build() {
  const bool wide = bits_ == 64;
  const uint64_t ehsize = wide ? 64 : 52, phentsize = wide ? 56 : 32, shentsize = wide ? 64 : 40;
  const uint64_t symsize = wide ? 24 : 16, dynsize = wide ? 16 : 8;
  Writer w(bits_, order_);
  Strings dynstr, shstr;
  std::vector<SectionRecord> sections;
  auto vaddr = [](uint64_t offset) { return ElfBuilder::kBase + offset; };

  // Version indices: 1 is the base definition, then definitions, then requirements.
  std::map<std::string, uint16_t> def_index;
  std::map<std::string, std::map<std::string, uint16_t>> need_index;  // file -> version -> index
  uint16_t next_index = 2;
  for (const auto& s : symbols_) {
    if (s.version.empty()) continue;
    if (s.defined && !def_index.count(s.version)) def_index[s.version] = next_index++;
  }
  for (const auto& s : symbols_) {
    if (s.version.empty() || s.defined) continue;
    if (!need_index[s.version_file].count(s.version)) need_index[s.version_file][s.version] = next_index++;
  }
  const bool versioned = next_index > 2;

  for (const auto& n : needed_) dynstr.add(n);
  for (auto* s : {&soname_, &rpath_, &runpath_}) if (*s) dynstr.add(**s);
  for (const auto& s : symbols_) dynstr.add(s.name);
  const std::string base_name = soname_.value_or("test.so");
  dynstr.add(base_name);
  for (const auto& [v, i] : def_index) dynstr.add(v);
  for (const auto& [file, versions] : need_index) {
    dynstr.add(file);
    for (const auto& [v, i] : versions) dynstr.add(v);
  }

  std::vector<std::pair<uint32_t, uint64_t>> phdrs;  // type, filled later
  const uint64_t phnum = 2 + (interpreter_ ? 1 : 0) + (build_id_.empty() ? 0 : 1);
  w.raw(std::vector<uint8_t>(ehsize + phnum * phentsize, 0));
  layout_.program_headers = ehsize;

  struct Span { uint64_t offset = 0, size = 0; };
  Span interp, text, note, strtab, symtab, hash, versym, verdef, verneed, rel, jmprel, dynamic;
  auto begin = [&](Span& span, uint64_t alignment) { w.align(alignment); span.offset = w.size(); };
  auto end = [&](Span& span) { span.size = w.size() - span.offset; };

  if (interpreter_) { begin(interp, 1); w.text(*interpreter_); end(interp); }
  if (!text_.empty()) { begin(text, 16); w.raw(text_); end(text); }
  layout_.text = text.offset;
  if (!build_id_.empty()) {
    begin(note, 4);
    w.u32(4); w.u32(build_id_.size()); w.u32(NT_GNU_BUILD_ID); w.text("GNU"); w.raw(build_id_); w.align(4);
    end(note);
  }
  begin(strtab, 1); w.raw(std::vector<uint8_t>(dynstr.data().begin(), dynstr.data().end())); end(strtab);
  layout_.dynstr = strtab.offset;

  begin(symtab, 8);
  layout_.dynsym = symtab.offset;
  for (size_t i = 0; i <= symbols_.size(); ++i) {
    BuiltSymbol s = i == 0 ? BuiltSymbol{"", false, 0, 0} : symbols_[i - 1];
    uint16_t shndx = (i > 0 && s.defined) ? 1 : 0;
    uint8_t info = static_cast<uint8_t>((s.binding << 4) | s.type);
    uint64_t value = s.text_offset ? kBase + text.offset + *s.text_offset : s.value ? s.value : (s.defined ? kBase + 0x100 : 0);
    if (wide) { w.u32(dynstr.add(s.name)); w.u8(info); w.u8(0); w.u16(shndx); w.u64(value); w.u64(s.size); }
    else { w.u32(dynstr.add(s.name)); w.u32(value); w.u32(s.size); w.u8(info); w.u8(0); w.u16(shndx); }
  }
  end(symtab);

  begin(hash, 4);  // nbucket = 1; every symbol on one chain (sufficient for the count)
  w.u32(1); w.u32(symbols_.size() + 1); w.u32(symbols_.empty() ? 0 : 1);
  for (size_t i = 0; i <= symbols_.size(); ++i) w.u32(i + 1 <= symbols_.size() ? i + 1 : 0);
  end(hash);

  if (versioned) {
    begin(versym, 2);
    w.u16(0);
    for (const auto& s : symbols_) {
      uint16_t index = 1;
      if (!s.version.empty()) index = s.defined ? def_index[s.version] : need_index[s.version_file][s.version];
      w.u16(index | (s.hidden ? 0x8000 : 0));
    }
    end(versym);
    begin(verdef, 4);
    const size_t defs = def_index.size() + 1;
    auto write_def = [&](uint16_t flags, uint16_t index, const std::string& name, bool last) {
      w.u16(1); w.u16(flags); w.u16(index); w.u16(1); w.u32(elf_hash(name)); w.u32(20); w.u32(last ? 0 : 28);
      w.u32(dynstr.add(name)); w.u32(0);
    };
    write_def(VER_FLG_BASE, 1, base_name, defs == 1);
    size_t k = 1;
    for (const auto& [v, i] : def_index) write_def(0, i, v, ++k == defs);
    end(verdef);
    begin(verneed, 4);
    layout_.verneed = verneed.offset;
    size_t files = 0;
    for (const auto& [file, versions] : need_index) {
      ++files;
      w.u16(1); w.u16(versions.size()); w.u32(dynstr.add(file)); w.u32(16);
      w.u32(files == need_index.size() ? 0 : 16 + 16 * versions.size());
      size_t j = 0;
      for (const auto& [v, i] : versions) {
        w.u32(elf_hash(v)); w.u16(0); w.u16(i); w.u32(dynstr.add(v)); w.u32(++j == versions.size() ? 0 : 16);
      }
    }
    end(verneed);
  }

  auto write_relocs = [&](Span& span, bool plt) {
    begin(span, 8);
    for (const auto& r : relocations_) {
      if (r.plt != plt) continue;
      w.word(r.offset);
      w.word(wide ? (uint64_t{r.symbol} << 32 | r.type) : (uint64_t{r.symbol} << 8 | (r.type & 0xff)));
      if (wide) w.word(0);
    }
    end(span);
  };
  write_relocs(rel, false);
  write_relocs(jmprel, true);

  begin(dynamic, 8);
  layout_.dynamic = dynamic.offset;
  auto dyn = [&](int64_t tag, uint64_t value) { w.word(static_cast<uint64_t>(tag)); w.word(value); };
  for (const auto& n : needed_) dyn(DT_NEEDED, dynstr.add(n));
  if (soname_) dyn(DT_SONAME, dynstr.add(*soname_));
  if (rpath_) dyn(DT_RPATH, dynstr.add(*rpath_));
  if (runpath_) dyn(DT_RUNPATH, dynstr.add(*runpath_));
  dyn(DT_STRTAB, vaddr(strtab.offset));
  dyn(DT_STRSZ, strtab.size);
  dyn(DT_SYMTAB, vaddr(symtab.offset));
  dyn(DT_SYMENT, symsize);
  dyn(DT_HASH, vaddr(hash.offset));
  if (versioned) {
    dyn(DT_VERSYM, vaddr(versym.offset));
    dyn(DT_VERDEF, vaddr(verdef.offset));
    dyn(DT_VERDEFNUM, def_index.size() + 1);
    if (!need_index.empty()) {
      dyn(DT_VERNEED, vaddr(verneed.offset));
      dyn(DT_VERNEEDNUM, need_index.size());
    }
  }
  if (rel.size) {
    dyn(wide ? DT_RELA : DT_REL, vaddr(rel.offset));
    dyn(wide ? DT_RELASZ : DT_RELSZ, rel.size);
    dyn(wide ? DT_RELAENT : DT_RELENT, wide ? 24 : 8);
  }
  if (jmprel.size) {
    dyn(DT_JMPREL, vaddr(jmprel.offset));
    dyn(DT_PLTRELSZ, jmprel.size);
    dyn(DT_PLTREL, wide ? DT_RELA : DT_REL);
  }
  dyn(DT_NULL, 0);
  end(dynamic);

  auto add_section = [&](const char* name, uint32_t type, const Span& span, uint64_t entsize,
                         uint32_t link = 0, uint32_t info = 0, uint64_t flags = SHF_ALLOC) {
    if (span.size == 0) return;
    sections.push_back({name, type, flags, span.offset, span.size, entsize, link, info});
  };
  sections.push_back({"", SHT_NULL, 0, 0, 0, 0});
  add_section(".interp", SHT_PROGBITS, interp, 0);
  add_section(".text", SHT_PROGBITS, text, 0, 0, 0, SHF_ALLOC | SHF_EXECINSTR);
  add_section(".note.gnu.build-id", SHT_NOTE, note, 0);
  const uint32_t dynstr_index = static_cast<uint32_t>(sections.size());
  add_section(".dynstr", SHT_STRTAB, strtab, 0);
  add_section(".dynsym", SHT_DYNSYM, symtab, symsize, dynstr_index, 1);
  add_section(".hash", SHT_HASH, hash, 4);
  add_section(".gnu.version", SHT_GNU_versym, versym, 2);
  add_section(".gnu.version_d", SHT_GNU_verdef, verdef, 0, dynstr_index);
  add_section(".gnu.version_r", SHT_GNU_verneed, verneed, 0, dynstr_index);
  add_section(wide ? ".rela.dyn" : ".rel.dyn", wide ? SHT_RELA : SHT_REL, rel, wide ? 24 : 8);
  add_section(wide ? ".rela.plt" : ".rel.plt", wide ? SHT_RELA : SHT_REL, jmprel, wide ? 24 : 8);
  add_section(".dynamic", SHT_DYNAMIC, dynamic, dynsize, dynstr_index, 0, SHF_ALLOC | SHF_WRITE);
  for (const std::string& name : marker_sections_) sections.push_back({name, SHT_PROGBITS, 0, 0, 0, 0});
  Span shstrtab;
  for (auto& s : sections) shstr.add(s.name);
  shstr.add(".shstrtab");
  begin(shstrtab, 1);
  w.raw(std::vector<uint8_t>(shstr.data().begin(), shstr.data().end()));
  end(shstrtab);
  sections.push_back({".shstrtab", SHT_STRTAB, 0, shstrtab.offset, shstrtab.size, 0});

  w.align(8);
  layout_.section_headers = w.size();
  for (const auto& s : sections) {
    w.u32(shstr.add(s.name)); w.u32(s.type); w.word(s.flags);
    w.word(s.flags & SHF_ALLOC ? vaddr(s.offset) : 0); w.word(s.offset); w.word(s.size);
    w.u32(s.link); w.u32(s.info); w.word(1); w.word(s.entsize);
  }
  const uint64_t file_size = w.size();

  // Program headers: PT_LOAD of the whole file, then the typed views into it.
  uint64_t at = ehsize;
  auto phdr = [&](uint32_t type, uint32_t flags, uint64_t offset, uint64_t size) {
    Writer p(bits_, order_);
    if (wide) { p.u32(type); p.u32(flags); p.u64(offset); p.u64(vaddr(offset)); p.u64(vaddr(offset)); p.u64(size); p.u64(size); p.u64(8); }
    else { p.u32(type); p.u32(offset); p.u32(vaddr(offset)); p.u32(vaddr(offset)); p.u32(size); p.u32(size); p.u32(flags); p.u32(8); }
    auto bytes = p.take();
    for (size_t i = 0; i < bytes.size(); ++i) w.patch(at + i, bytes[i], 1);
    at += phentsize;
  };
  if (interpreter_) phdr(PT_INTERP, PF_R, interp.offset, interp.size);
  phdr(PT_LOAD, PF_R | PF_X, 0, file_size);
  phdr(PT_DYNAMIC, PF_R | PF_W, dynamic.offset, dynamic.size);
  if (!build_id_.empty()) phdr(PT_NOTE, PF_R, note.offset, note.size);

  // ELF header.
  std::vector<uint8_t> ident = {0x7f, 'E', 'L', 'F', static_cast<uint8_t>(wide ? ELFCLASS64 : ELFCLASS32),
                                static_cast<uint8_t>(order_ == ByteOrder::Little ? ELFDATA2LSB : ELFDATA2MSB),
                                EV_CURRENT};
  for (size_t i = 0; i < ident.size(); ++i) w.patch(i, ident[i], 1);
  uint64_t pos = EI_NIDENT;
  auto field = [&](uint64_t v, int width) { w.patch(pos, v, width); pos += width; };
  const int word_width = wide ? 8 : 4;
  field(type_, 2);
  field(machine_, 2);
  field(EV_CURRENT, 4);
  field(kBase + (text_.empty() ? 0x100 : text.offset), word_width);  // e_entry: the code, if any
  field(ehsize, word_width);         // e_phoff
  field(layout_.section_headers, word_width);
  field(0, 4);  // e_flags
  field(ehsize, 2);
  field(phentsize, 2);
  field(phnum, 2);
  field(shentsize, 2);
  field(sections.size(), 2);
  field(sections.size() - 1, 2);  // e_shstrndx
  return w.take();
}

std::vector<uint8_t> little_endian_code(const std::vector<uint32_t>& words) {
  std::vector<uint8_t> code;
  for (uint32_t w : words) {
    for (int shift = 0; shift < 32; shift += 8) code.push_back(static_cast<uint8_t>(w >> shift));
  }
  return code;
}

std::string write_file(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  std::filesystem::path path = std::filesystem::path(dir) / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

}  // namespace sysfence::testing
