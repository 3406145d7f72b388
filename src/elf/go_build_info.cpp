#include "elf/go_build_info.h"

#include <elf.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <string_view>

namespace sysfence::elf {
namespace {

// The build-info header (Go's debug/buildinfo): 14 bytes of magic, the pointer size, flags,
// then either two pointers to Go strings (before Go 1.18) or, from offset 32, the two
// strings themselves, each after its length as a uvarint.
constexpr std::string_view kMagic = "\xff Go buildinf:";
constexpr uint64_t kHeaderSize = 32;
constexpr uint8_t kFlagBigEndian = 1;
constexpr uint8_t kFlagInlineStrings = 2;
// Since Go 1.18 the module info is wrapped in 16 bytes of sentinel on each side.
constexpr size_t kSentinel = 16;
// No version or module info comes near this; a longer one is a damaged file.
constexpr uint64_t kMaxString = 1 << 20;

/// The loaded segment whose file bytes hold `address`, if any.
const Segment* segment_holding(const ElfFile& elf, uint64_t address) {
  for (const Segment& s : elf.segments()) {
    if (s.type == PT_LOAD && address >= s.address && address - s.address < s.file_size) return &s;
  }
  return nullptr;
}

/// Up to `most` file bytes from `address` on, as far as its segment's file image goes.
std::span<const uint8_t> bytes_from(const ElfFile& elf, uint64_t address, uint64_t most) {
  const Segment* segment = segment_holding(elf, address);
  if (segment == nullptr) return {};
  auto bytes = elf.bytes_at(address, std::min(most, segment->file_size - (address - segment->address)));
  return bytes ? *bytes : std::span<const uint8_t>{};
}

/// Where the header is: `.go.buildinfo`, or the magic at a 16-byte boundary (the linker
/// aligns it so) of a writable segment's file bytes, for files without section headers.
std::optional<uint64_t> find_header(const ElfFile& elf) {
  if (const Section* section = elf.find_section(".go.buildinfo")) return section->address;
  for (const Segment& segment : elf.segments()) {
    if (segment.type != PT_LOAD || (segment.flags & PF_W) == 0) continue;
    auto bytes = elf.bytes_at(segment.address, segment.file_size);
    if (!bytes) continue;
    for (uint64_t at = (16 - segment.address % 16) % 16; at + kHeaderSize <= bytes->size(); at += 16) {
      if (std::memcmp(bytes->data() + at, kMagic.data(), kMagic.size()) == 0) return segment.address + at;
    }
  }
  return std::nullopt;
}

/// A uvarint-prefixed string at `at` of `bytes`; `at` moves past it.
std::optional<std::string> inline_string(std::span<const uint8_t> bytes, size_t& at) {
  uint64_t length = 0;
  for (int shift = 0;; shift += 7) {
    if (at >= bytes.size() || shift > 63) return std::nullopt;
    const uint8_t byte = bytes[at++];
    length |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  if (length > bytes.size() - at) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(bytes.data() + at), length);
  at += length;
  return out;
}

/// A `size`-byte word of `bytes` at `at`, in the header's byte order.
uint64_t word(std::span<const uint8_t> bytes, size_t at, size_t size, bool big_endian) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) {
    const uint64_t byte = bytes[at + (big_endian ? i : size - 1 - i)];
    value = (value << 8) | byte;
  }
  return value;
}

/// The Go string whose header (data pointer, length) is at `address` (Go before 1.18).
std::optional<std::string> string_at(const ElfFile& elf, uint64_t address, size_t pointer_size,
                                     bool big_endian) {
  const auto header = bytes_from(elf, address, 2 * pointer_size);
  if (header.size() < 2 * pointer_size) return std::nullopt;
  const uint64_t data = word(header, 0, pointer_size, big_endian);
  const uint64_t length = word(header, pointer_size, pointer_size, big_endian);
  if (length > kMaxString) return std::nullopt;
  const auto bytes = bytes_from(elf, data, length);
  if (bytes.size() < length) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

/// The version and module info the header at `address` gives (either may be missing).
std::pair<std::string, std::string> header_strings(const ElfFile& elf, uint64_t address) {
  const auto header = bytes_from(elf, address, kHeaderSize);
  if (header.size() < kHeaderSize || std::memcmp(header.data(), kMagic.data(), kMagic.size()) != 0) return {};
  const size_t pointer_size = header[kMagic.size()];
  const uint8_t flags = header[kMagic.size() + 1];
  const bool big_endian = (flags & kFlagBigEndian) != 0;
  std::optional<std::string> version, modules;
  if ((flags & kFlagInlineStrings) != 0) {
    const auto strings = bytes_from(elf, address + kHeaderSize, 2 * kMaxString);
    size_t at = 0;
    version = inline_string(strings, at);
    if (version) modules = inline_string(strings, at);
  } else if (pointer_size == 4 || pointer_size == 8) {
    const size_t at = kMagic.size() + 2;
    version = string_at(elf, word(header, at, pointer_size, big_endian), pointer_size, big_endian);
    modules =
        string_at(elf, word(header, at + pointer_size, pointer_size, big_endian), pointer_size, big_endian);
  }
  return {version.value_or(""), modules.value_or("")};
}

/// Fills `info` from the module info's lines: `path\tcmd/gofmt`, `build\tCGO_ENABLED=1`, …
void read_module_info(std::string_view text, GoBuildInfo& info) {
  if (text.size() >= 2 * kSentinel + 1 && text[text.size() - kSentinel - 1] == '\n') {
    text = text.substr(kSentinel, text.size() - 2 * kSentinel);
  }
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, tab), rest = line.substr(tab + 1);
    if (key == "path") info.path = rest;
    const size_t equals = rest.find('=');
    if (key == "build" && equals != std::string_view::npos) {
      info.settings[std::string(rest.substr(0, equals))] = rest.substr(equals + 1);
    }
  }
}

bool links_c(const ElfFile& elf) {
  if (elf.interpreter()) return true;
  for (const std::string& needed : elf.dynamic().needed) {
    if (needed.starts_with("libc.so")) return true;
  }
  // (Not `_cgo_init`: every Go program has that runtime variable, null without cgo.)
  constexpr std::array<std::string_view, 2> kCgoEntries = {"crosscall2", "x_cgo_init"};
  for (const auto* table : {&elf.symbols(), &elf.dynamic_symbols()}) {
    for (const Symbol& symbol : *table) {
      if (!symbol.is_undefined() && symbol.type == STT_FUNC &&
          std::find(kCgoEntries.begin(), kCgoEntries.end(), symbol.name) != kCgoEntries.end()) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::optional<GoBuildInfo> read_go_build_info(const ElfFile& elf) {
  const std::optional<uint64_t> header = find_header(elf);
  const bool go_sections =
      elf.find_section(".gopclntab") != nullptr || elf.find_section(".note.go.buildid") != nullptr;
  if (!header && !go_sections) return std::nullopt;
  GoBuildInfo info;
  if (header) {
    auto [version, modules] = header_strings(elf, *header);
    info.version = std::move(version);
    read_module_info(modules, info);
  }
  info.cgo = links_c(elf);
  return info;
}

}  // namespace sysfence::elf
