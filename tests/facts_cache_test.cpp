// The facts cache: a warm run reuses every function's facts and gives the same result;
// a damaged cache file is a miss, never an error or a different answer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "analysis/facts_cache.h"
#include "analysis/program_analysis.h"
#include "program/program.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

TEST(FactsCache, WarmRunReusesFactsAndDamagedFilesAreMisses) {
  program::Sysroot root("/");
  Diagnostics diagnostics;
  auto program = program::Program::load(root, "/bin/true", diagnostics);
  ASSERT_TRUE(program) << program.error().message;
  testing::TempDir dir;
  const analysis::FactsCache cache(dir.path());

  auto cold = analysis::analyse_program(*program, diagnostics, &cache);
  ASSERT_TRUE(cold) << cold.error().message;
  EXPECT_EQ(cold->functions_from_cache, 0u);
  auto warm = analysis::analyse_program(*program, diagnostics, &cache);
  ASSERT_TRUE(warm);
  EXPECT_EQ(warm->functions_from_cache, warm->functions_analysed);
  EXPECT_EQ(warm->syscalls.size(), cold->syscalls.size());
  for (const auto& [nr, origins] : cold->syscalls) EXPECT_TRUE(warm->syscalls.count(nr)) << nr;
  EXPECT_EQ(warm->unresolved.size(), cold->unresolved.size());

  // Cut every cache file in half: each becomes a miss and the answer stays the same.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    fs::resize_file(entry.path(), fs::file_size(entry.path()) / 2);
  }
  auto damaged = analysis::analyse_program(*program, diagnostics, &cache);
  ASSERT_TRUE(damaged);
  EXPECT_EQ(damaged->functions_from_cache, 0u);
  EXPECT_EQ(damaged->syscalls.size(), cold->syscalls.size());
}

TEST(FactsCache, StoreRemovesTheModulesFilesFromOtherAnalyserBuilds) {
  testing::TempDir dir;
  const analysis::FactsCache cache(dir.path());
  const std::vector<uint8_t> module = {1, 2, 3};
  const std::string key = analysis::FactsCache::key(module);
  const std::string other_build = key.substr(0, key.find("-v") + 2) + "1-0123456789abcdef.facts";
  const std::string other_module = "0000000000000000-3-v1-0123456789abcdef.facts";
  std::ofstream(dir.path() / other_build) << "stale";
  std::ofstream(dir.path() / other_module) << "kept";
  cache.store(key, {}, std::nullopt);
  EXPECT_TRUE(fs::exists(dir.path() / (key + ".facts")));
  EXPECT_FALSE(fs::exists(dir.path() / other_build));
  EXPECT_TRUE(fs::exists(dir.path() / other_module));
}

TEST(FactsCache, KeysFollowContent) {
  const std::vector<uint8_t> a = {1, 2, 3};
  const std::vector<uint8_t> b = {1, 2, 4};
  EXPECT_EQ(analysis::FactsCache::key(a), analysis::FactsCache::key(a));
  EXPECT_NE(analysis::FactsCache::key(a), analysis::FactsCache::key(b));
}

// Fields read through parameters, the stack objects a call passes and the module's
// computed data addresses survive the cache.
TEST(FactsCache, FieldsAndPassedObjectsRoundTrip) {
  testing::TempDir dir;
  const analysis::FactsCache cache(dir.path());
  using analysis::Value;
  analysis::FunctionFacts f;
  f.start = 0x1000;
  f.end = 0x1100;
  const Value flags =
      Value::field({0, 0x20, 8}).bit_or(Value::field({0, 0, 4}), 64).bit_or(0x100, 64).bit_and(0xffffffff, 64);
  f.syscalls.push_back({0x1010, Value::constant(56), {{0, flags}, {1, Value::field({2, -8, 2}).sign_extend(16, 64)}}});
  analysis::CallSite call;
  call.address = 0x1020;
  call.kind = analysis::CallSite::Kind::Local;
  call.target = 0x2000;
  call.args = {{0, Value::stack(-0x60)}};
  call.passed = {{0, 0, 8, Value::constant(0x3d0f00)}, {0, 0x20, 16, Value::constant(0)}, {0, 0x30, 4, flags}};
  call.memory_written = true;
  f.calls.push_back(call);
  f.global_stores.push_back({0x5a38, 8, Value::parameter(0)});
  f.escaped_data = {0x59b0};
  f.syscalls.push_back({0x1030, Value::global(0x5a38, 4, true, 0x10, true), {}});
  const Value shifted = Value::parameter(1).shift_left(15, 32).bit_and(0x10000000, 64).bit_or(0x11, 64);
  const Value flipped = Value::parameter(1).bit_xor(0x80, 64);  // glibc: private ^ FUTEX_PRIVATE_FLAG
  f.syscalls.push_back({0x1040, Value::constant(220), {{0, shifted}, {1, Value::library_object(0)}, {2, flipped}}});
  const std::string key = analysis::FactsCache::key(std::vector<uint8_t>{7, 7, 7});
  cache.store(key, {&f}, std::vector<uint64_t>{0x59b0, 0x5a38});

  auto loaded = cache.load(key);
  EXPECT_EQ(loaded.computed_addresses, (std::vector<uint64_t>{0x59b0, 0x5a38}));
  ASSERT_EQ(loaded.functions.size(), 1u);
  const analysis::FunctionFacts& back = loaded.functions.begin()->second;
  ASSERT_EQ(back.syscalls.size(), 3u);
  EXPECT_EQ(back.syscalls[1].number, Value::global(0x5a38, 4, true, 0x10, true));
  ASSERT_EQ(back.syscalls[2].args.size(), 3u);
  EXPECT_EQ(back.syscalls[2].args[2].value, flipped);
  EXPECT_EQ(back.syscalls[2].args[0].value, shifted);
  EXPECT_EQ(back.syscalls[2].args[1].value, Value::library_object(0));
  ASSERT_EQ(back.global_stores.size(), 1u);
  EXPECT_EQ(back.global_stores[0].address, 0x5a38u);
  EXPECT_EQ(back.global_stores[0].value, Value::parameter(0));
  EXPECT_EQ(back.escaped_data, std::vector<uint64_t>{0x59b0});
  ASSERT_EQ(back.syscalls[0].args.size(), 2u);
  EXPECT_EQ(back.syscalls[0].args[0].value, flags);
  EXPECT_EQ(back.syscalls[0].args[1].value, f.syscalls[0].args[1].value);
  ASSERT_EQ(back.calls.size(), 1u);
  ASSERT_EQ(back.calls[0].passed.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back.calls[0].passed.at(i).offset, call.passed.at(i).offset);
    EXPECT_EQ(back.calls[0].passed.at(i).width, call.passed.at(i).width);
    EXPECT_EQ(back.calls[0].passed.at(i).value, call.passed.at(i).value);
  }
  EXPECT_TRUE(back.calls[0].memory_written);
}

}  // namespace
}  // namespace sysfence
