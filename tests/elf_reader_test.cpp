// The reader on hand-built files of every class x byte order x machine it claims.
#include <elf.h>
#include <gtest/gtest.h>

#include "arch/arch.h"
#include "elf/elf_file.h"
#include "support/elf_builder.h"

namespace sysfence {
namespace {

using testing::BuiltSymbol;
using testing::ElfBuilder;

struct Flavour {
  int bits;
  ByteOrder order;
  uint16_t machine;
  const char* arch;  ///< backend name, or "" when the combination is unsupported
};

class ElfReaderTest : public ::testing::TestWithParam<Flavour> {
 protected:
  ElfBuilder builder() const {
    ElfBuilder b(GetParam().bits, GetParam().order, GetParam().machine);
    b.interpreter("/lib/ld-test.so.1").needed("libc.so.6").needed("libm.so.6").soname("libtest.so.1");
    b.runpath("$ORIGIN/../lib").build_id({0xde, 0xad, 0xbe, 0xef, 0x01});
    return b;
  }
};

TEST_P(ElfReaderTest, ReadsHeaderDynamicSymbolsVersionsRelocationsAndBuildId) {
  ElfBuilder b = builder();
  uint32_t exported = b.symbol({.name = "api_v2", .defined = true, .version = "TEST_2"});
  uint32_t old = b.symbol({.name = "api_v1", .defined = true, .version = "TEST_1", .hidden = true});
  uint32_t import = b.symbol({.name = "malloc", .defined = false, .version = "GLIBC_2.4", .version_file = "libc.so.6"});
  uint32_t weak = b.symbol({.name = "__gmon_start__", .defined = false, .binding = STB_WEAK, .type = STT_NOTYPE});
  b.relocation({.offset = ElfBuilder::kBase + 0x40, .type = 7, .symbol = import, .plt = true});
  b.relocation({.offset = ElfBuilder::kBase + 0x48, .type = 6, .symbol = weak});
  auto bytes = b.build();

  auto file = elf::ElfFile::parse(bytes, "synthetic");
  ASSERT_TRUE(file) << file.error().message;
  const auto& h = file->header();
  EXPECT_EQ(h.bits, GetParam().bits);
  EXPECT_EQ(h.order, GetParam().order);
  EXPECT_EQ(h.machine, GetParam().machine);
  EXPECT_EQ(h.type, elf::FileType::SharedObject);
  EXPECT_EQ(h.entry, ElfBuilder::kBase + 0x100);
  EXPECT_EQ(file->interpreter(), "/lib/ld-test.so.1");
  EXPECT_EQ(file->dynamic().needed, (std::vector<std::string>{"libc.so.6", "libm.so.6"}));
  EXPECT_EQ(file->dynamic().soname, "libtest.so.1");
  EXPECT_EQ(file->dynamic().runpath, "$ORIGIN/../lib");
  EXPECT_FALSE(file->dynamic().rpath);
  EXPECT_EQ(file->build_id(), "deadbeef01");
  EXPECT_TRUE(file->warnings().empty());

  const auto& symbols = file->dynamic_symbols();
  ASSERT_EQ(symbols.size(), 5u);
  EXPECT_EQ(symbols[exported].name, "api_v2");
  EXPECT_EQ(symbols[exported].version, "TEST_2");
  EXPECT_FALSE(symbols[exported].version_hidden);
  EXPECT_FALSE(symbols[exported].is_undefined());
  EXPECT_EQ(symbols[old].version, "TEST_1");
  EXPECT_TRUE(symbols[old].version_hidden);
  EXPECT_TRUE(symbols[import].is_undefined());
  EXPECT_EQ(symbols[import].version, "GLIBC_2.4");
  EXPECT_EQ(symbols[import].version_file, "libc.so.6");
  EXPECT_EQ(symbols[weak].binding, STB_WEAK);
  EXPECT_EQ(symbols[weak].version, "");

  ASSERT_EQ(file->relocations().size(), 2u);
  const auto& relocs = file->relocations();
  auto plt = std::find_if(relocs.begin(), relocs.end(), [](const auto& r) { return r.is_plt; });
  ASSERT_NE(plt, relocs.end());
  EXPECT_EQ(plt->symbol, import);
  EXPECT_EQ(plt->type, 7u);
  EXPECT_EQ(plt->offset, ElfBuilder::kBase + 0x40);

  ASSERT_NE(file->find_section(".dynsym"), nullptr);
  auto at_entry = file->bytes_at(ElfBuilder::kBase, 4);
  ASSERT_TRUE(at_entry);
  EXPECT_EQ((*at_entry)[0], 0x7f);
  EXPECT_FALSE(file->bytes_at(ElfBuilder::kBase + bytes.size(), 1));
}

// Firmware is often shipped with section headers removed (sstrip): the dynamic
// symbols, versions and libraries must then come from the dynamic segment alone.
TEST_P(ElfReaderTest, ReadsDynamicSymbolsWithoutSectionHeaders) {
  ElfBuilder b = builder();
  b.symbol({.name = "exported", .defined = true, .version = "V1"});
  b.symbol({.name = "imported", .defined = false, .version = "GLIBC_2.17", .version_file = "libc.so.6"});
  auto bytes = b.build();
  const bool wide = GetParam().bits == 64;
  // Zero e_shoff, e_shnum and e_shstrndx.
  const size_t shoff = wide ? 0x28 : 0x20;
  const size_t shnum = wide ? 0x3c : 0x30;
  std::fill_n(bytes.begin() + shoff, wide ? 8 : 4, 0);
  std::fill_n(bytes.begin() + shnum, 4, 0);

  auto file = elf::ElfFile::parse(bytes, "stripped");
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_TRUE(file->sections().empty());
  ASSERT_EQ(file->dynamic_symbols().size(), 3u);
  EXPECT_EQ(file->dynamic_symbols()[1].name, "exported");
  EXPECT_EQ(file->dynamic_symbols()[1].version, "V1");
  EXPECT_EQ(file->dynamic_symbols()[2].version, "GLIBC_2.17");
  EXPECT_EQ(file->dynamic().needed.size(), 2u);
}

TEST_P(ElfReaderTest, ChoosesTheArchitectureBackend) {
  auto bytes = builder().build();
  auto file = elf::ElfFile::parse(bytes, "synthetic");
  ASSERT_TRUE(file);
  auto backend = arch::backend_for(*file);
  if (std::string(GetParam().arch).empty()) {
    ASSERT_FALSE(backend);
    EXPECT_NE(backend.error().message.find("unsupported architecture"), std::string::npos);
    EXPECT_NE(backend.error().message.find("synthetic"), std::string::npos);
  } else {
    ASSERT_TRUE(backend) << backend.error().message;
    EXPECT_EQ((*backend)->name(), GetParam().arch);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllFlavours, ElfReaderTest,
    ::testing::Values(Flavour{64, ByteOrder::Little, EM_X86_64, "x86_64"},
                      Flavour{64, ByteOrder::Little, EM_AARCH64, "aarch64"},
                      Flavour{32, ByteOrder::Little, EM_ARM, "arm"},
                      Flavour{32, ByteOrder::Little, EM_MIPS, "mipsel"},
                      Flavour{32, ByteOrder::Big, EM_MIPS, "mips"},
                      Flavour{32, ByteOrder::Little, EM_386, "x86"},
                      // Parsed (the reader is generic) but not analysed:
                      Flavour{64, ByteOrder::Big, EM_AARCH64, ""},
                      Flavour{32, ByteOrder::Big, EM_ARM, ""},
                      Flavour{64, ByteOrder::Big, EM_MIPS, ""}),
    [](const auto& info) {
      return fmt::format("{}bit_{}_{}", info.param.bits, info.param.order == ByteOrder::Little ? "le" : "be",
                         info.param.machine);
    });

}  // namespace
}  // namespace sysfence
