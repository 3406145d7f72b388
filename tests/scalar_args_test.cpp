// The table of scalar syscall arguments (data/scalar_args.json): well formed, naming
// real syscalls and argument positions, never a pointer or a length.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "analysis/scalar_args.h"
#include "analysis/syscall_names.h"

namespace sysfence::analysis {
namespace {

TEST(ScalarArgs, EveryEntryIsARealSyscallArgument) {
  std::ifstream file(std::string(SYSFENCE_SOURCE_DIR) + "/data/scalar_args.json");
  ASSERT_TRUE(file) << "data/scalar_args.json";
  const auto json = nlohmann::json::parse(file);
  EXPECT_EQ(json["schema"], "sysfence-scalar-args/1");
  const SyscallNames arches[] = {SyscallNames("x86_64"), SyscallNames("aarch64"), SyscallNames("arm"),
                                 SyscallNames("mipsel"), SyscallNames("x86")};
  std::set<std::string> meanings;
  for (const auto& [name, args] : json["syscalls"].items()) {
    for (const auto& [index, meaning] : args.items()) meanings.insert(meaning.get<std::string>());
  }
  for (const auto& bits : json["bit_sets"]) EXPECT_TRUE(meanings.count(bits.get<std::string>())) << bits;
  for (const auto& [name, args] : json["syscalls"].items()) {
    EXPECT_TRUE(std::any_of(std::begin(arches), std::end(arches), [&](const auto& a) { return a.number(name); }))
        << name << " is no syscall on any supported architecture";
    ASSERT_FALSE(args.empty()) << name;
    for (const auto& [index, meaning] : args.items()) {
      const int i = std::stoi(index);
      EXPECT_GE(i, 0) << name;
      EXPECT_LE(i, 5) << name;
      EXPECT_FALSE(meaning.get<std::string>().empty()) << name;
    }
  }
}

TEST(ScalarArgs, TheCompiledTableIsTheDataFile) {
  const ScalarArgs& table = ScalarArgs::table();
  EXPECT_EQ(table.indices("socket"), (std::vector<uint8_t>{0, 1, 2}));
  EXPECT_EQ(table.meaning("socket", 0), "domain");
  EXPECT_EQ(table.indices("mmap2"), (std::vector<uint8_t>{2, 3}));
  EXPECT_EQ(table.indices("ioctl"), (std::vector<uint8_t>{1}));
  EXPECT_TRUE(table.indices("read").empty());  // a descriptor, a pointer and a length
  EXPECT_TRUE(table.indices("write").empty());
  EXPECT_EQ(table.meaning("read", 0), "");
  EXPECT_TRUE(table.is_bit_set("mmap", 2));  // prot
  EXPECT_TRUE(table.is_bit_set("clone", 0));  // flags
  EXPECT_FALSE(table.is_bit_set("socket", 0));  // a domain is one value, not bits
  EXPECT_FALSE(table.is_bit_set("ioctl", 1));
}

}  // namespace
}  // namespace sysfence::analysis
