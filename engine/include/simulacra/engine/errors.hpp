// Typed exceptions for what a user's model or input can cause. The CLI turns
// each into one message and exit status 2; programmer errors are assertions or
// std::logic_error.
#pragma once

#include <stdexcept>
#include <string>

namespace simulacra {

/// Base of every error a user can cause (bad scenario, bad flag, bad model).
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A model sent an event to another LP sooner than the declared lookahead, or
/// into the past. Conservative parallel execution would be wrong, so we stop.
class LookaheadError : public UserError {
 public:
  using UserError::UserError;
};

/// Engine settings that cannot work (zero threads, parallel without lookahead).
class ConfigError : public UserError {
 public:
  using UserError::UserError;
};

/// Bad data: a malformed input table, or a dataset that cannot be written.
class DataError : public UserError {
 public:
  using UserError::UserError;
};

}  // namespace simulacra
