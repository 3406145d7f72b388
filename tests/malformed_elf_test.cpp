// Malformed input gives an Error naming the file and what is wrong; never a crash,
// hang or out-of-bounds read (the fuzz target checks the last under ASan).
#include <elf.h>
#include <gtest/gtest.h>

#include "elf/elf_file.h"
#include "support/elf_builder.h"

namespace sysfence {
namespace {

using testing::ElfBuilder;

std::vector<uint8_t> valid_file(int bits = 32, ByteOrder order = ByteOrder::Big) {
  ElfBuilder b(bits, order, EM_MIPS);
  b.interpreter("/lib/ld.so.1").needed("libc.so.6").soname("libx.so").build_id({1, 2, 3, 4});
  b.symbol({.name = "f", .defined = true, .version = "X_1"});
  b.symbol({.name = "g", .defined = false, .version = "GLIBC_2.0", .version_file = "libc.so.6"});
  b.relocation({.offset = ElfBuilder::kBase + 8, .type = 3, .symbol = 2});
  return b.build();
}

void put32(std::vector<uint8_t>& bytes, size_t at, uint32_t v, ByteOrder order) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (order == ByteOrder::Little ? 8 * i : 24 - 8 * i));
}
void put16(std::vector<uint8_t>& bytes, size_t at, uint16_t v, ByteOrder order) {
  bytes[at] = static_cast<uint8_t>(order == ByteOrder::Little ? v : v >> 8);
  bytes[at + 1] = static_cast<uint8_t>(order == ByteOrder::Little ? v >> 8 : v);
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
  auto file = elf::ElfFile::parse(bytes, "bad.elf");
  if (file) return "";
  EXPECT_EQ(file.error().message.rfind("bad.elf: ", 0), 0u) << file.error().message;
  return file.error().message;
}

TEST(MalformedElf, EveryTruncationIsAnErrorOrAValidPrefix) {
  for (int bits : {32, 64}) {
    for (ByteOrder order : {ByteOrder::Little, ByteOrder::Big}) {
      auto bytes = valid_file(bits, order);
      for (size_t length = 0; length < bytes.size(); ++length) {
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
        // Section headers sit at the end: every strict prefix loses part of them.
        EXPECT_NE(parse_error(prefix), "") << "length " << length;
      }
      EXPECT_EQ(parse_error(bytes), "");
    }
  }
}

TEST(MalformedElf, EmptyAndNonElfInput) {
  EXPECT_NE(parse_error({}).find("not an ELF file"), std::string::npos);
  std::string script = "#!/bin/sh\necho hello\n";
  EXPECT_NE(parse_error({script.begin(), script.end()}).find("not an ELF file"), std::string::npos);
}

TEST(MalformedElf, BadIdentification) {
  auto bytes = valid_file();
  bytes[EI_CLASS] = 7;
  EXPECT_NE(parse_error(bytes).find("unknown ELF class 7"), std::string::npos);
  bytes = valid_file();
  bytes[EI_DATA] = 0;
  EXPECT_NE(parse_error(bytes).find("unknown ELF byte order"), std::string::npos);
  bytes = valid_file();
  put32(bytes, 20, 9, ByteOrder::Big);  // e_version
  EXPECT_NE(parse_error(bytes).find("unknown ELF version 9"), std::string::npos);
}

TEST(MalformedElf, SectionHeadersPastEndOfFile) {
  auto bytes = valid_file();
  put32(bytes, 0x20, static_cast<uint32_t>(bytes.size() - 8), ByteOrder::Big);  // e_shoff
  std::string error = parse_error(bytes);
  EXPECT_NE(error.find("section header table"), std::string::npos) << error;
  EXPECT_NE(error.find("past end of file"), std::string::npos) << error;
  EXPECT_NE(error.find("file offset 0x"), std::string::npos) << error;
}

TEST(MalformedElf, AbsurdCounts) {
  auto bytes = valid_file();
  put16(bytes, 0x30, 0xfffe, ByteOrder::Big);  // e_shnum
  EXPECT_NE(parse_error(bytes).find("past end of file"), std::string::npos);
  bytes = valid_file();
  put16(bytes, 0x2c, 0xfffe, ByteOrder::Big);  // e_phnum
  EXPECT_NE(parse_error(bytes).find("program header table"), std::string::npos);
  bytes = valid_file();
  put16(bytes, 0x2e, 12, ByteOrder::Big);  // e_shentsize
  EXPECT_NE(parse_error(bytes).find("entry size 12"), std::string::npos);
}

TEST(MalformedElf, ExtendedSectionCountWithoutSectionZero) {
  auto bytes = valid_file();
  put16(bytes, 0x30, 0, ByteOrder::Big);             // e_shnum = 0 means "see section 0"
  put32(bytes, 0x20, 0x7ffffff0, ByteOrder::Big);    // … which is far outside the file
  EXPECT_NE(parse_error(bytes).find("extended section/segment count"), std::string::npos);
}

TEST(MalformedElf, UnterminatedStringTable) {
  ElfBuilder b(32, ByteOrder::Big, EM_MIPS);
  b.needed("libc.so.6");
  auto bytes = b.build();
  const size_t dynstr = b.layout().dynstr;
  // Overwrite every NUL from the first name to the end of the file's string table region
  // up to the symbol table: the name then runs into the next table without a terminator.
  for (size_t i = dynstr + 1; i < b.layout().dynsym; ++i) bytes[i] = 'A';
  std::string error = parse_error(bytes);
  EXPECT_NE(error.find("not NUL-terminated"), std::string::npos) << error;
}

TEST(MalformedElf, StringIndexOutsideTable) {
  ElfBuilder b(64, ByteOrder::Little, EM_X86_64);
  b.needed("libc.so.6");
  auto bytes = b.build();
  // The first dynamic entry is DT_NEEDED: point its name far outside .dynstr.
  bytes[b.layout().dynamic + 8] = 0xff;
  bytes[b.layout().dynamic + 9] = 0xff;
  std::string error = parse_error(bytes);
  EXPECT_NE(error.find("outside its"), std::string::npos) << error;
}

TEST(MalformedElf, BrokenVersionTableIsAWarningNotAFailure) {
  ElfBuilder b(32, ByteOrder::Little, EM_ARM);
  b.symbol({.name = "g", .defined = false, .version = "GLIBC_2.4", .version_file = "libc.so.6"});
  auto bytes = b.build();
  // vn_aux of the only requirement points past the end of the file.
  put32(bytes, b.layout().verneed + 8, 0x7fffffff, ByteOrder::Little);
  auto file = elf::ElfFile::parse(bytes, "bad.elf");
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_EQ(file->warnings().size(), 1u);
  EXPECT_NE(file->warnings()[0].find("bad.elf"), std::string::npos);
  EXPECT_EQ(file->dynamic_symbols()[1].version, "");
}

TEST(MalformedElf, SingleByteCorruptionsNeverCrash) {
  // Not a proof (the fuzz target is), but cheap coverage of every field of a small file.
  const auto bytes = valid_file(64, ByteOrder::Little);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t value : {uint8_t{0x00}, uint8_t{0xff}, uint8_t{0x80}}) {
      auto mutated = bytes;
      mutated[i] = value;
      auto file = elf::ElfFile::parse(mutated, "mutated.elf");
      if (!file) {
        EXPECT_FALSE(file.error().message.empty());
      }
    }
  }
}

}  // namespace
}  // namespace sysfence
