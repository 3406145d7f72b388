#include "analysis/library_gates.h"

#include <fmt/format.h>

namespace sysfence::data {
extern const char kLibraryGatesJson[];  // data/library_gates.json, compiled in by src/CMakeLists.txt
}

namespace sysfence::analysis {
namespace {

Result<GateOpener> parse_opener(const nlohmann::json& j, const std::string& where) {
  GateOpener opener;
  opener.function = j.at("function").get<std::string>();
  opener.imported = j.value("imported", false);
  if (j.contains("argument") != j.contains("bits")) {
    return Error{fmt::format("{}: {}: \"argument\" and \"bits\" go together", where, opener.function)};
  }
  if (j.contains("argument")) {
    const int index = j["argument"].get<int>();
    if (index < 0 || index > 5) {
      return Error{fmt::format("{}: {}: argument index {} is not 0..5", where, opener.function, index)};
    }
    opener.argument = static_cast<uint8_t>(index);
    opener.bits = std::stoull(j["bits"].get<std::string>(), nullptr, 0);
    if (opener.bits == 0) return Error{fmt::format("{}: {}: \"bits\" is 0", where, opener.function)};
  }
  return opener;
}

}  // namespace

Result<LibraryModels> LibraryModels::parse(const nlohmann::json& json, const std::string& file) {
  LibraryModels table;
  try {
    for (const auto& l : json.at("libraries")) {
      LibraryModel model;
      model.soname = l.at("soname").get<std::string>();
      model.release = l.at("release").get<std::string>();
      if (model.release.empty()) return Error{fmt::format("{}: {}: \"release\" is empty", file, model.soname)};
      for (const auto& g : l.at("gates")) {
        LibraryGate gate;
        gate.feature = g.at("feature").get<std::string>();
        const std::string where = fmt::format("{}: {}: {}", file, model.soname, gate.feature);
        gate.wrappers = g.value("wrappers", std::vector<std::string>{});
        for (const auto& v : g.value("values", nlohmann::json::array())) {
          GatedValues values{v.at("syscalls").get<std::vector<std::string>>(), v.at("argument").get<uint8_t>(),
                             v.at("values").get<std::vector<uint64_t>>()};
          if (values.syscalls.empty() || values.values.empty()) {
            return Error{fmt::format("{}: gated values need syscalls and values", where)};
          }
          gate.values.push_back(std::move(values));
        }
        for (const auto& o : g.at("openers")) {
          auto opener = parse_opener(o, where);
          if (!opener) return opener.error();
          gate.openers.push_back(std::move(*opener));
        }
        if ((gate.wrappers.empty() && gate.values.empty()) || gate.openers.empty()) {
          return Error{fmt::format("{}: a gate needs wrappers or values, and openers", where)};
        }
        model.gates.push_back(std::move(gate));
      }
      table.models_.push_back(std::move(model));
    }
  } catch (const std::exception& e) {  // a missing key or a value of the wrong type
    return Error{fmt::format("{}: {}", file, e.what())};
  }
  return table;
}

const LibraryModels& LibraryModels::table() {
  // The file is checked by tests/library_gates_test.cpp; a malformed one fails the build's tests.
  static const LibraryModels table =
      parse(nlohmann::json::parse(data::kLibraryGatesJson), "data/library_gates.json").value();
  return table;
}

const LibraryModel* LibraryModels::model_for(std::string_view soname, std::string_view bytes) const {
  for (const LibraryModel& model : models_) {
    if (model.soname == soname && bytes.find(model.release) != std::string_view::npos) return &model;
  }
  return nullptr;
}

}  // namespace sysfence::analysis
