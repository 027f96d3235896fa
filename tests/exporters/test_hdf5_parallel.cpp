// Hdf5Sink's parallel chunk compression: the file's bytes do not depend on the
// number of compression workers; each compression setting declares the
// filters it applies; and readers that know only HDF5's built-in filters
// (the C library, h5dump, h5py) read back every value.
#include <hdf5.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "simulacra/exporters/hdf5_sink.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using simulacra::ColumnType;
using simulacra::Hdf5Sink;
using simulacra::OutputCompression;
using simulacra::TableChunk;
using simulacra::TableSchema;
using simulacra::test::TempDir;

namespace {

constexpr std::size_t kChunk = 1000;

std::vector<TableSchema> schemas() {
  return {TableSchema{"city.moves",
                      "one vehicle position",
                      {{"time", ColumnType::float64, "s", "when"},
                       {"vehicle", ColumnType::int64, "", "which vehicle"},
                       {"street", ColumnType::string, "", "where"},
                       {"stopped", ColumnType::boolean, "", "speed zero"}}},
          TableSchema{"city.signals", "one phase change", {{"time", ColumnType::float64, "s", ""}, {"phase", ColumnType::int64, "", ""}}}};
}

// Deterministic, partly compressible values (as a simulation's are).
std::int64_t vehicle_of(std::size_t i) { return static_cast<std::int64_t>((i * 7919) % 5003); }
double time_of(std::size_t i) { return 0.25 * static_cast<double>(i) + 1e-3 * static_cast<double>(i % 17); }

// Writes 11 batches of uneven sizes to both tables (several whole chunks and
// a partial last one each); returns the row counts.
std::vector<std::size_t> write_run(Hdf5Sink& sink) {
  const auto tables = schemas();
  sink.open(tables);
  std::size_t moves = 0, signals = 0;
  for (std::size_t batch = 0; batch < 11; ++batch) {
    TableChunk m(tables[0]);
    for (std::size_t r = 0; r < 700 + 97 * batch; ++r, ++moves) {
      m.append(0, time_of(moves));
      m.append(1, vehicle_of(moves));
      m.append(2, std::string_view(moves % 3 == 0 ? "main street" : "elm"));
      m.append(3, moves % 5 == 0);
      m.end_row();
    }
    sink.write(0, m);
    TableChunk s(tables[1]);
    for (std::size_t r = 0; r < 300 + 11 * batch; ++r, ++signals) {
      s.append(0, static_cast<double>(signals) * 30.0);
      s.append(1, static_cast<std::int64_t>(signals % 4));
      s.end_row();
    }
    sink.write(1, s);
  }
  sink.commit({{"seed", "7"}});
  return {moves, signals};
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Filters of /city.moves/<column>: (id, first parameter) each.
std::vector<std::pair<H5Z_filter_t, unsigned>> filters_of(const std::string& path, const char* column) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t dataset = H5Dopen2(file, (std::string("/city.moves/") + column).c_str(), H5P_DEFAULT);
  REQUIRE(dataset >= 0);
  const hid_t plist = H5Dget_create_plist(dataset);
  std::vector<std::pair<H5Z_filter_t, unsigned>> out;
  for (int i = 0; i < H5Pget_nfilters(plist); ++i) {
    unsigned flags = 0;
    unsigned value = 0;
    std::size_t count = 1;
    const H5Z_filter_t id = H5Pget_filter2(plist, static_cast<unsigned>(i), &flags, &count, &value, 0, nullptr, nullptr);
    out.emplace_back(id, count > 0 ? value : 0);
  }
  H5Pclose(plist);
  H5Dclose(dataset);
  H5Fclose(file);
  return out;
}

template <typename T>
std::vector<T> read_column(const std::string& path, const char* dataset_path, hid_t memory_type) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t dataset = H5Dopen2(file, dataset_path, H5P_DEFAULT);
  REQUIRE(dataset >= 0);
  const hid_t space = H5Dget_space(dataset);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  std::vector<T> values(n);
  REQUIRE(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
  H5Sclose(space);
  H5Dclose(dataset);
  H5Fclose(file);
  return values;
}

std::string run_and_capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  INFO(command << "\n" << out);
  REQUIRE(status == 0);
  return out;
}

}  // namespace

TEST_CASE("Hdf5Sink writes the same bytes with 0, 1 and 2 compression workers", "[hdf5][parallel]") {
  TempDir dir;
  for (const auto setting : {OutputCompression::none, OutputCompression::fast, OutputCompression::small}) {
    const int level = Hdf5Sink::deflate_level(setting);
    std::vector<std::string> files;
    for (const unsigned workers : {0U, 1U, 2U}) {
      const std::string path = dir / (std::string(to_string(setting)) + "-" + std::to_string(workers) + ".h5");
      Hdf5Sink sink(path, kChunk, level, workers);
      const auto rows = write_run(sink);
      CHECK(rows[0] > 5 * kChunk);
      files.push_back(file_bytes(path));
    }
    INFO("compression " << to_string(setting));
    REQUIRE(files[0].size() > 0);
    CHECK(files[1] == files[0]);
    CHECK(files[2] == files[0]);
  }
}

