#include "analysis/library_values.h"

#include <algorithm>

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
                                  call.value("syscalls", std::vector<std::string>{}),
                                  call.value("values", std::vector<uint64_t>{}),
                                  call.value("mips", std::vector<uint64_t>{})};
        if (argument.syscalls.empty() == argument.values.empty()) {
          return Error{fmt::format("{}: {} call of {} lists no syscalls or values (one of the two)", file,
                                   model.soname, argument.function)};
        }
        if (argument.mips_values.empty()) argument.mips_values = argument.values;
        model.arguments.push_back(std::move(argument));
      }
      out.models_.push_back(std::move(model));
    }
    for (const auto& library : json.value("sites", nlohmann::json::array())) {
      SiteModel model{library.at("sonames").get<std::vector<std::string>>(), library.at("release").get<std::string>(), {}};
      if (model.sonames.empty() || model.release.empty() || !library.contains("checked")) {
        return Error{fmt::format("{}: a site model needs \"sonames\", a \"release\" and what it was \"checked\" against",
                                 file)};
      }
      for (const auto& a : library.at("arguments")) {
        SiteArgument argument{a.at("syscalls").get<std::vector<std::string>>(), a.at("argument").get<uint8_t>(),
                              a.at("values").get<std::vector<uint64_t>>()};
        if (argument.syscalls.empty() || argument.values.empty()) {
          return Error{fmt::format("{}: a site model of {} lists no syscalls or no values", file, model.sonames.front())};
        }
        model.arguments.push_back(std::move(argument));
      }
      out.sites_.push_back(std::move(model));
    }
    const nlohmann::json objects = json.value("objects", nlohmann::json::array());
    auto object_named = [&](const std::string& name) -> std::optional<uint8_t> {
      for (size_t i = 0; i < objects.size(); ++i) {
        if (objects[i].at("name") == name) return static_cast<uint8_t>(i);
      }
      return std::nullopt;
    };
    for (const auto& object : objects) {
      ObjectLayout layout{object.at("name").get<std::string>(), {}};
      for (const auto& f : object.at("fields")) {
        ObjectField field;
        const auto offsets = f.at("offset").get<std::vector<uint32_t>>();
        if (offsets.size() != 2) return Error{fmt::format("{}: {}: \"offset\" is [32-bit, 64-bit]", file, layout.name)};
        field.offset_32 = offsets[0];
        field.offset_64 = offsets[1];
        field.width = f.at("width").is_string() ? 0 : f.at("width").get<uint8_t>();
        if (f.contains("object")) {
          field.object = object_named(f["object"].get<std::string>());
          if (!field.object) return Error{fmt::format("{}: {}: no object {}", file, layout.name, f["object"].dump())};
        } else {
          field.values = f.at("values").get<std::vector<uint64_t>>();
          if (field.values.empty()) return Error{fmt::format("{}: {}: a field lists no values", file, layout.name)};
        }
        layout.fields.push_back(std::move(field));
      }
      out.objects_.push_back(std::move(layout));
    }
    for (const auto& result : json.value("results", nlohmann::json::array())) {
      ResultModel model{result.at("function").get<std::string>(), result.at("argument").get<uint8_t>(), 0};
      if (!result.contains("checked")) {
        return Error{fmt::format("{}: result model of {} does not say what it was checked against", file, model.function)};
      }
      const auto object = object_named(result.at("object").get<std::string>());
      if (!object) return Error{fmt::format("{}: {}: no object {}", file, model.function, result["object"].dump())};
      model.object = *object;
      out.results_.push_back(std::move(model));
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

const SiteModel* LibraryValues::sites_for(std::string_view soname, std::string_view bytes) const {
  for (const SiteModel& model : sites_) {
    if (std::find(model.sonames.begin(), model.sonames.end(), soname) != model.sonames.end() &&
        bytes.find(model.release) != std::string_view::npos) {
      return &model;
    }
  }
  return nullptr;
}

const ResultModel* LibraryValues::result_of(std::string_view function) const {
  for (const ResultModel& model : results_) {
    if (model.function == function) return &model;
  }
  return nullptr;
}

Value LibraryValues::read_object(uint8_t object, int64_t offset, uint8_t width, uint8_t pointer_size) const {
  if (object >= objects_.size()) return Value::unknown();
  for (const ObjectField& field : objects_[object].fields) {
    if (offset != (pointer_size == 8 ? field.offset_64 : field.offset_32)) continue;
    if (field.object) return width == pointer_size ? Value::library_object(*field.object) : Value::unknown();
    if (width != field.width) return Value::unknown();
    Value out = Value::constant(field.values.front());
    for (size_t i = 1; i < field.values.size(); ++i) out = out.join(Value::constant(field.values[i]));
    return out;
  }
  return Value::unknown();
}

}  // namespace sysfence::analysis
