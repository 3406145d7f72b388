#include "disasm/capstone.h"

#include <fmt/format.h>

namespace sysfence::disasm {

Result<Capstone> Capstone::open(cs_arch arch, cs_mode mode) {
  csh handle = 0;
  if (cs_err err = cs_open(arch, mode, &handle); err != CS_ERR_OK) {
    return Error{fmt::format("capstone: cannot open architecture {}: {}", static_cast<int>(arch), cs_strerror(err))};
  }
  cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
  return Capstone(handle, cs_malloc(handle));
}

Capstone::Capstone(Capstone&& other) noexcept : handle_(other.handle_), insn_(other.insn_) {
  other.handle_ = 0;
  other.insn_ = nullptr;
}

Capstone& Capstone::operator=(Capstone&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = other.handle_;
    insn_ = other.insn_;
    other.handle_ = 0;
    other.insn_ = nullptr;
  }
  return *this;
}

Capstone::~Capstone() { release(); }

void Capstone::release() {
  if (insn_ != nullptr) cs_free(insn_, 1);
  if (handle_ != 0) cs_close(&handle_);
  insn_ = nullptr;
  handle_ = 0;
}

const cs_insn* Capstone::decode(std::span<const uint8_t> code, uint64_t address) const {
  const uint8_t* bytes = code.data();
  size_t size = code.size();
  uint64_t at = address;
  if (!cs_disasm_iter(handle_, &bytes, &size, &at, insn_)) return nullptr;
  return insn_;
}

}  // namespace sysfence::disasm
