#include "cfg/unwind_tables.h"

#include <elf.h>

#include <string>
#include <unordered_map>

#include <fmt/format.h>

namespace sysfence::cfg {
namespace {

constexpr uint8_t kOmit = 0xff;  // DW_EH_PE_omit

/// Reads DWARF-encoded values (DW_EH_PE_*) out of one section held in memory.
class EhReader {
 public:
  EhReader(const ByteReader& file, uint64_t file_offset, uint64_t address, uint64_t size, bool wide)
      : file_(file), base_(file_offset), address_(address), size_(size), wide_(wide) {}

  bool ok() const { return ok_; }
  uint64_t position() const { return pos_; }
  void seek(uint64_t pos) { pos_ = pos; ok_ = ok_ && pos <= size_; }

  template <class T>
  T fixed() {
    if (!ok_ || pos_ + sizeof(T) > size_) {
      ok_ = false;
      return 0;
    }
    T v = file_.read_unchecked<T>(base_ + pos_);
    pos_ += sizeof(T);
    return v;
  }
  uint64_t uleb() {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = fixed<uint8_t>();
      result |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return result;
    }
    ok_ = false;
    return 0;
  }
  int64_t sleb() {
    int64_t result = 0;
    int shift = 0;
    uint8_t b = 0;
    do {
      b = fixed<uint8_t>();
      if (shift < 64) result |= int64_t{b & 0x7f} << shift;
      shift += 7;
    } while ((b & 0x80) && ok_ && shift < 70);
    if (shift < 64 && (b & 0x40)) result |= -(int64_t{1} << shift);
    return result;
  }
  /// A pointer in `encoding`; pc-relative ones are made absolute. Indirect ones are
  /// returned as the address of the pointer (callers only need code ranges).
  uint64_t encoded(uint8_t encoding) {
    if (encoding == kOmit) return 0;
    const uint64_t here = address_ + pos_;
    uint64_t value = 0;
    switch (encoding & 0x0f) {
      case 0x00: value = wide_ ? fixed<uint64_t>() : fixed<uint32_t>(); break;  // absptr
      case 0x01: value = uleb(); break;
      case 0x02: value = fixed<uint16_t>(); break;
      case 0x03: value = fixed<uint32_t>(); break;
      case 0x04: value = fixed<uint64_t>(); break;
      case 0x09: value = static_cast<uint64_t>(sleb()); break;
      case 0x0a: value = static_cast<uint64_t>(static_cast<int16_t>(fixed<uint16_t>())); break;
      case 0x0b: value = static_cast<uint64_t>(static_cast<int32_t>(fixed<uint32_t>())); break;
      case 0x0c: value = fixed<uint64_t>(); break;
      default: ok_ = false; return 0;
    }
    if ((encoding & 0x70) == 0x10) value += here;  // DW_EH_PE_pcrel
    return wide_ ? value : value & 0xffffffff;
  }

