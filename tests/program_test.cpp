// Loading a program's DT_NEEDED closure inside a sysroot and binding its imports, on
// hand-built ARM files whose layout exercises the loader's search rules.
#include <elf.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "program/library_search.h"
#include "program/nss_config.h"
#include "program/program.h"
#include "support/elf_builder.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;
using testing::BuiltSymbol;
using testing::ElfBuilder;

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

ElfBuilder arm(uint16_t type = ET_DYN) { return ElfBuilder(32, ByteOrder::Little, EM_ARM, type); }

/// An ARM shared library at `path` under `root_dir` with `soname`, needing `needed` (if not "").
void write_library(const std::string& root_dir, const std::string& path, const std::string& soname,
                   const std::string& needed) {
  ElfBuilder lib = arm();
  lib.soname(soname);
  if (!needed.empty()) lib.needed(needed);
  testing::write_file(root_dir, path, lib.build());
}

class ProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string root = dir_.str();
    // The executable: RUNPATH with $ORIGIN, three libraries, an interpreter.
    ElfBuilder exe = arm();
    exe.interpreter("/lib/ld-linux-armhf.so.3").needed("libA.so").needed("libB.so").needed("libmissing.so");
    exe.runpath("$ORIGIN/../lib/private");
    exe.symbol({.name = "foo", .defined = false, .version = "V2", .version_file = "libA.so"});
    exe.symbol({.name = "bar", .defined = false});
    exe.symbol({.name = "absent_strong", .defined = false});
    exe.symbol({.name = "absent_weak", .defined = false, .binding = STB_WEAK});
    testing::write_file(root, "usr/bin/app", exe.build());

    ElfBuilder a = arm();
    a.soname("libA.so");
    a.symbol({.name = "foo", .defined = true, .version = "V1", .hidden = true});
    a.symbol({.name = "foo", .defined = true, .version = "V2"});
    a.symbol({.name = "bar", .defined = true});
    testing::write_file(root, "usr/lib/private/libA.so", a.build());

    // An x86-64 libB earlier in the search path must be skipped, as the loader does.
    testing::write_file(root, "lib/arm-linux-gnueabihf/libB.so",
                        ElfBuilder(64, ByteOrder::Little, EM_X86_64).soname("libB.so").build());
    ElfBuilder b = arm();
    b.soname("libB.so").needed("libC.so");
    testing::write_file(root, "usr/lib/arm-linux-gnueabihf/libB.so", b.build());

    // libC is only found through an ld.so.conf include.
    write_text(dir_.path() / "etc/ld.so.conf", "# comment\ninclude /etc/ld.so.conf.d/*.conf\n");
    write_text(dir_.path() / "etc/ld.so.conf.d/extra.conf", "/opt/vendor/lib\n");
    ElfBuilder c = arm();
    c.soname("libC.so").needed("ld-linux-armhf.so.3");
    c.symbol({.name = "bar", .defined = true});
    testing::write_file(root, "opt/vendor/lib/libC.so", c.build());

    ElfBuilder ld = arm();
    ld.soname("ld-linux-armhf.so.3");
    testing::write_file(root, "lib/arm-linux-gnueabihf/ld-linux-armhf.so.3", ld.build());
    fs::create_symlink("/lib/arm-linux-gnueabihf/ld-linux-armhf.so.3", dir_.path() / "lib/ld-linux-armhf.so.3");
  }

  testing::TempDir dir_;
};

std::vector<std::string> paths(const program::Program& p) {
  std::vector<std::string> out;
  for (const auto& m : p.modules()) out.push_back(m.path);
  return out;
}

