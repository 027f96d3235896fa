#include "tables.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>

namespace simulacra::python {

namespace py = pybind11;

namespace {

// A 1-D array viewing `v`'s storage; the capsule owns the vector and frees it
// with the array. `dtype` may reinterpret T of the same size (uint8 as bool).
template <class T>
py::array hand_over(std::vector<T>&& v, const py::dtype& dtype) {
  auto* owned = new std::vector<T>(std::move(v));  // owned by the capsule from here on
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  const auto n = static_cast<py::ssize_t>(owned->size());
  return py::array(dtype, {n}, {static_cast<py::ssize_t>(sizeof(T))}, owned->data(), owner);
}

py::dict column_dict(CollectedColumn&& c) {
  py::dict d;
  d["name"] = c.meta.name;
  d["type"] = std::string(to_string(c.meta.type));
  d["unit"] = c.meta.unit;
  d["doc"] = c.meta.doc;
  d["categories"] = py::none();
  switch (c.meta.type) {
    case ColumnType::int64: d["values"] = hand_over(std::move(c.ints), py::dtype::of<std::int64_t>()); break;
    case ColumnType::float64: d["values"] = hand_over(std::move(c.doubles), py::dtype::of<double>()); break;
    case ColumnType::boolean: d["values"] = hand_over(std::move(c.bools), py::dtype("bool")); break;
    case ColumnType::string:
      d["values"] = hand_over(std::move(c.codes), py::dtype::of<std::int32_t>());
      d["categories"] = py::cast(c.categories);
      break;
  }
  return d;
}

}  // namespace

py::dict to_python(CollectedDataset&& data) {
  py::list tables;
  for (auto& t : data.tables) {
    py::dict td;
    td["name"] = t.name;
    td["row_meaning"] = t.row_meaning;
    td["rows"] = t.rows;
    py::list columns;
    for (auto& c : t.columns) columns.append(column_dict(std::move(c)));
    td["columns"] = columns;
    tables.append(td);
  }
  py::dict out;
  out["tables"] = tables;
  out["provenance"] = py::cast(data.provenance);
  data.tables.clear();
  return out;
}

}  // namespace simulacra::python
