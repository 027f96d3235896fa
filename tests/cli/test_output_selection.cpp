// outputs.columns and outputs.where through `simulacra run`: exactly the rows
// and columns of the unfiltered dataset that the selection names, counted in
// the provenance; bad selections refused at file:line:column with exit 2 and
// nothing written; CSV (plain and gzip) with the same bytes for 1 and 2 threads.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"

namespace fs = std::filesystem;
using namespace simulacra;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("simulacra-test-selection-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A small town, in days; `outputs` goes inside the outputs mapping.
std::string town(const std::string& outputs) {
  return "name: sel\n"
         "seed: 5\n"
         "duration: 40d\n"
         "time_unit: d\n"
         "engine: {threads: 2}\n"
         "populations:\n"
         "  - name: town\n"
         "    type: epidemic\n"
         "    params: {persons: 3000, initial_infected: 10, beta: 0.05}\n"
         "outputs:\n"
         "  formats: [csv]\n" +
         outputs;
}

fs::path write_file(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The lines of a CSV file as fields; the files here hold no quoted commas.
std::vector<std::vector<std::string>> csv_rows(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(p));
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::size_t from = 0;
    for (std::size_t comma; (comma = line.find(',', from)) != std::string::npos; from = comma + 1) {
      fields.push_back(line.substr(from, comma - from));
    }
    fields.push_back(line.substr(from));
    rows.push_back(std::move(fields));
  }
  return rows;
}

// Runs a shell command; returns its exit status, its stdout+stderr in *output.
int run_shell(const std::string& command, std::string* output) {
  TempDir tmp;
  const std::string log = (tmp.path / "log").string();
  const int status = std::system((command + " > '" + log + "' 2>&1").c_str());
  *output = read_file(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The installed program, as a user runs it.
int run_program(const std::string& args, std::string* output) {
  return run_shell(std::string(SIMULACRA_BIN) + " " + args, output);
}

std::map<std::string, std::string> dataset_files(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename() != "provenance.json") files[e.path().filename().string()] = read_file(e.path());
  }
  return files;
}

}  // namespace

TEST_CASE("outputs.columns and outputs.where write exactly the selected rows and columns", "[cli][selection]") {
  TempDir tmp;
  const fs::path all = write_file(tmp.path, "all.yaml", town(""));
  const fs::path sel = write_file(tmp.path, "sel.yaml",
                                  town("  columns: {town.infections: [time, layer, infectee]}\n"
                                       "  where:\n"
                                       "    town.infections: 'layer != \"household\" and time >= 10d'\n"
                                       "    town.transitions: to == \"recovered\" or person < 100\n"));
  REQUIRE(cli::run_command({all.string(), "-o", (tmp.path / "a").string(), "--quiet"}) == 0);
  REQUIRE(cli::run_command({sel.string(), "-o", (tmp.path / "b").string(), "--quiet"}) == 0);

  // infections: time, infectee, infector, layer, infector_state, generation_interval (time in days)
  const auto full = csv_rows(tmp.path / "a/sel/town.infections.csv");
  std::vector<std::vector<std::string>> expected{{"time", "layer", "infectee"}};
  for (std::size_t r = 1; r < full.size(); ++r) {
    if (full[r][3] != "household" && std::stod(full[r][0]) >= 10.0) expected.push_back({full[r][0], full[r][3], full[r][1]});
  }
  const auto got = csv_rows(tmp.path / "b/sel/town.infections.csv");
  REQUIRE(expected.size() > 10);
  REQUIRE(expected.size() < full.size() - 10);  // the condition keeps some rows and drops others
  CHECK(got == expected);

  // transitions: time, person, from, to
  const auto trans = csv_rows(tmp.path / "a/sel/town.transitions.csv");
  std::vector<std::vector<std::string>> kept{trans[0]};
  for (std::size_t r = 1; r < trans.size(); ++r) {
    if (trans[r][3] == "recovered" || std::stoll(trans[r][1]) < 100) kept.push_back(trans[r]);
  }
  REQUIRE(kept.size() > 1);
  REQUIRE(kept.size() < trans.size());
  CHECK(csv_rows(tmp.path / "b/sel/town.transitions.csv") == kept);

  // Tables without a selection are unchanged.
  CHECK(read_file(tmp.path / "b/sel/town.daily.csv") == read_file(tmp.path / "a/sel/town.daily.csv"));
  CHECK(read_file(tmp.path / "b/sel/town.persons.csv") == read_file(tmp.path / "a/sel/town.persons.csv"));

  // No silent loss: the provenance states the selection and what it dropped.
  const std::string prov = read_file(tmp.path / "b/sel/provenance.json");
  CHECK(prov.find("\"columns.town.infections\": \"time, layer, infectee\"") != std::string::npos);
  CHECK(prov.find("\"where.town.transitions\": \"to == \\\"recovered\\\" or person < 100\"") != std::string::npos);
  CHECK(prov.find("\"rows_dropped.town.infections\": \"" + std::to_string(full.size() - expected.size()) + "\"") !=
        std::string::npos);
  CHECK(prov.find("\"rows_dropped.town.transitions\": \"" + std::to_string(trans.size() - kept.size()) + "\"") !=
        std::string::npos);
}

