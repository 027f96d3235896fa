// Checking that an unfinished HDF5 dataset (the copy a checkpoint saved) holds
// exactly the tables a sink is about to continue; private to exporters/.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "simulacra/engine/table.hpp"

namespace simulacra {

/// Checks that `file` holds exactly `tables` as Hdf5Sink::open() creates them:
/// a group per table, in order, with its row meaning; a 1-D dataset per column,
/// in order, of the column's type, with its unit and doc; and none of what
/// commit() adds (the `rows` attributes, the provenance). Returns each table's
/// row count. Throws DataError naming `path` and the first difference.
std::vector<std::uint64_t> check_unfinished_tables(hid_t file, const std::vector<TableSchema>& tables,
                                                   const std::string& path);

}  // namespace simulacra