TEST_F(ProgramTest, LoadsTheClosureBreadthFirstWithTheLoadersSearchRules) {
  program::Sysroot root(dir_.path());
  Diagnostics diagnostics;
  auto loaded = program::Program::load(root, "/usr/bin/app", diagnostics);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(paths(*loaded), (std::vector<std::string>{"/usr/bin/app", "/usr/lib/private/libA.so",
                                                      "/usr/lib/arm-linux-gnueabihf/libB.so",
                                                      "/opt/vendor/lib/libC.so",
                                                      "/lib/arm-linux-gnueabihf/ld-linux-armhf.so.3"}));
  EXPECT_EQ(loaded->backend().name(), "arm");
  // The interpreter is the same module libC needs under its soname: loaded once.
  EXPECT_EQ(loaded->interpreter_index(), 4);
  EXPECT_TRUE(loaded->modules()[4].is_interpreter);
  ASSERT_EQ(loaded->missing().size(), 1u);
  EXPECT_EQ(loaded->missing()[0].name, "libmissing.so");
  EXPECT_EQ(loaded->missing()[0].needed_by, "/usr/bin/app");
  ASSERT_EQ(diagnostics.warnings().size(), 1u);
  EXPECT_NE(diagnostics.warnings()[0].find("libmissing.so"), std::string::npos);
}

TEST_F(ProgramTest, BindsImportsByScopeOrderAndVersion) {
  program::Sysroot root(dir_.path());
  Diagnostics diagnostics;
  auto loaded = program::Program::load(root, "usr/bin/app", diagnostics);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& imports = loaded->modules()[0].imports;
  ASSERT_EQ(imports.size(), 4u);
  // foo@V2 binds to libA's default V2 definition (symbol 2), not the hidden V1 (symbol 1).
  EXPECT_EQ(imports[0].definition, (program::SymbolRef{1, 2}));
  // bar: libA comes before libC in load order.
  EXPECT_EQ(imports[1].definition, (program::SymbolRef{1, 3}));
  EXPECT_FALSE(imports[2].definition);
  EXPECT_FALSE(imports[3].definition);
}

TEST_F(ProgramTest, RpathIsIgnoredWhenRunpathIsPresentAndOriginExpands) {
  auto dirs = program::expand_path_list("$ORIGIN/../lib:${ORIGIN}/x::/abs:$PLATFORM/y:/l/$LIB", "/usr/bin",
                                        {"lib/arm-linux-gnueabihf", "lib"});
  EXPECT_EQ(dirs, (std::vector<std::string>{"/usr/bin/../lib", "/usr/bin/x", "/abs",
                                            "/l/lib/arm-linux-gnueabihf", "/l/lib"}));
  program::Sysroot root(dir_.path());
  EXPECT_EQ(program::ld_so_conf_directories(root), (std::vector<std::string>{"/opt/vendor/lib"}));
}

// glibc loads the NSS services /etc/nsswitch.conf names when a lookup first needs them:
// libnss_SERVICE.so.2 from libc's search path, with what it needs; services the sysroot
// lacks are skipped, as glibc skips them, and "[NOTFOUND=return]" is no service.
TEST(ProgramNss, NsswitchServicesAreLoadedAfterTheClosure) {
  testing::TempDir dir;
  const std::string root_dir = dir.str();
  ElfBuilder exe = arm();
  exe.interpreter("/lib/ld-linux-armhf.so.3").needed("libc.so.6");
  testing::write_file(root_dir, "usr/bin/id", exe.build());
  write_library(root_dir, "lib/arm-linux-gnueabihf/libc.so.6", "libc.so.6", "ld-linux-armhf.so.3");
  write_library(root_dir, "lib/ld-linux-armhf.so.3", "ld-linux-armhf.so.3", "");
  write_library(root_dir, "lib/arm-linux-gnueabihf/libnss_systemd.so.2", "libnss_systemd.so.2", "libcap.so.2");
  write_library(root_dir, "lib/arm-linux-gnueabihf/libcap.so.2", "libcap.so.2", "");
  write_text(dir.path() / "etc/nsswitch.conf",
             "# comment\npasswd: files systemd\ngroup: files [NOTFOUND=return] systemd\nhosts: files dns mdns4\n");

  EXPECT_EQ(program::nss_service_libraries(program::Sysroot(dir.path())),
            (std::vector<std::string>{"libnss_files.so.2", "libnss_systemd.so.2", "libnss_dns.so.2",
                                      "libnss_mdns4.so.2"}));
  program::Sysroot root(dir.path());
  Diagnostics diagnostics;
  auto loaded = program::Program::load(root, "/usr/bin/id", diagnostics);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(paths(*loaded),
            (std::vector<std::string>{"/usr/bin/id", "/lib/arm-linux-gnueabihf/libc.so.6", "/lib/ld-linux-armhf.so.3",
                                      "/lib/arm-linux-gnueabihf/libnss_systemd.so.2",
                                      "/lib/arm-linux-gnueabihf/libcap.so.2"}));
  EXPECT_TRUE(loaded->modules()[2].loaded_at_run_time.empty());
  EXPECT_NE(loaded->modules()[3].loaded_at_run_time.find("nsswitch.conf"), std::string::npos);
  EXPECT_FALSE(loaded->modules()[4].loaded_at_run_time.empty());
  EXPECT_TRUE(loaded->missing().empty());  // files, dns, mdns4: not in the sysroot, not missing
  EXPECT_TRUE(diagnostics.warnings().empty());
}

