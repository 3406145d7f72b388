// Placeholder until the mips lifter lands: analysis of mips code is not available yet.
#include "arch/mips/mips_backend.h"

namespace sysfence::arch {

Reg MipsBackend::register_count() const { return 0; }

const Conventions& MipsBackend::conventions() const {
  static const Conventions none;
  return none;
}

Result<std::unique_ptr<Lifter>> MipsBackend::make_lifter() const {
  return Error{"mips: lifter not implemented yet"};
}

}  // namespace sysfence::arch
