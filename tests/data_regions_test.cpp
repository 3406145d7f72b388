// Which data the reached code can see: regions cut where objects start, never inside a
// table of pointers, GOT slots one at a time, and later cuts never undoing a reach.
#include <gtest/gtest.h>

#include <algorithm>

#include "analysis/data_regions.h"

namespace sysfence::analysis {
namespace {

using Pointer = MemoryView::DataPointer;

/// The slots of the pointers handed out by one reach.
std::vector<uint64_t> reached(DataRegions& regions, uint64_t address, uint64_t size = 0) {
  std::vector<Pointer> out;
  regions.reach(address, size, out);
  std::vector<uint64_t> slots;
  for (const Pointer& p : out) slots.push_back(p.slot);
  std::sort(slots.begin(), slots.end());
  return slots;
}

// Two method tables and a lone pointer further on, with a gap between them:
// table A at 0x1000 (three code pointers), table B at 0x1100 (two), and 0x1300.
std::vector<Pointer> two_tables() {
  return {{0x1000, 0x500, 0}, {0x1008, 0x510, 0}, {0x1010, 0x520, 0},
          {0x1100, 0x530, 0}, {0x1108, 0x540, 0}, {0x1300, 0x550, 0}};
}

TEST(DataRegions, CodeNamingATableReachesItButNotTheNextObject) {
  DataRegions regions(two_tables(), {}, {});
  regions.add_boundary(0x1000);
  regions.add_boundary(0x1100);
  regions.add_boundary(0x1300);
  EXPECT_EQ(reached(regions, 0x1000), (std::vector<uint64_t>{0x1000, 0x1008, 0x1010}));
  EXPECT_TRUE(reached(regions, 0x1000).empty());  // handed out once
  EXPECT_EQ(reached(regions, 0x1300), (std::vector<uint64_t>{0x1300}));
}

TEST(DataRegions, NamingAnElementOrTheEndDoesNotCutATable) {
  DataRegions regions(two_tables(), {}, {});
  regions.add_boundary(0x1000);
  regions.add_boundary(0x1008);  // &A[1]
  regions.add_boundary(0x1018);  // one past A's end: an end-pointer loop
  regions.add_boundary(0x1100);
  regions.add_boundary(0x1300);
  // The end pointer reaches the whole table, the start does too.
  EXPECT_EQ(reached(regions, 0x1018), (std::vector<uint64_t>{0x1000, 0x1008, 0x1010}));
  // 0x1100 lies more than kPointerRunGap after A's last pointer: B is an object of its own.
  EXPECT_EQ(reached(regions, 0x1100), (std::vector<uint64_t>{0x1100, 0x1108}));
}

// A section's start (or a symbol) is a boundary the constructor gets: no object spans
// it, so it cuts even a run of pointers.
TEST(DataRegions, SectionStartsCutEvenARunOfPointers) {
  std::vector<Pointer> run;  // twelve pointers in a row, 0x2000 … 0x2058
  for (uint64_t slot = 0x2000; slot < 0x2060; slot += 8) run.push_back({slot, 0x500, 0});
  DataRegions regions(run, {0x2000, 0x2048}, {});
  regions.add_boundary(0x2050);  // a named address inside the run: no cut
  EXPECT_EQ(reached(regions, 0x2000),
            (std::vector<uint64_t>{0x2000, 0x2008, 0x2010, 0x2018, 0x2020, 0x2028, 0x2030, 0x2038, 0x2040}));
  EXPECT_EQ(reached(regions, 0x2048), (std::vector<uint64_t>{0x2048, 0x2050, 0x2058}));
}

// An address code computes from two parts starts an object even inside a run: the
// hash_ops structs of a stripped library follow each other with no gap.
TEST(DataRegions, ComputedObjectStartsCutInsideARun) {
  std::vector<Pointer> run;  // twelve pointers in a row, 0x2000 … 0x2058
  for (uint64_t slot = 0x2000; slot < 0x2060; slot += 8) run.push_back({slot, 0x500, 0});
  DataRegions regions(run, {0x2000}, {});
  regions.add_object_start(0x2048);
  EXPECT_EQ(reached(regions, 0x2048), (std::vector<uint64_t>{0x2048, 0x2050, 0x2058}));
  EXPECT_EQ(reached(regions, 0x2000),
            (std::vector<uint64_t>{0x2000, 0x2008, 0x2010, 0x2018, 0x2020, 0x2028, 0x2030, 0x2038, 0x2040}));
}

TEST(DataRegions, AnAddressJustBeforeATableReachesIt) {
  DataRegions regions(two_tables(), {}, {});
  regions.add_boundary(0x1100);
  regions.add_boundary(0x1200);  // some object after B
  regions.add_boundary(0x1300);
  // `table - 8`, folded by the compiler from table[i - 1].
  EXPECT_EQ(reached(regions, 0x1300 - 8), (std::vector<uint64_t>{0x1300}));
}

TEST(DataRegions, PointerTargetsStartObjects) {
  // A pointer at 0x1300 to 0x1100 makes 0x1100 a start, even with no code naming it.
  std::vector<Pointer> pointers = two_tables();
  pointers.back().target = 0x1100;
  DataRegions regions(pointers, {}, {});
  regions.add_boundary(0x1000);
  EXPECT_EQ(reached(regions, 0x1000), (std::vector<uint64_t>{0x1000, 0x1008, 0x1010}));
}

TEST(DataRegions, GotSlotsAreReachedOneAtATime) {
  std::vector<Pointer> got = {{0x2000, 0, 5}, {0x2008, 0, 6}, {0x2010, 0, 7}};
  DataRegions regions(got, {}, {{0x2000, 0x2018}});
  EXPECT_EQ(reached(regions, 0x2008), (std::vector<uint64_t>{0x2008}));
  EXPECT_EQ(reached(regions, 0x2000), (std::vector<uint64_t>{0x2000}));
}

TEST(DataRegions, AnObjectOfKnownSizeIsReachedWhole) {
  DataRegions regions(two_tables(), {0x1000, 0x1300}, {});
  regions.add_boundary(0x1100);
  EXPECT_EQ(reached(regions, 0x1000, 0x200),
            (std::vector<uint64_t>{0x1000, 0x1008, 0x1010, 0x1100, 0x1108}));
}

TEST(DataRegions, ALaterCutKeepsBothHalvesReached) {
  DataRegions regions(two_tables(), {}, {});
  EXPECT_EQ(reached(regions, 0x1000).size(), 6u);  // no cut known yet: everything
  regions.add_boundary(0x1100);
  EXPECT_TRUE(reached(regions, 0x1100).empty());
}

TEST(DataRegions, ReachAllHandsOutEveryPointer) {
  DataRegions regions(two_tables(), {0x1000, 0x1100}, {});
  std::vector<Pointer> out;
  regions.reach_all(out);
  EXPECT_EQ(out.size(), 6u);
}

}  // namespace
}  // namespace sysfence::analysis