TEST_CASE("bad outputs.columns and outputs.where are refused at file:line:column, exit 2, nothing written",
          "[cli][selection]") {
  TempDir tmp;
  const fs::path bad = write_file(tmp.path, "bad.yaml",
                                  town("  columns: {town.infections: [time, layr], town.infectons: [time]}\n"
                                       "  where: {town.transitions: 'to == recovered', town.daily: 'day >'}\n"));
  const std::string f = bad.string();
  for (const std::string& command : {"validate '" + f + "'", "run '" + f + "' -o '" + (tmp.path / "out").string() + "'"}) {
    std::string out;
    CHECK(run_program(command, &out) == 2);
    INFO(out);
    CHECK(out.find(f + ":12:37: outputs.columns.town.infections[1] = layr: table town.infections has no column "
                       "'layr' (did you mean 'layer'?)") != std::string::npos);
    CHECK(out.find(f + ":12:44: outputs.columns.town.infectons: no population emits table 'town.infectons' (did you mean "
                       "'town.infections'?)") != std::string::npos);
    CHECK(out.find(f + ":13:29: outputs.where.town.transitions: \"to == recovered\": column 7: unknown column "
                       "'recovered'") != std::string::npos);
    CHECK(out.find(f + ":13:60: outputs.where.town.daily: \"day >\": column 6:") != std::string::npos);
    CHECK(!fs::exists(tmp.path / "out"));
  }
  // A selection of a table that outputs.tables leaves out, and a string compared with a number.
  const fs::path left = write_file(tmp.path, "left.yaml",
                                   town("  tables: [town.daily]\n"
                                        "  where: {town.infections: 'layer > 2'}\n"));
  std::string out;
  CHECK(run_program("validate '" + left.string() + "'", &out) == 2);
  CHECK(out.find(":13:11: outputs.where.town.infections: table 'town.infections' is not written") != std::string::npos);
  const fs::path text = write_file(tmp.path, "text.yaml", town("  where: {town.infections: 'layer > 2'}\n"));
  CHECK(run_program("validate '" + text.string() + "'", &out) == 2);
  CHECK(out.find("column 1: a string can only be compared with == or !=") != std::string::npos);
  const fs::path good = write_file(tmp.path, "good.yaml", town("  where: {town.infections: 'layer == \"school\"'}\n"));
  CHECK(run_program("validate '" + good.string() + "'", &out) == 0);
}

TEST_CASE("CSV, plain and gzip, has the same bytes for 1 and 2 threads, and gzip holds the plain text",
          "[cli][csv][gzip]") {
  TempDir tmp;
  const fs::path file = write_file(tmp.path, "t.yaml", town("  chunk_rows: 500\n"));
  std::map<std::string, std::map<std::string, std::string>> runs;
  for (const std::string compression : {"none", "fast"}) {
    for (const std::string threads : {"1", "2"}) {
      const fs::path out = tmp.path / (compression + threads);
      REQUIRE(cli::run_command({file.string(), "-o", out.string(), "--threads", threads, "--compression", compression,
                                "--quiet"}) == 0);
      runs[compression + threads] = dataset_files(out / "sel");
    }
  }
  CHECK(runs["none1"] == runs["none2"]);
  CHECK(runs["fast1"] == runs["fast2"]);
  REQUIRE(runs["fast1"].count("town.infections.csv.gz") == 1);
  REQUIRE(runs["none1"].count("town.infections.csv") == 1);
  CHECK(runs["fast1"]["town.daily.csv.gz"].size() * 3 < runs["none1"]["town.daily.csv"].size());
#ifdef SIMULACRA_ZCAT
  for (const auto& [name, bytes] : runs["none1"]) {
    INFO(name);
    std::string text;
    REQUIRE(run_shell(std::string(SIMULACRA_ZCAT) + " '" + (tmp.path / "fast1/sel" / name).string() + ".gz'", &text) == 0);
    CHECK(text == bytes);
  }
#endif
}
