// libFuzzer target: the text and binary files sysfence reads besides ELF files. The first
// byte picks the reader, the rest is the file: a policy file as `run`, `check` and `cve`
// load it (sysfence JSON, OCI/Docker JSON or a raw BPF program, then simulated on a few
// calls), a trace as `check` reads it, a CVE table as `cve` parses data/kernel_cves.json.
// Each must give a value or an error, never crash, abort or hang (ASan+UBSan build).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "cve/kernel_cves.h"
#include "enforce/bpf_simulator.h"
#include "enforce/trace_constants.h"
#include "enforce/trace_reader.h"
#include "policy/policy_file.h"

namespace {

const std::string& scratch_file() {
  static const std::string file = [] {
    char name[] = "/tmp/sysfence-parsers-fuzz-XXXXXX";
    const int fd = mkstemp(name);
    if (fd < 0) std::abort();
    close(fd);
    return std::string(name);
  }();
  return file;
}

void load_policy(const std::string& content) {
  std::ofstream(scratch_file(), std::ios::binary | std::ios::trunc) << content;
  auto loaded = sysfence::policy::load_policy_file(scratch_file(), "x86_64", std::nullopt);
  if (!loaded) return;
  for (int32_t nr : {0, 1, 59, 231, 435, -1}) {
    sysfence::enforce::SeccompData call;
    call.nr = nr;
    call.arch = 0xc000003e;  // AUDIT_ARCH_X86_64
    call.args = {0, 1, 2, 0xffffffff, 1ULL << 40, ~0ULL};
    (void)sysfence::enforce::run_filter(loaded->program, call, false);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string content(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: load_policy(content); break;
    case 1: {
      static const sysfence::enforce::TraceConstants constants("x86_64");
      (void)sysfence::enforce::read_trace(content, "fuzz-trace", 64, constants);
      break;
    }
    default: {
      const auto json = nlohmann::json::parse(content, nullptr, false);
      if (!json.is_discarded()) (void)sysfence::cve::KernelCves::parse(json, "fuzz-cves");
      break;
    }
  }
  return 0;
}
