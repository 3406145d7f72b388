#pragma once
/// JSON output that never aborts on what an input file put in it: names read from an ELF
/// file (sonames, symbols, paths) or a traced process need not be UTF-8, which JSON text
/// requires.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sysfence {

/// `text` with every byte that is not part of a valid UTF-8 sequence written as the four
/// characters `\xNN` (NN its value in hex); valid text is returned unchanged.
std::string escape_invalid_utf8(std::string_view text);

/// `value` as JSON text (nlohmann's dump with `indent`), its strings and keys first passed
/// through escape_invalid_utf8.
std::string json_text(const nlohmann::json& value, int indent = -1);

}  // namespace sysfence
