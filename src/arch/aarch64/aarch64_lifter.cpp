// Placeholder until the aarch64 lifter lands: analysis of aarch64 code is not available yet.
#include "arch/aarch64/aarch64_backend.h"

namespace sysfence::arch {

Reg AArch64Backend::register_count() const { return 0; }

const Conventions& AArch64Backend::conventions() const {
  static const Conventions none;
  return none;
}

Result<std::unique_ptr<Lifter>> AArch64Backend::make_lifter() const {
  return Error{"aarch64: lifter not implemented yet"};
}

}  // namespace sysfence::arch
