// libFuzzer target: a mutated ELF file through whole commands as a user runs them:
// `info`, and `analyze` in one of its formats (picked by the input's last byte, so that
// the ELF header stays where mutations of real files leave it). Every run must end with
// exit status 0, 1 or 2: no crash, abort, sanitizer report, leak or hang (-timeout).
// The file sits alone in a scratch sysroot, so its libraries are missing (--allow-missing).
// One analysis thread: libFuzzer's coverage and comparison tables are shared by every thread
// of the process, and two threads writing them side by side took 1.4x the processor time of
// one for the same 300 inputs; scripts/fuzz --jobs runs fuzzing processes side by side instead.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cli/app.h"

namespace {

const std::string& scratch_directory() {
  static const std::string directory = [] {
    char name[] = "/tmp/sysfence-cli-fuzz-XXXXXX";
    if (mkdtemp(name) == nullptr) std::abort();
    return std::string(name);
  }();
  return directory;
}

void run(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int status = sysfence::cli::run_sysfence(static_cast<int>(args.size()), argv.data());
  if (status < 0 || status > 2) std::abort();  // DESIGN.md: 0, 1 or 2, nothing else
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kFormats[] = {"native", "report", "bpf", "oci", "c", "systemd"};
  const std::string& root = scratch_directory();
  const std::string file = root + "/input";
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  const std::string format = kFormats[size == 0 ? 0 : data[size - 1] % std::size(kFormats)];
  run({"sysfence", "info", file, "--sysroot", root});
  run({"sysfence", "analyze", file, "--sysroot", root, "--no-cache", "--accept-unresolved", "--allow-missing",
       "--no-exec-closure", "--threads", "1", "--format", format, "-o", "/dev/null"});
  return 0;
}
