#include "provenance_json.hpp"

namespace simulacra {

std::string json_string(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const auto byte = static_cast<unsigned char>(c);
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string provenance_json(const Provenance& provenance) {
  if (provenance.empty()) return "{}\n";
  std::string out = "{\n";
  bool first = true;
  for (const auto& [key, value] : provenance) {
    if (!first) out += ",\n";
    first = false;
    out += "  ";
    out += json_string(key);
    out += ": ";
    out += json_string(value);
  }
  out += "\n}\n";
  return out;
}

}  // namespace simulacra