// A static glibc program with glibc's NSS code dlopens the same services, and each
// brings the sysroot's shared libc and loader; a static program without NSS code (or
// not glibc's) loads nothing.
TEST(ProgramNss, StaticGlibcProgramsLoadTheServicesWithTheSharedLibc) {
  testing::TempDir dir;
  const std::string root_dir = dir.str();
  write_library(root_dir, "lib/arm-linux-gnueabihf/libc.so.6", "libc.so.6", "ld-linux-armhf.so.3");
  write_library(root_dir, "lib/ld-linux-armhf.so.3", "ld-linux-armhf.so.3", "");
  write_library(root_dir, "lib/arm-linux-gnueabihf/libnss_systemd.so.2", "libnss_systemd.so.2", "libc.so.6");
  write_text(dir.path() / "etc/nsswitch.conf", "passwd: files systemd\n");
  auto with_text = [](std::vector<uint8_t> bytes, const std::string& text) {
    bytes.insert(bytes.end(), text.begin(), text.end());
    return bytes;
  };
  const auto exe = arm(ET_EXEC).build();
  testing::write_file(root_dir, "bin/static-id",
                      with_text(exe, std::string("GNU C Library (Debian GLIBC 2.36-9)") + '\0' + "/etc/nsswitch.conf"));
  testing::write_file(root_dir, "bin/static-true", with_text(exe, "GNU C Library (Debian GLIBC 2.36-9)"));
  program::Sysroot root(dir.path());
  Diagnostics diagnostics;
  auto id = program::Program::load(root, "/bin/static-id", diagnostics);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(paths(*id), (std::vector<std::string>{"/bin/static-id", "/lib/arm-linux-gnueabihf/libnss_systemd.so.2",
                                                  "/lib/arm-linux-gnueabihf/libc.so.6", "/lib/ld-linux-armhf.so.3"}));
  EXPECT_NE(id->modules()[1].loaded_at_run_time.find("nsswitch.conf"), std::string::npos);
  EXPECT_FALSE(id->modules()[2].loaded_at_run_time.empty());
  auto plain = program::Program::load(root, "/bin/static-true", diagnostics);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(paths(*plain), (std::vector<std::string>{"/bin/static-true"}));
}

TEST_F(ProgramTest, BinaryErrorsNameTheFile) {
  program::Sysroot root(dir_.path());
  Diagnostics diagnostics;
  auto missing = program::Program::load(root, "/usr/bin/nothing", diagnostics);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/usr/bin/nothing: no such file"), std::string::npos);
  auto directory = program::Program::load(root, "/usr/bin", diagnostics);
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.error().message.find("/usr/bin: is a directory"), std::string::npos);
  testing::write_file(dir_.str(), "obj.o", arm(ET_REL).build());
  auto object = program::Program::load(root, "/obj.o", diagnostics);
  ASSERT_FALSE(object);
  EXPECT_NE(object.error().message.find("not an executable"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
