#pragma once
/// The warning sink (DESIGN.md convention 3): problems that do not stop the work are
/// collected here and shown to the user; analysis goes on conservatively.

#include <string>
#include <vector>

namespace sysfence {

class Diagnostics {
 public:
  void warn(std::string message) { warnings_.push_back(std::move(message)); }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::vector<std::string> warnings_;
};

}  // namespace sysfence
