// `simulacra run` end to end: scenario text in, HDF5/CSV datasets out, read
// back with the HDF5 library.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "commands.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/phold.hpp"
#include "simulacra/exporters/hdf5_inspect.hpp"

namespace fs = std::filesystem;
using namespace simulacra;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("simulacra-test-run-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

const char* kScenario = R"(name: tiny
description: PHOLD recording events
seed: 11
duration: 15s
engine: {threads: 1}
populations:
  - name: ph
    type: phold
    params: {lps: 48, start_events: 2, remote: 0.5, record: true}
outputs: {formats: [hdf5, csv], chunk_rows: 100}
)";

fs::path write_file(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<TableSchema> phold_schemas(const std::string& prefix) {
  PholdParams p;
  p.record = true;
  auto tables = PholdPopulation(p).tables();
  for (auto& t : tables) t.name = prefix + t.name;
  return tables;
}

}  // namespace

TEST_CASE("the same scenario gives identical tables with 1 and 2 threads", "[cli][run]") {
  TempDir tmp;
  const fs::path file = write_file(tmp.path, "tiny.yaml", kScenario);
  for (const char* threads : {"1", "2"}) {
    REQUIRE(cli::run_command({file.string(), "-o", (tmp.path / threads).string(), "--threads", threads, "--quiet"}) == 0);
  }
  const auto one = inspect_hdf5((tmp.path / "1" / "tiny.h5").string());
  const auto two = inspect_hdf5((tmp.path / "2" / "tiny.h5").string());
  for (const auto& schema : phold_schemas("ph.")) {
    TableSchema s = schema;
    const TableChunk a = read_table_hdf5((tmp.path / "1" / "tiny.h5").string(), s);
    const TableChunk b = read_table_hdf5((tmp.path / "2" / "tiny.h5").string(), s);
    REQUIRE(a.rows() > 0);
    REQUIRE(a.rows() == b.rows());
    for (std::size_t c = 0; c < a.column_count(); ++c) CHECK(a.column(c) == b.column(c));
  }
  for (const auto& [key, value] : one.provenance) {
    if (key == "wall_start" || key == "wall_end" || key == "wall_seconds" || key == "threads" || key == "partitions") {
      continue;
    }
    CHECK(two.provenance.at(key) == value);
  }
  CHECK(one.provenance.at("threads") == "1");
  CHECK(two.provenance.at("threads") == "2");
  CHECK(one.provenance.at("seed") == std::to_string(derive_seed(11, 0)));
  CHECK(one.provenance.at("scenario").find("name: tiny") != std::string::npos);
}

TEST_CASE("CSV and HDF5 hold the same rows, and time columns use the scenario's unit", "[cli][run]") {
  TempDir tmp;
  std::string text = kScenario;
  text += "time_unit: min\n";
  const fs::path file = write_file(tmp.path, "tiny.yaml", text);
  REQUIRE(cli::run_command({file.string(), "-o", (tmp.path / "out").string(), "--quiet"}) == 0);
  const auto schemas = phold_schemas("ph.");
  const TableChunk events = read_table_hdf5((tmp.path / "out" / "tiny.h5").string(), schemas[0]);
  const auto& time = std::get<std::vector<double>>(events.column(0));
  CHECK(*std::max_element(time.begin(), time.end()) < 15.0 / 60.0);  // 15 s in minutes
  const std::string csv = slurp(tmp.path / "out" / "tiny" / "ph.events.csv");
  CHECK(csv.rfind("time,lp,sender,next_lp,next_delay,remote\n", 0) == 0);
  CHECK(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) == events.rows() + 1);
  const std::string manifest = slurp(tmp.path / "out" / "runs.csv");
  CHECK(manifest.find("tiny.h5") != std::string::npos);
}

TEST_CASE("replicates get their own seeds and files, and overrides are recorded", "[cli][run]") {
  TempDir tmp;
  const fs::path file = write_file(tmp.path, "tiny.yaml", kScenario);
  REQUIRE(cli::run_command({file.string(), "-o", (tmp.path / "out").string(), "--set", "replicates=2", "--set",
                            "seed=7", "--quiet"}) == 0);
  const auto r0 = inspect_hdf5((tmp.path / "out" / "tiny_r00.h5").string());
  const auto r1 = inspect_hdf5((tmp.path / "out" / "tiny_r01.h5").string());
  CHECK(r0.provenance.at("seed") == std::to_string(derive_seed(7, 0)));
  CHECK(r1.provenance.at("seed") == std::to_string(derive_seed(7, 1)));
  CHECK(r0.provenance.at("trace_hash") != r1.provenance.at("trace_hash"));
  CHECK(r0.provenance.at("scenario").find("seed: 7") != std::string::npos);
  CHECK(r1.provenance.at("replicate") == "1");
}

TEST_CASE("a bad scenario writes nothing at all", "[cli][run]") {
  TempDir tmp;
  std::string text = kScenario;
  text.replace(text.find("remote: 0.5"), 11, "remote: 1.5");
  const fs::path file = write_file(tmp.path, "bad.yaml", text);
  const fs::path out = tmp.path / "out";
  REQUIRE_THROWS_AS(cli::run_command({file.string(), "-o", out.string()}), UserError);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("a run that fails while running leaves no dataset and no folder behind", "[cli][run]") {
  TempDir tmp;
  const fs::path file = write_file(tmp.path, "tiny.yaml", kScenario);
  const fs::path out = tmp.path / "out";
  // A lookahead longer than PHOLD's delays: the model breaks it mid-run.
  REQUIRE_THROWS_AS(cli::run_command({file.string(), "-o", out.string(), "--set", "engine.lookahead=10s", "--quiet"}),
                    LookaheadError);
  CHECK_FALSE(fs::exists(out));
}
