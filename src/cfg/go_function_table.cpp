#include "cfg/go_function_table.h"

#include <fmt/format.h>

#include "util/byte_reader.h"

namespace sysfence::cfg {
namespace {

// The header's first word (runtime/symtab.go, pcHeader): the layout of what follows.
constexpr uint32_t kGo116 = 0xfffffffa;
constexpr uint32_t kGo118 = 0xfffffff0;  // also Go 1.19
constexpr uint32_t kGo120 = 0xfffffff1;  // the same layout as 1.18's
// More functions than any program has: a damaged count, not a table to walk.
constexpr uint64_t kMaxFunctions = 1 << 24;
// Longer than any function name Go writes: a damaged offset, not a name.
constexpr uint64_t kMaxName = 4096;

class TableReader {
 public:
  TableReader(const ByteReader& bytes, size_t pointer_size) : bytes_(bytes), pointer_size_(pointer_size) {}

  /// A `width`-byte unsigned word at `offset`, or nullopt past the end.
  std::optional<uint64_t> word(uint64_t offset, size_t width) const {
    if (width == 4) {
      auto value = bytes_.read<uint32_t>(offset);
      return value ? std::optional<uint64_t>(*value) : std::nullopt;
    }
    auto value = bytes_.read<uint64_t>(offset);
    return value ? std::optional<uint64_t>(*value) : std::nullopt;
  }
  std::optional<uint64_t> pointer(uint64_t offset) const { return word(offset, pointer_size_); }

  /// The NUL-terminated name at `offset` (at most kMaxName bytes before the NUL), or ""
  /// when it runs out of the table or past that.
  std::string name(uint64_t offset) const {
    auto name = bytes_.c_string(offset, offset + kMaxName);
    return name ? std::string(*name) : std::string();
  }

 private:
  const ByteReader& bytes_;
  size_t pointer_size_;
};

}  // namespace

std::vector<GoFunction> read_go_functions(const elf::ElfFile& file, Diagnostics& diagnostics) {
  const elf::Section* section = file.find_section(".gopclntab");
  if (section == nullptr) return {};
  auto contents = file.section_bytes(*section);
  if (!contents) {
    diagnostics.warn(contents.error().message);
    return {};
  }
  const ByteReader bytes(*contents, file.reader().order(), file.name());
  auto fail = [&](std::string_view what) {
    diagnostics.warn(fmt::format("{}: .gopclntab: {}; Go functions after that point are found by calls only",
                                 file.name(), what));
  };
  const auto magic = bytes.read<uint32_t>(0);
  const auto pointer_size = bytes.read<uint8_t>(7);
  if (!magic || !pointer_size || (*magic != kGo116 && *magic != kGo118 && *magic != kGo120) ||
      (*pointer_size != 4 && *pointer_size != 8)) {
    fail("a header this reader does not know (Go before 1.16?)");
    return {};
  }
  const TableReader table(bytes, *pointer_size);
  // After the 8-byte start: nfunc, nfiles, [textStart,] funcnameOffset, cuOffset,
  // filetabOffset, pctabOffset, pclnOffset, each pointer-sized.
  const bool go116 = *magic == kGo116;
  auto field = [&](int index) { return table.pointer(8 + static_cast<uint64_t>(index) * *pointer_size); };
  const auto count = field(0);
  const auto names = field(go116 ? 2 : 3);
  const auto functions = field(go116 ? 6 : 7);
  if (!count || !names || !functions || *count > kMaxFunctions) {
    fail("a header that runs out of the section");
    return {};
  }
  // The function table: count + 1 entries (the last one is where the code ends), each an
  // entry and the offset of the function's record. Go 1.18 made them 32-bit offsets from
  // the start of Go's text, which the header gives; a position-independent program with
  // RELA relocations has 0 there in the file (the loader writes it), and then it is where
  // .text begins, as Go's debug/gosym takes it.
  const size_t entry_width = go116 ? *pointer_size : 4;
  uint64_t text_start = 0;
  if (!go116) {
    const elf::Section* text = file.find_section(".text");
    text_start = field(2).value_or(0);
    if (text_start == 0 && text != nullptr) text_start = text->address;
    if (text_start == 0) {
      fail("no start of the text to count entries from");
      return {};
    }
  }
  auto entry_at = [&](uint64_t i) -> std::optional<uint64_t> {
    auto value = table.word(*functions + i * 2 * entry_width, entry_width);
    if (!value) return std::nullopt;
    return text_start + *value;
  };
  if (*functions > bytes.size() || (*count + 1) * 2 * entry_width > bytes.size() - *functions) {
    fail("a function table that runs out of the section");
    return {};
  }
  std::vector<GoFunction> out;
  out.reserve(*count);
  std::optional<uint64_t> entry = entry_at(0);
  for (uint64_t i = 0; i < *count; ++i) {
    const std::optional<uint64_t> next = entry_at(i + 1);
    if (!entry || !next || *next < *entry) {
      fail(fmt::format("function {} of {} does not check out", i, *count));
      return out;
    }
    // The function's record (runtime._func) begins with its entry, then the offset of its
    // name and the size of its arguments (int32; negative: not known).
    const auto record = table.word(*functions + i * 2 * entry_width + entry_width, entry_width);
    std::string name;
    std::optional<uint32_t> argument_bytes;
    if (record) {
      const uint64_t fields = *functions + *record + entry_width;
      const auto name_offset = table.word(fields, 4);
      if (name_offset) name = table.name(*names + static_cast<uint32_t>(*name_offset));
      const auto arguments = table.word(fields + 4, 4);
      if (arguments && static_cast<int32_t>(*arguments) >= 0)
        argument_bytes = static_cast<uint32_t>(*arguments);
    }
    out.push_back({*entry, *next - *entry, std::move(name), argument_bytes});
    entry = next;
  }
  return out;
}

}  // namespace sysfence::cfg
