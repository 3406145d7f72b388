#include "support/text_section.h"

#include <gtest/gtest.h>

namespace sysfence::testing {

std::optional<TextSection> load_text_section(const std::string& path, const std::string& install_hint) {
  auto mapped = MappedFile::open(path);
  if (!mapped) {
    ADD_FAILURE() << mapped.error().message << " (" << install_hint << ")";
    return std::nullopt;
  }
  auto elf = elf::ElfFile::parse(mapped->bytes(), path);
  if (!elf) {
    ADD_FAILURE() << elf.error().message;
    return std::nullopt;
  }
  auto backend = arch::backend_for(*elf);
  if (!backend) {
    ADD_FAILURE() << backend.error().message;
    return std::nullopt;
  }
  // The parsed file points into the mapping, which keeps its address when moved.
  TextSection out{std::move(*mapped), std::move(*elf), std::move(*backend)};
  out.text = out.elf.find_section(".text");
  if (out.text == nullptr) {
    ADD_FAILURE() << path << ": no .text section";
    return std::nullopt;
  }
  auto bytes = out.elf.section_bytes(*out.text);
  if (!bytes) {
    ADD_FAILURE() << bytes.error().message;
    return std::nullopt;
  }
  out.bytes = *bytes;
  return out;
}

}  // namespace sysfence::testing
