// outputs.compression and `simulacra run --compression` / `--format none`:
// the setting reaches the HDF5 file's filters and the provenance, a bad value
// is a positioned scenario error, and the data is the same at every setting.
#include <hdf5.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/phold.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/exporters/hdf5_inspect.hpp"

namespace fs = std::filesystem;
using namespace simulacra;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("simulacra-test-compression-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string scenario(const std::string& outputs) {
  return "name: tiny\n"
         "seed: 11\n"
         "duration: 15s\n"
         "engine: {threads: 1}\n"
         "populations:\n"
         "  - name: ph\n"
         "    type: phold\n"
         "    params: {lps: 48, start_events: 2, remote: 0.5, record: true}\n"
         "outputs: {formats: [hdf5], chunk_rows: 100" +
         outputs + "}\n";
}

fs::path write_file(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

// (filter count, deflate level or 0) of the first column of the first table.
std::pair<int, unsigned> filters(const fs::path& file) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const auto info = inspect_hdf5(file.string());
  REQUIRE(!info.tables.empty());
  REQUIRE(!info.tables[0].columns.empty());
  const std::string name = "/" + info.tables[0].name + "/" + info.tables[0].columns[0].name;
  const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
  REQUIRE(d >= 0);
  const hid_t plist = H5Dget_create_plist(d);
  const int n = H5Pget_nfilters(plist);
  unsigned level = 0;
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, value = 0;
    std::size_t count = 1;
    if (H5Pget_filter2(plist, static_cast<unsigned>(i), &flags, &count, &value, 0, nullptr, nullptr) ==
        H5Z_FILTER_DEFLATE) {
      level = value;
    }
  }
  H5Pclose(plist);
  H5Dclose(d);
  H5Fclose(f);
  return {n, level};
}

}  // namespace

TEST_CASE("outputs.compression and --compression choose the HDF5 filters, not the data", "[cli][run][compression]") {
  TempDir tmp;
  const fs::path fast = write_file(tmp.path, "fast.yaml", scenario(""));
  const fs::path none = write_file(tmp.path, "none.yaml", scenario(", compression: none"));
  REQUIRE(cli::run_command({fast.string(), "-o", (tmp.path / "a").string(), "--quiet"}) == 0);
  REQUIRE(cli::run_command({none.string(), "-o", (tmp.path / "b").string(), "--quiet"}) == 0);
  REQUIRE(cli::run_command({none.string(), "-o", (tmp.path / "c").string(), "--compression", "small", "--quiet"}) == 0);

  CHECK(filters(tmp.path / "a" / "tiny.h5") == std::pair<int, unsigned>{2, 1});  // default: fast
  CHECK(filters(tmp.path / "b" / "tiny.h5") == std::pair<int, unsigned>{0, 0});
  CHECK(filters(tmp.path / "c" / "tiny.h5") == std::pair<int, unsigned>{2, 9});  // the flag wins
  // The flag is recorded in the effective scenario.
  const auto c = inspect_hdf5((tmp.path / "c" / "tiny.h5").string());
  CHECK(c.provenance.at("scenario").find("compression: small") != std::string::npos);

  PholdParams p;
  p.record = true;
  for (auto schema : PholdPopulation(p).tables()) {
    schema.name = "ph." + schema.name;
    const TableChunk x = read_table_hdf5((tmp.path / "a" / "tiny.h5").string(), schema);
    const TableChunk y = read_table_hdf5((tmp.path / "c" / "tiny.h5").string(), schema);
    REQUIRE(x.rows() > 0);
    REQUIRE(x.rows() == y.rows());
    for (std::size_t col = 0; col < x.column_count(); ++col) CHECK(x.column(col) == y.column(col));
  }
}

TEST_CASE("a bad outputs.compression is a scenario error, and --format none writes no dataset", "[cli][run][compression]") {
  TempDir tmp;
  const fs::path bad = write_file(tmp.path, "bad.yaml", scenario(", compression: tiny"));
  try {
    cli::run_command({bad.string(), "-o", (tmp.path / "x").string(), "--quiet"});
    FAIL("no error");
  } catch (const ScenarioError& e) {
    const std::string what = e.what();
    CHECK(what.find("outputs.compression") != std::string::npos);
    CHECK(what.find("none, fast, small") != std::string::npos);
  }
  CHECK(!fs::exists(tmp.path / "x"));
  const fs::path fast = write_file(tmp.path, "fast.yaml", scenario(""));
  CHECK_THROWS_AS(cli::run_command({fast.string(), "-o", (tmp.path / "y").string(), "--compression", "max", "--quiet"}),
                  ScenarioError);

  REQUIRE(cli::run_command({fast.string(), "-o", (tmp.path / "z").string(), "--format", "none", "--quiet"}) == 0);
  CHECK(!fs::exists(tmp.path / "z" / "tiny.h5"));
  CHECK(!fs::exists(tmp.path / "z" / "tiny"));
  CHECK(fs::exists(tmp.path / "z" / "runs.csv"));
}
