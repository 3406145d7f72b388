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
  cache.store(key, {});
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

}  // namespace
}  // namespace sysfence
