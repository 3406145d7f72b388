#pragma once
/// Which syscall arguments are scalars worth constraining: flags, commands, address
/// families, option numbers, never pointers or lengths. The table is data
/// (data/scalar_args.json), compiled into the binary.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sysfence::analysis {

class ScalarArgs {
 public:
  /// The table, parsed once.
  static const ScalarArgs& table();
  /// Indices of `syscall`'s scalar arguments, ascending; empty when it has none.
  const std::vector<uint8_t>& indices(std::string_view syscall) const;
  /// What argument `index` of `syscall` means ("domain"), or "".
  std::string meaning(std::string_view syscall, uint8_t index) const;
  /// Whether argument `index` of `syscall` is a set of independent bits (flags, prot),
  /// which a filter may check with a mask instead of a value list.
  bool is_bit_set(std::string_view syscall, uint8_t index) const;

 private:
  struct Entry {
    std::vector<uint8_t> indices;
    std::map<uint8_t, std::string> meanings;
  };
  ScalarArgs();
  std::map<std::string, Entry, std::less<>> syscalls_;
  std::set<std::string, std::less<>> bit_set_meanings_;
};

}  // namespace sysfence::analysis
