#pragma once
/// Binds every module's undefined dynamic symbols to a definition the way the glibc
/// loader does: the global scope in load order (executable first, then libraries
/// breadth-first), the first matching definition winning (weak or not), and GNU symbol
/// versions respected (a versioned reference needs that version; an unversioned one takes
/// the default version).

#include <vector>

#include "program/module.h"

namespace sysfence::program {

/// Fills `Module::imports` of every module in `modules` (given in load order).
void bind_imports(std::vector<Module>& modules);

/// Whether dynamic symbol `symbol` of `file` may satisfy a reference to it.
bool exports_symbol(const elf::Symbol& symbol);

}  // namespace sysfence::program
