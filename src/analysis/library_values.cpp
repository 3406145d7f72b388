#include "analysis/library_values.h"

#include <fmt/format.h>

namespace sysfence::data {
extern const char kLibraryValuesJson[];  // data/library_values.json, compiled in by src/CMakeLists.txt
}

namespace sysfence::analysis {

Result<LibraryValues> LibraryValues::parse(const nlohmann::json& json, const std::string& file) {
  LibraryValues out;
  try {
    for (const auto& library : json.at("libraries")) {
      LibraryValueModel model{library.at("soname").get<std::string>(), {}};
      if (!library.contains("checked")) {
        return Error{fmt::format("{}: model of {} does not say what it was checked against", file, model.soname)};
      }
      for (const auto& call : library.at("calls")) {
        ModelledArgument argument{call.at("function").get<std::string>(), call.at("argument").get<uint8_t>(),
                                  call.at("syscalls").get<std::vector<std::string>>()};
        if (argument.syscalls.empty()) {
          return Error{fmt::format("{}: {} call of {} lists no syscalls", file, model.soname, argument.function)};
        }
        model.arguments.push_back(std::move(argument));
      }
      out.models_.push_back(std::move(model));
    }
  } catch (const nlohmann::json::exception& e) {
    return Error{fmt::format("{}: {}", file, e.what())};
  }
  return out;
}

const LibraryValues& LibraryValues::table() {
  // tests/library_values_test.cpp parses the file; a malformed one fails the tests.
  static const LibraryValues table =
      parse(nlohmann::json::parse(data::kLibraryValuesJson), "data/library_values.json").value();
  return table;
}

const LibraryValueModel* LibraryValues::model_for(std::string_view soname) const {
  for (const LibraryValueModel& model : models_) {
    if (model.soname == soname) return &model;
  }
  return nullptr;
}

}  // namespace sysfence::analysis
