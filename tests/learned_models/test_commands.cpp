// fit / sample / evaluate driven as the CLI would, through their functions.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "learned_commands.hpp"
#include "options.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/learned/data_table.hpp"
#include "simulacra/learned/model_file.hpp"

using namespace simulacra;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("simulacra-learned-cli-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void write_people(const std::string& file) {
  RandomStream rng(12, 0);
  std::ofstream out(file);
  out << "age,region,income\n";
  for (int i = 0; i < 600; ++i) {
    const int age = 18 + static_cast<int>(rng.below(60));
    const char* region = i % 20 == 0 ? "island" : (i % 2 ? "north" : "south");
    out << age << ',' << region << ',' << 500 + 30 * age + 200 * rng.normal() << '\n';
  }
}

}  // namespace

TEST_CASE("fit, sample with --where, evaluate: files and report", "[learned][cli]") {
  TempDir dir;
  write_people(dir / "people.csv");
  for (const std::string model : {"copula", "bayesnet"}) {
    const std::string h5 = dir / (model + ".h5");
    CHECK(cli::fit_command({dir / "people.csv", "--model", model, "-o", h5, "--min", "income=0"}) == 0);
    CHECK(cli::sample_command({h5, "-n", "400", "-o", dir / "synth.csv", "--seed", "3"}) == 0);
    const auto synth = learned::read_csv(dir / "synth.csv");
    CHECK(synth.rows == 400);
    CHECK(synth.columns[0].integral);  // age stays whole
    CHECK(cli::sample_command({h5, "-n", "50", "-o", dir / "island.csv", "--where", "region=island"}) == 0);
    const auto island = learned::read_csv(dir / "island.csv");
    CHECK(island.columns[1].levels == std::vector<std::string>{"island"});
    CHECK(cli::evaluate_command({dir / "people.csv", dir / "synth.csv", "--holdout", dir / "people.csv",
                                 "--json", dir / "report.json"}) == 0);
    std::ifstream json(dir / "report.json");
    std::stringstream text;
    text << json.rdbuf();
    CHECK(text.str().find("\"classifier_auc\"") != std::string::npos);
  }
}

TEST_CASE("learned commands reject bad input with one clear message", "[learned][cli]") {
  TempDir dir;
  write_people(dir / "people.csv");
  CHECK_THROWS_WITH(cli::fit_command({dir / "people.csv", "--model", "gan", "-o", dir / "m.h5"}),
                    "--model 'gan': expected copula, bayesnet or neural");
#ifndef SIMULACRA_HAVE_TORCH
  // Without LibTorch the neural model is a clear usage error (test_neural covers it otherwise).
  CHECK_THROWS_AS(cli::fit_command({dir / "people.csv", "--model", "neural", "-o", dir / "m.h5"}), cli::UsageError);
#endif
  CHECK_THROWS_WITH(cli::fit_command({dir / "people.csv", "-o", dir / "m.h5", "--type", "height=numeric"}),
                    dir / "people.csv" + ": --type names unknown column 'height' (columns: age, region, income)");
  CHECK_THROWS_WITH(cli::fit_command({dir / "people.csv", "-o", dir / "m.h5", "--type", "region=numeric"}),
                    dir / "people.csv" + ":2:4: column 'region' is numeric but 'island' is not a number");
  CHECK_THROWS_WITH(cli::fit_command({dir / "people.csv", "-o", dir / "m.h5", "--by", "income"}),
                    Catch::StartsWith("--by 'income': ") && Catch::Contains("income"));
  CHECK_THROWS_WITH(cli::fit_command({dir / "people.csv", "-o", dir / "m.h5", "--by", "zone"}),
                    Catch::StartsWith("--by 'zone': ") && Catch::Contains("zone"));
  CHECK_THROWS_WITH(cli::fit_command({dir / "people.csv", "--model", "bayesnet", "-o", dir / "m.h5", "--by", "region"}),
                    "--by applies to --model copula only");
  CHECK_FALSE(fs::exists(dir / "m.h5"));
  // Named or switched off, the grouping fits.
  CHECK(cli::fit_command({dir / "people.csv", "-o", dir / "m.h5", "--by", "region"}) == 0);
  CHECK(cli::fit_command({dir / "people.csv", "-o", dir / "m.h5", "--by", "none"}) == 0);
  REQUIRE(cli::fit_command({dir / "people.csv", "-o", dir / "m.h5"}) == 0);
  CHECK_THROWS_WITH(cli::sample_command({dir / "m.h5", "-n", "5", "-o", dir / "s.csv", "--where", "zone=x"}),
                    "unknown column 'zone' (columns: age, region, income)");
  CHECK_THROWS_AS(cli::sample_command({dir / "people.csv", "-n", "5", "-o", dir / "s.csv"}), learned::ModelFileError);
  std::ofstream(dir / "other.csv") << "age,region,height\n1,north,2\n";
  CHECK_THROWS_WITH(cli::evaluate_command({dir / "people.csv", dir / "other.csv"}),
                    dir / "other.csv" + ": unknown column 'height' (columns: age, region, income) of " + dir / "people.csv");
}
