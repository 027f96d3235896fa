#include "dataset_names.hpp"

#include <set>
#include <string>

#include "simulacra/engine/errors.hpp"

namespace simulacra {

namespace {

void check_name(std::string_view name, std::string_view what, std::string_view target) {
  const char* problem = nullptr;
  if (name.empty()) {
    problem = "is empty";
  } else if (name == "." || name == "..") {
    problem = "is a path component";
  } else if (name.find('/') != std::string_view::npos) {
    problem = "contains '/'";
  } else if (name.find('\0') != std::string_view::npos) {
    problem = "contains a NUL character";
  }
  if (problem != nullptr) {
    throw DataError(std::string(target) + ": " + std::string(what) + " '" + std::string(name) +
                    "' " + problem + " and cannot name a file, group or dataset");
  }
}

}  // namespace

void check_dataset_names(const std::vector<TableSchema>& tables, std::string_view target) {
  std::set<std::string_view> table_names;
  for (const auto& table : tables) {
    check_name(table.name, "table name", target);
    if (!table_names.insert(table.name).second) {
      throw DataError(std::string(target) + ": table '" + table.name + "' is declared twice");
    }
    std::set<std::string_view> column_names;
    for (const auto& column : table.columns) {
      check_name(column.name, "column name in table " + table.name, target);
      if (!column_names.insert(column.name).second) {
        throw DataError(std::string(target) + ": table " + table.name + " declares column '" +
                        column.name + "' twice");
      }
    }
  }
}

}  // namespace simulacra