 private:
  const ByteReader& file_;
  uint64_t base_;
  uint64_t address_;
  uint64_t size_;
  bool wide_;
  uint64_t pos_ = 0;
  bool ok_ = true;
};

/// The FDE pointer encoding a CIE's augmentation declares ('R'), or absptr; its
/// personality routine ('P') goes to `personalities`.
uint8_t read_cie(EhReader& r, uint64_t cie_end, std::vector<uint64_t>& personalities) {
  r.fixed<uint8_t>();  // version
  std::string augmentation;
  for (char c = static_cast<char>(r.fixed<uint8_t>()); c != 0 && r.ok(); c = static_cast<char>(r.fixed<uint8_t>())) {
    augmentation += c;
  }
  if (augmentation == "eh") r.encoded(0x00);  // old GCC: an extra pointer
  r.uleb();  // code alignment
  r.sleb();  // data alignment
  r.uleb();  // return address register (a byte in version 1, uleb after; same for < 128)
  uint8_t encoding = 0x00;
  if (augmentation.empty() || augmentation[0] != 'z') return encoding;
  r.uleb();  // augmentation data length
  for (size_t i = 1; i < augmentation.size() && r.ok() && r.position() < cie_end; ++i) {
    switch (augmentation[i]) {
      case 'R': encoding = r.fixed<uint8_t>(); break;
      case 'P':
        if (const uint64_t routine = r.encoded(r.fixed<uint8_t>()); r.ok() && routine != 0) {
          personalities.push_back(routine);
        }
        break;
      case 'L': r.fixed<uint8_t>(); break;
      default: break;  // 'S', 'B', 'G': no data
    }
  }
  return encoding;
}

void scan_eh_frame(const elf::ElfFile& file, const elf::Section& section, UnwindTables& out,
                   Diagnostics& diagnostics) {
  const bool wide = file.header().bits == 64;
  EhReader r(file.reader(), section.offset, section.address, section.size, wide);
  std::unordered_map<uint64_t, uint8_t> encodings;  // CIE position -> FDE pointer encoding
  while (r.ok() && r.position() + 4 <= section.size) {
    const uint64_t record = r.position();
    uint64_t length = r.fixed<uint32_t>();
    if (length == 0) break;  // terminator
    if (length == 0xffffffff) length = r.fixed<uint64_t>();
    const uint64_t body = r.position();
    if (!r.ok() || length > section.size - body) {
      diagnostics.warn(fmt::format("{}: .eh_frame record at +{:#x} runs past the section", file.name(), record));
      return;
    }
    const uint64_t end = body + length;
    const uint32_t cie_pointer = r.fixed<uint32_t>();
    if (cie_pointer == 0) {
      encodings[record] = read_cie(r, end, out.personalities);
    } else if (cie_pointer <= body) {
      const uint64_t cie = body - cie_pointer;
      auto it = encodings.find(cie);
      if (it == encodings.end()) {
        EhReader cie_reader(file.reader(), section.offset, section.address, section.size, wide);
        cie_reader.seek(cie + 4 + 4);  // length, CIE id (32-bit records)
        it = encodings.emplace(cie, read_cie(cie_reader, end, out.personalities)).first;
      }
      const uint64_t start = r.encoded(it->second);
      const uint64_t size = r.encoded(it->second & 0x0f);
      if (r.ok() && start != 0) out.ranges.push_back({start, size});
    }
    r.seek(end);
  }
}

// .ARM.exidx: pairs of 32-bit words; the first is a prel31 offset to a function start,
// the second EXIDX_CANTUNWIND (1), inline unwind data or a pointer to it.
void scan_arm_exidx(const elf::ElfFile& file, const elf::Section& section, std::vector<CodeRange>& out) {
  constexpr uint32_t kCantUnwind = 1;
  for (uint64_t at = 0; at + 8 <= section.size; at += 8) {
    uint32_t word = file.reader().read_unchecked<uint32_t>(section.offset + at);
    int32_t offset = static_cast<int32_t>(word << 1) >> 1;
    const bool unwinds = file.reader().read_unchecked<uint32_t>(section.offset + at + 4) != kCantUnwind;
    out.push_back({(section.address + at + static_cast<int64_t>(offset)) & 0xffffffff, 0, unwinds});
  }
}

}  // namespace

UnwindTables read_unwind_tables(const elf::ElfFile& file, Diagnostics& diagnostics) {
  UnwindTables out;
  for (const elf::Section& section : file.sections()) {
    if (section.type == SHT_NOBITS) continue;
    if (section.name == ".eh_frame") scan_eh_frame(file, section, out, diagnostics);
    // SHT_ARM_EXIDX shares its number with MIPS section types: check the machine.
    if (section.type == SHT_ARM_EXIDX && file.header().machine == EM_ARM) scan_arm_exidx(file, section, out.ranges);
  }
  return out;
}

}  // namespace sysfence::cfg
