#include "errors.hpp"

#include <pybind11/stl.h>

#include "simulacra/agents/traffic/sumo.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/expression.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "simulacra/learned/model_file.hpp"

namespace simulacra::python {

namespace py = pybind11;

namespace {

// Python exception types, created once at import and kept alive by the module.
struct ErrorTypes {
  py::object base, scenario, config, data, lookahead, checkpoint, expression, model_file, network_file;
};
// Leaked on purpose: Python objects must not be released after the interpreter is gone.
ErrorTypes* types = nullptr;

py::object make_type(py::module_& m, const char* name, const py::object& base, const char* doc) {
  py::dict ns;
  ns["__doc__"] = doc;
  ns["__module__"] = "simulacra";
  py::object type = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(
      name, py::make_tuple(base), ns);
  m.attr(name) = type;
  return type;
}

void raise(const py::object& type, const std::exception& e, const py::dict& attrs = py::dict()) {
  py::object exc = type(e.what());
  for (auto item : attrs) py::setattr(exc, item.first, item.second);
  PyErr_SetObject(type.ptr(), exc.ptr());
}

}  // namespace

void register_errors(py::module_& m) {
  auto& t = *new ErrorTypes;
  const py::object exception = py::reinterpret_borrow<py::object>(PyExc_Exception);
  t.base = make_type(m, "Error", exception,
                     "Base of every error a user can cause (C++ simulacra::UserError): a bad scenario, "
                     "value, file or model. str(e) is the message the CLI would print.");
  t.scenario = make_type(m, "ScenarioError", t.base,
                         "A scenario that does not validate. `issues` lists every problem as a dict with "
                         "file, line, column, key_path and message; `file`, `line`, `column` and "
                         "`key_path` are the first one's.");
  t.config = make_type(m, "ConfigError", t.base, "Engine settings that cannot work.");
  t.data = make_type(m, "DataError", t.base, "A table or dataset that cannot be read or written.");
  t.lookahead = make_type(m, "LookaheadError", t.base, "A model broke its declared lookahead.");
  t.checkpoint = make_type(m, "CheckpointError", t.base, "A checkpoint that cannot be loaded.");
  t.expression = make_type(m, "ExpressionError", t.base,
                           "A condition that does not parse; `column` is where (1-based).");
  t.model_file = make_type(m, "ModelFileError", t.base, "A learned-model file that cannot be read.");
  t.network_file = make_type(m, "NetworkFileError", t.base, "A road network file that cannot be used.");
  types = &t;

  py::register_exception_translator([](std::exception_ptr p) {
    if (!p || types == nullptr) return;
    try {
      std::rethrow_exception(p);
    } catch (const ScenarioError& e) {
      py::list issues;
      for (const auto& i : e.issues()) {
        py::dict d;
        d["file"] = i.at.file;
        d["line"] = i.at.line;
        d["column"] = i.at.column;
        d["key_path"] = i.path;
        d["message"] = i.message;
        issues.append(d);
      }
      py::dict attrs;
      attrs["issues"] = issues;
      const bool any = !e.issues().empty();
      attrs["file"] = any ? py::cast(e.issues().front().at.file) : py::none();
      attrs["line"] = any ? py::cast(e.issues().front().at.line) : py::none();
      attrs["column"] = any ? py::cast(e.issues().front().at.column) : py::none();
      attrs["key_path"] = any ? py::cast(e.issues().front().path) : py::none();
      raise(types->scenario, e, attrs);
    } catch (const ExpressionError& e) {
      py::dict attrs;
      attrs["column"] = e.column();
      raise(types->expression, e, attrs);
    } catch (const ConfigError& e) {
      raise(types->config, e);
    } catch (const DataError& e) {
      raise(types->data, e);
    } catch (const LookaheadError& e) {
      raise(types->lookahead, e);
    } catch (const CheckpointError& e) {
      raise(types->checkpoint, e);
    } catch (const learned::ModelFileError& e) {
      raise(types->model_file, e);
    } catch (const traffic::NetworkFileError& e) {
      raise(types->network_file, e);
    } catch (const UserError& e) {
      raise(types->base, e);
    }
  });
}

}  // namespace simulacra::python
