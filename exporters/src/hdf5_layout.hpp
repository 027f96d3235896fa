// The attribute names that make up the HDF5 dataset layout (docs/datasets.md),
// shared by writer and reader so the two cannot drift apart.
#pragma once

namespace simulacra::hdf5_layout {

// On each table's group.
inline constexpr const char* kRowMeaning = "row_meaning";
inline constexpr const char* kRows = "rows";

// On each column's dataset.
inline constexpr const char* kUnit = "unit";
inline constexpr const char* kDoc = "doc";
inline constexpr const char* kType = "type";  ///< only on bool columns, value kBool
inline constexpr const char* kBool = "bool";

}  // namespace simulacra::hdf5_layout
