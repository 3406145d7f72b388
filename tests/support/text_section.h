#pragma once
/// Loads an ELF file, its architecture backend and its .text for the lifters' sweep tests
/// (which lift a cross libc's whole code section).

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "arch/arch.h"
#include "elf/elf_file.h"
#include "util/mapped_file.h"

namespace sysfence::testing {

struct TextSection {
  MappedFile file;
  elf::ElfFile elf;
  std::unique_ptr<arch::Backend> backend;
  const elf::Section* text = nullptr;
  std::span<const uint8_t> bytes;
};

/// The file at `path` with its .text; a gtest failure naming the problem (and
/// `install_hint`, how to get the file) and nullopt when anything is missing.
std::optional<TextSection> load_text_section(const std::string& path, const std::string& install_hint);

}  // namespace sysfence::testing