TEST_CASE("the same rows written a second apart give the same bytes (no times in object headers)", "[hdf5][parallel]") {
  TempDir dir;
  std::vector<std::string> files;
  for (int k = 0; k < 2; ++k) {
    if (k == 1) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const std::string path = dir / (k == 0 ? "t0.h5" : "t1.h5");
    Hdf5Sink sink(path, kChunk, Hdf5Sink::deflate_level(OutputCompression::fast), 1);
    write_run(sink);
    files.push_back(file_bytes(path));
  }
  REQUIRE(!files[0].empty());
  CHECK(files[1] == files[0]);
}

TEST_CASE("each compression setting declares the filters its chunks carry, and compresses accordingly",
          "[hdf5][parallel]") {
  TempDir dir;
  std::vector<std::uintmax_t> sizes;
  for (const auto setting : {OutputCompression::none, OutputCompression::fast, OutputCompression::small}) {
    const std::string path = dir / (std::string(to_string(setting)) + ".h5");
    Hdf5Sink sink(path, kChunk, Hdf5Sink::deflate_level(setting), 2);
    write_run(sink);
    sizes.push_back(fs::file_size(path));
    const auto filters = filters_of(path, "vehicle");
    if (setting == OutputCompression::none) {
      CHECK(filters.empty());
    } else {
      REQUIRE(filters.size() == 2);
      CHECK(filters[0].first == H5Z_FILTER_SHUFFLE);
      CHECK(filters[1].first == H5Z_FILTER_DEFLATE);
      CHECK(filters[1].second == static_cast<unsigned>(Hdf5Sink::deflate_level(setting)));
    }
    // Read through HDF5's own filter pipeline: every value, the partial last chunk included.
    const auto vehicles = read_column<std::int64_t>(path, "/city.moves/vehicle", H5T_NATIVE_INT64);
    const auto times = read_column<double>(path, "/city.moves/time", H5T_NATIVE_DOUBLE);
    const auto stopped = read_column<std::uint8_t>(path, "/city.moves/stopped", H5T_NATIVE_UINT8);
    REQUIRE(vehicles.size() == times.size());
    REQUIRE(vehicles.size() == stopped.size());
    bool all_equal = true;
    for (std::size_t i = 0; i < vehicles.size(); ++i) {
      all_equal = all_equal && vehicles[i] == vehicle_of(i) && times[i] == time_of(i) &&
                  stopped[i] == (i % 5 == 0 ? 1 : 0);
    }
    CHECK(all_equal);
  }
  CHECK(Hdf5Sink::deflate_level(OutputCompression::none) == 0);
  CHECK(sizes[1] < sizes[0] / 2);  // fast: the shuffled columns compress well
  CHECK(sizes[2] <= sizes[1]);     // small: never larger than fast
}

#ifdef SIMULACRA_H5DUMP
TEST_CASE("h5dump reads the compressed chunks with HDF5's built-in filters", "[hdf5][parallel]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  Hdf5Sink sink(path, kChunk, Hdf5Sink::deflate_level(OutputCompression::fast), 2);
  const auto rows = write_run(sink);
  // -y: no indices, -w 0: one line, -d: just this dataset's values.
  const std::string out = run_and_capture(std::string(SIMULACRA_H5DUMP) + " -y -w 0 -d /city.moves/vehicle '" +
                                          path + "' 2>&1");
  const auto data = out.find("DATA {");
  REQUIRE(data != std::string::npos);
  std::string body = out.substr(data + 6, out.find('}', data) - data - 6);
  for (char& c : body) {
    if (c == ',') c = ' ';
  }
  std::istringstream values(body);
  std::vector<std::int64_t> read;
  for (std::int64_t v = 0; values >> v;) read.push_back(v);
  REQUIRE(read.size() == rows[0]);
  bool all_equal = true;
  for (std::size_t i = 0; i < read.size(); ++i) all_equal = all_equal && read[i] == vehicle_of(i);
  CHECK(all_equal);
}
#endif

