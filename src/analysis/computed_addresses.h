#pragma once
/// The addresses of a module's data that any of its code computes, reached or not: where
/// DataRegions may cut the data into objects (DESIGN.md analysis/). The reached code
/// names far fewer addresses than the whole module, so a stripped library's data would
/// otherwise stay in a few large regions, and one object reached would make the function
/// pointers of its unrelated neighbours address-taken (libsystemd's consecutive hash_ops
/// structs after a table the reached code uses).
///
/// What counts as computed: the constant result of an addition of constants the code set
/// or loaded, none of them itself a computed address (AArch64 `adrp` + `add`, MIPS `%got`
/// page + `addiu`, ARM `ldr` literal + `add pc`). Page bases and GOT page entries are not
/// addresses of anything; a member address computed from an object's address (`add x1,
/// x0, #200`, or from the address a GOT entry holds) is not an object's start. A load or
/// store at a constant address is a field access, not counted either. Where code forms
/// an address in one instruction (Conventions::addresses_in_one_instruction: x86-64),
/// nothing is counted. The pass is linear over each function (to its known end, else to
/// the next known start, as the analysis decodes it; where literal pools sit in the code,
/// only known ends and only what control reaches from the entry) and forgets every
/// register at a branch target, after a jump, what a call clobbers and what an ARM
/// conditional write may leave, so it never combines values of two paths.

#include <cstdint>
#include <optional>
#include <vector>

#include "analysis/memory_view.h"
#include "arch/arch.h"
#include "cfg/function_index.h"
#include "program/module.h"

namespace sysfence::analysis {

/// The data addresses computed by the functions `index` knows, sorted and unique.
/// `global_pointer` is the module's MIPS $gp value (Backend::global_pointer), if known:
/// the ABI keeps it in the register, so every function starts with it.
std::vector<uint64_t> computed_data_addresses(const program::Module& module, const arch::Backend& backend,
                                              arch::Lifter& lifter, const MemoryView& memory,
                                              const cfg::FunctionIndex& index,
                                              std::optional<uint64_t> global_pointer);

}  // namespace sysfence::analysis
