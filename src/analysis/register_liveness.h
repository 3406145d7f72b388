#pragma once
/// Which registers a function may still read at the entry of each of its blocks, for
/// the code addresses the value analysis gives up. A join that gives up a register's
/// value (a code address on one path, unknown on the other) loses nothing when the
/// register is dead there: MIPS loads the next callee into t9 in a branch's delay slot,
/// so every such branch joins a t9 that the code after it loads again before any call.

#include <bitset>
#include <cstddef>
#include <functional>
#include <vector>

#include "arch/arch.h"
#include "arch/lifted.h"

namespace sysfence::analysis {

/// One bit per register of the lifted form (arch::Reg is 8 bits wide).
using RegisterSet = std::bitset<256>;

/// A block of a function's decoded instructions, for the liveness.
struct LivenessBlock {
  size_t first = 0;
  size_t last = 0;  ///< inclusive
  const std::vector<size_t>* successors = nullptr;
  /// Control leaves the function at the block's end (a tail call, a branch to another
  /// function, running into the next function): the code there may read any register.
  bool leaves_function = false;
};

/// The registers live at each block's entry. Conservative where code may read a
/// register implicitly: a call reads the argument registers, an indirect jump or system
/// call reads them all, a return reads the return value register, and a Clobber never
/// kills (an ARM conditional write, lifted as a Clobber, may leave the old value in
/// place). Rests on the ABI: a caller reads only the return value register of what a
/// callee leaves behind, and no callee takes a code address in a register other than an
/// argument register (the hand-written helpers that take inputs outside them take
/// numbers: glibc's ARM __libc_do_syscall its syscall number in ip; MIPS's t9 holds the
/// callee's own address, which the call itself reads). So a code address another
/// register holds across a call is live only if code after the call reads it (glibc's
/// MIPS if_nametoindex keeps ioctl's address in s5 for two calls and then reuses s5).
///
/// `clobbers`, where given, says which registers a call instruction leaves changed (what
/// the value analysis makes unknown there): what they held before the call is dead after
/// it (glibc's MIPS getifaddrs keeps ioctl's address in v0 on one path to a call, and
/// reads only the call's result from v0 after it).
using CallClobbers = std::function<const std::vector<arch::Reg>&(const arch::LiftedInsn&)>;
std::vector<RegisterSet> live_at_entry(const std::vector<arch::LiftedInsn>& insns,
                                       const std::vector<LivenessBlock>& blocks, const arch::Conventions& conventions,
                                       const CallClobbers& clobbers = {});

}  // namespace sysfence::analysis
