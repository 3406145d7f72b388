#pragma once
/// The MIPS o32 backend's register numbering (arch/lifted.h `Reg`): the general registers
/// keep their hardware numbers, hi/lo follow, then one lifter temporary that is never
/// live from one lifted instruction to the next.

#include "arch/lifted.h"

namespace sysfence::arch::mips {

inline constexpr Reg kZero = 0;  ///< reads as 0; the lifter never reads or writes it
inline constexpr Reg kAt = 1;
inline constexpr Reg kV0 = 2;
inline constexpr Reg kV1 = 3;
inline constexpr Reg kA0 = 4;
inline constexpr Reg kA1 = 5;
inline constexpr Reg kA2 = 6;
inline constexpr Reg kA3 = 7;
inline constexpr Reg kT0 = 8;
inline constexpr Reg kS0 = 16;
inline constexpr Reg kT8 = 24;
inline constexpr Reg kT9 = 25;
inline constexpr Reg kGp = 28;
inline constexpr Reg kSp = 29;
inline constexpr Reg kFp = 30;
inline constexpr Reg kRa = 31;
inline constexpr Reg kHi = 32;
inline constexpr Reg kLo = 33;
/// Holds the target register of `jr`/`jalr` when the link or the delay slot overwrites
/// that register before control transfers (`jalr ra`, `jr t9; addiu t9, ...`).
inline constexpr Reg kTarget = 34;
inline constexpr Reg kRegisterCount = 35;

}  // namespace sysfence::arch::mips
