// The provenance map as a JSON object, for datasets whose format has no place
// for attributes (CSV writes it to provenance.json).
#pragma once

#include <string>
#include <string_view>

#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

/// `text` as a JSON string literal, quotes included: '"' and '\' escaped,
/// control characters as \n, \r, \t, \b, \f or \u00XX; other bytes (UTF-8)
/// unchanged.
std::string json_string(std::string_view text);

/// {"key": "value", ...} with one key per line, in the map's (sorted) order,
/// ending with a newline.
std::string provenance_json(const Provenance& provenance);

}  // namespace simulacra
