#pragma once
/// Which of a module's data the reached code can see, so that only the function
/// pointers stored there count as address-taken (DESIGN.md analysis/). Stripped modules
/// have no object boundaries, so the data is cut into regions where something starts:
/// symbols, GOT slots, addresses the analysed code names, what relocated pointers point
/// to. A region is reached when reached code names an address in it (or just before it:
/// a compiler folds `table[i - 1]` into `table - 8`), or when a pointer in a reached
/// region points into it. Boundaries found later only split regions, and a region reached
/// before the split stays reached in both halves.
///
/// The assumption this rests on, stated because it bounds soundness: code that names an
/// address in an object reaches the object through it, except across a cut that starts
/// a new object. A cut is never made inside a run of pointers (a table, a struct of
/// function pointers), where code naming one element or the end of the table would
/// otherwise cut the rest off. Cuts also come from code that is not reached: the
/// addresses any of the module's code computes from two parts (computed_data_addresses),
/// since where objects start does not depend on what runs. Those cut inside runs of
/// pointers too (consecutive structs of function pointers, libsystemd's hash_ops, are
/// runs as well), which adds one assumption: no code computes the address of an element
/// or member more than kLeadingSlack bytes into an object (`&table[k]`) while other code
/// uses the object's later pointers through its start only (what lies within
/// kLeadingSlack is reached with the start; a table's end is a right place to cut).

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "analysis/memory_view.h"

namespace sysfence::analysis {

class DataRegions {
 public:
  /// How far before a region an address still reaches it.
  static constexpr uint64_t kLeadingSlack = 64;
  /// Pointers closer than this belong to one run: no cut within 64 bytes after a pointer.
  static constexpr uint64_t kPointerRunGap = 64;

  /// `pointers` sorted by slot; `boundaries`: addresses known to start something (symbols,
  /// sections), cut even inside a run of pointers;
  /// `slot_tables`: ranges of pointer-sized slots each loaded on its own (the GOT), which
  /// no compiler indexes from a neighbour.
  DataRegions(std::vector<MemoryView::DataPointer> pointers, const std::vector<uint64_t>& boundaries,
              std::vector<std::pair<uint64_t, uint64_t>> slot_tables);

  /// Cuts a region at `address` (an address code names), unless that is inside a run of
  /// pointers.
  void add_boundary(uint64_t address);
  /// Cuts a region at `address`, an address code computes from two parts
  /// (computed_data_addresses), even inside a run of pointers.
  void add_object_start(uint64_t address);
  /// Reaches the regions overlapping [address, address + size] and, outside slot tables,
  /// those starting within kLeadingSlack after it; the pointers stored in the regions
  /// newly reached are appended to `out`.
  void reach(uint64_t address, uint64_t size, std::vector<MemoryView::DataPointer>& out);
  /// Reaches every region (a module whose data references the analysis cannot see).
  void reach_all(std::vector<MemoryView::DataPointer>& out);

 private:
  bool inside_pointer_run(uint64_t address) const;
  void reach_region(std::map<uint64_t, bool>::iterator region, std::vector<MemoryView::DataPointer>& out);

  std::vector<MemoryView::DataPointer> pointers_;
  std::vector<std::pair<uint64_t, uint64_t>> slot_tables_;  ///< [start, end)
  std::map<uint64_t, bool> regions_;  ///< region start -> reached
};

}  // namespace sysfence::analysis
