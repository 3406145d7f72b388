#include "support/analyse_elf.h"

#include <gtest/gtest.h>

#include "program/program.h"
#include "support/elf_builder.h"
#include "support/temp_dir.h"

namespace sysfence::testing {

analysis::AnalysisResult analyse_elf(const std::vector<uint8_t>& bytes) {
  TempDir dir;
  write_file(dir.path().string(), "program", bytes);
  program::Sysroot root(dir.path());
  Diagnostics diagnostics;
  auto program = program::Program::load(root, "/program", diagnostics);
  EXPECT_TRUE(program) << program.error().message;
  if (!program) return {};
  auto result = analysis::analyse_program(*program, diagnostics);
  EXPECT_TRUE(result) << result.error().message;
  if (!result) return {};
  return *result;
}

}  // namespace sysfence::testing
