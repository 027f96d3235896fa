// Runs code that must throw DataError and returns its message, so a test can
// check both the type and the text (Catch2 v2 matchers cannot do both at once).
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "simulacra/engine/errors.hpp"

namespace simulacra::test {

template <typename Code>
std::string data_error_message(Code&& code) {
  try {
    code();
  } catch (const DataError& error) {
    return error.what();
  }
  FAIL_CHECK("expected a DataError, but nothing was thrown");
  return {};
}

}  // namespace simulacra::test
