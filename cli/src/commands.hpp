// The `simulacra` subcommands. Each takes the arguments after its own name and
// returns the exit status; user mistakes are thrown as UserError.
#pragma once

#include <string>
#include <vector>

namespace simulacra::cli {

using Args = std::vector<std::string>;

int bench_command(const Args& args);
int run_command(const Args& args);
int validate_command(const Args& args);
int resume_command(const Args& args);
int rare_command(const Args& args);
int calibrate_command(const Args& args);
int types_command(const Args& args);
int inspect_command(const Args& args);
// Runs `python3 -m simulacra <command> args...` with this build's Python module
// (plot, report, plot-learned, report-learned) and returns its exit status; 2
// with a message when the interpreter or the module is missing.
int python_command(const std::string& command, const Args& args);

}  // namespace simulacra::cli