#ifdef SIMULACRA_H5PY_PYTHON
TEST_CASE("h5py reads the compressed chunks with no plugin", "[hdf5][parallel]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  Hdf5Sink sink(path, kChunk, Hdf5Sink::deflate_level(OutputCompression::small), 2);
  const auto rows = write_run(sink);
  const std::string script =
      "import sys, h5py, numpy as np\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "g = f['city.moves']\n"
      "i = np.arange(len(g['vehicle']), dtype=np.int64)\n"
      "assert (g['vehicle'][()] == (i * 7919) % 5003).all()\n"
      "assert (g['time'][()] == 0.25 * i + 1e-3 * (i % 17)).all()\n"
      "assert (g['stopped'][()] == (i % 5 == 0)).all()\n"
      "s = g['street'].asstr()[()]\n"
      "assert all(v == ('main street' if k % 3 == 0 else 'elm') for k, v in enumerate(s))\n"
      "print(len(i), g['vehicle'].compression, g['vehicle'].shuffle)\n";
  const std::string script_path = dir / "check.py";
  std::ofstream(script_path) << script;
  const std::string out = run_and_capture(std::string(SIMULACRA_H5PY_PYTHON) + " '" + script_path + "' '" + path + "' 2>&1");
  CHECK(out == std::to_string(rows[0]) + " gzip True\n");
}
#endif

TEST_CASE("fast stores the byte planes deflate cannot shrink as stored blocks, read back by HDF5's inflate",
          "[hdf5][parallel]") {
  // Measured doubles: random low mantissa bytes, a few exponents. Large
  // chunks, so the planes are long enough to be sampled.
  constexpr std::size_t kRows = 3 * 65536 + 123;
  const std::vector<TableSchema> tables = {
      TableSchema{"car.speed", "one sample", {{"speed", ColumnType::float64, "m/s", ""}, {"car", ColumnType::int64, "", ""}}}};
  std::vector<double> speeds(kRows);
  std::uint64_t state = 88172645463325252ULL;
  for (auto& v : speeds) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    v = 10.0 + static_cast<double>(state >> 11) * 0x1.0p-53 * 20.0;
  }
  TempDir dir;
  std::vector<std::uintmax_t> sizes;
  for (const auto setting : {OutputCompression::none, OutputCompression::fast}) {
    const std::string path = dir / (std::string(simulacra::to_string(setting)) + ".h5");
    Hdf5Sink sink(path, 65536, Hdf5Sink::deflate_level(setting), 2);
    sink.open(tables);
    TableChunk rows(tables[0]);
    for (std::size_t i = 0; i < kRows; ++i) {
      rows.append(0, speeds[i]);
      rows.append(1, static_cast<std::int64_t>(i % 300));
      rows.end_row();
    }
    sink.write(0, rows);
    sink.commit({});
    // Every value back, bit for bit, through the C library's own filters (zlib's inflate).
    const auto back = read_column<double>(path, "/car.speed/speed", H5T_NATIVE_DOUBLE);
    REQUIRE(back.size() == kRows);
    CHECK(std::memcmp(back.data(), speeds.data(), kRows * sizeof(double)) == 0);
    const auto cars = read_column<std::int64_t>(path, "/car.speed/car", H5T_NATIVE_INT64);
    bool cars_equal = cars.size() == kRows;
    for (std::size_t i = 0; cars_equal && i < kRows; ++i) cars_equal = cars[i] == static_cast<std::int64_t>(i % 300);
    CHECK(cars_equal);
    sizes.push_back(fs::file_size(path));
    if (setting != OutputCompression::fast) continue;
    // The first chunk of speeds: a zlib header, then a stored block (BTYPE 00)
    // holding the first byte plane verbatim.
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t dataset = H5Dopen2(file, "/car.speed/speed", H5P_DEFAULT);
    const hsize_t origin = 0;
    hsize_t stored = 0;
    REQUIRE(H5Dget_chunk_storage_size(dataset, &origin, &stored) >= 0);
    std::vector<unsigned char> chunk(stored);
    std::uint32_t mask = 0;
    REQUIRE(H5Dread_chunk(dataset, H5P_DEFAULT, &origin, &mask, chunk.data()) >= 0);
    H5Dclose(dataset);
    H5Fclose(file);
    CHECK(mask == 0);  // both filters applied, as declared
    REQUIRE(chunk.size() > 8);
    CHECK(chunk[0] == 0x78);
    CHECK((chunk[2] & 0x07) == 0x00);  // not final, stored
    CHECK((chunk[3] | chunk[4] << 8) == 65535);
    // The plane's first bytes are the speeds' lowest bytes, in row order.
    bool verbatim = true;
    for (std::size_t i = 0; i < 64; ++i) {
      unsigned char low = 0;
      std::memcpy(&low, &speeds[i], 1);
      verbatim = verbatim && chunk[7 + i] == low;
    }
    CHECK(verbatim);
    // At least the six random low planes kept whole, never larger than raw
    // by more than the blocks' headers.
    const std::size_t raw = 65536 * sizeof(double);
    CHECK(chunk.size() >= raw * 6 / 8);
    CHECK(chunk.size() <= raw + 64);
  }
  CHECK(sizes[1] < sizes[0]);  // the exponents and the cars compress
}
