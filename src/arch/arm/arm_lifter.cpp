// Placeholder until the arm lifter lands: analysis of arm code is not available yet.
#include "arch/arm/arm_backend.h"

namespace sysfence::arch {

Reg ArmBackend::register_count() const { return 0; }

const Conventions& ArmBackend::conventions() const {
  static const Conventions none;
  return none;
}

Result<std::unique_ptr<Lifter>> ArmBackend::make_lifter() const {
  return Error{"arm: lifter not implemented yet"};
}

}  // namespace sysfence::arch
