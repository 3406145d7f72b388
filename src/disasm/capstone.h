#pragma once
/// RAII wrapper over a Capstone handle with instruction detail on (DESIGN.md disasm/).
/// Decodes one instruction at a time into a buffer it owns; the backends' lifters read
/// the detail and produce arch::LiftedInsn.

#include <capstone/capstone.h>

#include <cstdint>
#include <span>

#include "util/result.h"

namespace sysfence::disasm {

class Capstone {
 public:
  /// Opens Capstone for `arch`/`mode`; an Error when Capstone lacks the architecture.
  static Result<Capstone> open(cs_arch arch, cs_mode mode);

  Capstone(Capstone&& other) noexcept;
  Capstone& operator=(Capstone&& other) noexcept;
  Capstone(const Capstone&) = delete;
  Capstone& operator=(const Capstone&) = delete;
  ~Capstone();

  /// Decodes the instruction at the start of `code`, located at `address`; null when the
  /// bytes are not a valid instruction. The result lives until the next decode().
  const cs_insn* decode(std::span<const uint8_t> code, uint64_t address) const;
  csh handle() const { return handle_; }

 private:
  Capstone(csh handle, cs_insn* insn) : handle_(handle), insn_(insn) {}
  void release();

  csh handle_ = 0;
  cs_insn* insn_ = nullptr;
};

}  // namespace sysfence::disasm
