// A small command-line option parser: each command declares its options with
// a value name and a doc line, so `--help` and error messages come from one
// declaration. Every parse problem throws UsageError naming the bad value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "simulacra/engine/errors.hpp"

namespace simulacra::cli {

/// A command-line mistake: the CLI prints it and exits with status 2.
class UsageError : public UserError {
 public:
  using UserError::UserError;
};

struct OptionSpec {
  std::string name;        ///< without dashes: "lps"
  std::string value_name;  ///< empty for a flag: "N"
  std::string doc;
  std::string default_value;
  bool repeatable = false;
  char short_name = 0;     ///< e.g. 'o' for -o; 0 for none
};

class Options {
 public:
  Options(std::string command, std::string summary, std::vector<OptionSpec> specs,
          std::vector<std::string> positional = {});

  /// Parses args (without the program and command names). Throws UsageError
  /// for an unknown option (suggesting the closest), a missing value, or a
  /// wrong number of positional arguments. Returns false if --help was given.
  bool parse(const std::vector<std::string>& args);

  std::string help() const;

  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;
  std::vector<std::string> get_all(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_values_; }

  /// Typed getters; throw UsageError "--name 'text': expected ...".
  std::uint64_t get_u64(const std::string& name) const;
  std::uint32_t get_u32(const std::string& name) const;
  double get_double(const std::string& name) const;

 private:
  const OptionSpec* find(const std::string& name) const;

  std::string command_;
  std::string summary_;
  std::vector<OptionSpec> specs_;
  std::vector<std::string> positional_names_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_values_;
};

/// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace simulacra::cli
