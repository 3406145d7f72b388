// Placeholder until the x86_64 lifter lands: analysis of x86_64 code is not available yet.
#include "arch/x86_64/x86_64_backend.h"

namespace sysfence::arch {

Reg X86_64Backend::register_count() const { return 0; }

const Conventions& X86_64Backend::conventions() const {
  static const Conventions none;
  return none;
}

Result<std::unique_ptr<Lifter>> X86_64Backend::make_lifter() const {
  return Error{"x86_64: lifter not implemented yet"};
}

}  // namespace sysfence::arch
