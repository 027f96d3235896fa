// Model files: round trips, and refusal of damaged, foreign or newer files.
#include <catch2/catch.hpp>

#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/model_attributes.hpp"

using namespace simulacra;
using namespace simulacra::learned;
namespace fs = std::filesystem;

namespace {

DataTable mixed_table() {
  return parse_csv(
      "age,sex,income\n34,f,1200.5\n51,m,3000\n29,f,800.25\n62,m,2500\n34,f,1500\n45,m,2100.75\n"
      "38,f,1800\n51,f,2900.5\n",
      "mixed.csv");
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("simulacra-learned-" + std::to_string(::getpid()) + "-" + name);
}

std::string load_error(const fs::path& p) {
  try {
    load_generator(p.string());
  } catch (const ModelFileError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("models survive a save and load exactly", "[learned][model_file]") {
  const DataTable data = mixed_table();
  std::vector<std::unique_ptr<Generator>> models;
  models.push_back(GaussianCopula::fit(data));
  models.push_back(BayesNet::fit(data));
  Constraint k;
  k.max = 2800;
  models[0]->set_constraint("income", k);
  for (const auto& m : models) {
    const fs::path p = temp_file(m->kind() + ".h5");
    m->save(p.string());
    const auto back = load_generator(p.string());
    CHECK(back->kind() == m->kind());
    RandomStream a(5, 0), b(5, 0);
    CHECK(to_csv(back->sample(200, a, {{"sex", "m"}})) == to_csv(m->sample(200, b, {{"sex", "m"}})));
    CHECK(back->constraint(2).decimals == 2);  // income's precision ("800.25") survives the file
    fs::remove(p);
  }
}

TEST_CASE("damaged, foreign and newer model files are refused", "[learned][model_file]") {
  const fs::path p = temp_file("damaged.h5");
  GaussianCopula::fit(mixed_table())->save(p.string());
  {  // Change one correlation coefficient behind the checksum's back.
    const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, "model/correlation", H5P_DEFAULT);
    std::vector<double> v(9);
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    v[1] += 0.01;
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Dclose(d);
    H5Fclose(f);
  }
  CHECK(load_error(p).find(": checksum mismatch (stored ") != std::string::npos);
  CHECK(load_error(p).find("the model file is damaged or was edited") != std::string::npos);

  GaussianCopula::fit(mixed_table())->save(p.string());
  {
    const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    const std::int64_t v = kModelFormatVersion + 1;
    H5Awrite(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
    H5Fclose(f);
  }
  CHECK(load_error(p) == p.string() + ": model format version " + std::to_string(kModelFormatVersion + 1) +
                             ", but this build reads versions 1 to " + std::to_string(kModelFormatVersion));
  std::ofstream(p) << "age,sex\n1,2\n";
  CHECK(load_error(p) == p.string() + ": not an HDF5 file");
  fs::remove(p);
  CHECK(load_error(p) == p.string() + ": no such model file");
}

TEST_CASE("the engine's AttributeSampler serves typed columns from a model file", "[learned][model_file]") {
  const fs::path p = temp_file("attrs.h5");
  GaussianCopula::fit(mixed_table())->save(p.string());
  const auto sampler = model_attribute_loader()(p.string(), {"sex", "age"});
  REQUIRE(sampler->schema().columns.size() == 2);
  CHECK(sampler->schema().columns[0].type == ColumnType::string);
  CHECK(sampler->schema().columns[1].type == ColumnType::int64);
  RandomStream rng(1, 0);
  const TableChunk rows = sampler->sample_where(100, {{"sex", "f"}}, rng);
  CHECK(rows.rows() == 100);
  CHECK(rows.consistent_with(sampler->schema()));
  const auto& sex = std::get<std::vector<std::string>>(rows.column(0));
  CHECK(std::all_of(sex.begin(), sex.end(), [](const std::string& s) { return s == "f"; }));
  CHECK_THROWS_AS(model_attribute_loader()(p.string(), {"height"}), DataError);
  fs::remove(p);
}

TEST_CASE("a stratified copula survives a save and load, and version 1 files still load", "[learned][model_file]") {
  // Two species whose x differ by 3 sd: the copula stratifies by species.
  RandomStream rng(12, 0);
  std::string csv = "x,species,y\n";
  for (int i = 0; i < 200; ++i) {
    const bool b = i % 2 == 1;
    const double x = rng.normal() + (b ? 3.0 : 0.0);
    csv += format_number(x) + (b ? ",b," : ",a,") + format_number((b ? -1 : 1) * x + rng.normal()) + "\n";
  }
  const auto g = GaussianCopula::fit(parse_csv(csv, "species.csv"));
  REQUIRE(g->stratified_by() == 1);
  const fs::path p = temp_file("strata.h5");
  g->save(p.string());
  const auto back = load_generator(p.string());
  const auto* copula = dynamic_cast<const GaussianCopula*>(back.get());
  REQUIRE(copula != nullptr);
  CHECK(copula->stratified_by() == 1);
  CHECK(copula->strata() == 2);
  for (const std::vector<Condition>& where :
       {std::vector<Condition>{}, std::vector<Condition>{{"species", "b"}}, std::vector<Condition>{{"x", "1.5"}}}) {
    RandomStream a(5, 0), b(5, 0);
    CHECK(to_csv(back->sample(300, a, where)) == to_csv(g->sample(300, b, where)));
  }
  // A version 1 file (one copula, no strata arrays) is read as before.
  GaussianCopula::fit(mixed_table())->save(p.string());
  {
    const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    const std::int64_t v = 1;
    H5Awrite(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
    H5Fclose(f);
  }
  CHECK(load_generator(p.string())->kind() == "copula");
  fs::remove(p);
}

TEST_CASE("a model array claiming more values than its file holds is refused before allocating", "[learned][model_file]") {
  const fs::path p = temp_file("huge.h5");
  for (const bool strings : {true, false}) {
    GaussianCopula::fit(mixed_table())->save(p.string());
    {  // An extra array of 2^40 values whose storage was never written (HDF5 allocates it late).
      const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      const hid_t g = H5Gopen2(f, "model", H5P_DEFAULT);
      const hsize_t n = hsize_t{1} << 40;
      const hid_t space = H5Screate_simple(1, &n, nullptr);
      const hid_t type = H5Tcopy(strings ? H5T_C_S1 : H5T_IEEE_F64LE);
      if (strings) H5Tset_size(type, H5T_VARIABLE);
      const hid_t d = H5Dcreate2(g, "zz_huge", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      REQUIRE(d >= 0);
      H5Dclose(d);
      H5Tclose(type);
      H5Sclose(space);
      H5Gclose(g);
      H5Fclose(f);
    }
    REQUIRE(fs::file_size(p) < (1u << 20));
    const std::string error = load_error(p);
    CHECK(error.find(p.string() + ": model array 'zz_huge' claims 1099511627776 values, more than the ") == 0);
    CHECK(error.find("-byte file can hold: the model file is damaged") != std::string::npos);
  }
  fs::remove(p);
}
