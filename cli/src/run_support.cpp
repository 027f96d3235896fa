#include "run_support.hpp"

#include <cstdio>
#include <fstream>

#include "simulacra/agents/register_all.hpp"
#include "simulacra/exporters/csv_sink.hpp"
#include "simulacra/exporters/hdf5_sink.hpp"
#include "simulacra/learned/model_attributes.hpp"

namespace simulacra::cli {

namespace fs = std::filesystem;

std::vector<Override> overrides_from(const Options& opts) {
  std::vector<Override> out;
  for (const auto& text : opts.get_all("set")) out.push_back(parse_override(text));
  return out;
}

Registry make_registry() {
  Registry r;
  register_all(r);
  r.set_attribute_loader(learned::model_attribute_loader());
  return r;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Writes `text` to `path` whole or not at all.
void write_atomically(const fs::path& path, const std::string& text) {
  std::string name = ".";  // built in steps: GCC 12 warns falsely on "lit" + string
  name += path.filename().string();
  name += ".tmp";
  const fs::path tmp = path.parent_path() / name;
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out.flush()) throw DataError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw DataError("cannot write " + path.string() + ": " + ec.message());
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::vector<std::unique_ptr<TableSink>> make_sinks(const OutputPlan& out, const std::string& label, std::size_t chunk_rows) {
  std::vector<std::unique_ptr<TableSink>> sinks;
  if (out.hdf5) sinks.push_back(std::make_unique<Hdf5Sink>((out.dir / (label + ".h5")).string(), chunk_rows));
  if (out.csv) sinks.push_back(std::make_unique<CsvSink>((out.dir / label).string()));
  return sinks;
}

}  // namespace simulacra::cli
