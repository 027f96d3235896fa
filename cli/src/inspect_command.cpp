// `simulacra inspect`: what a dataset or a model file holds, without Python. Datasets come
// from elsewhere, so the file is read by a guarded child process: a damaged
// file is an error naming it (exit 2), never a crash or a hang.
#include <iostream>

#include "commands.hpp"
#include "guarded_read.hpp"
#include "options.hpp"
#include "simulacra/exporters/hdf5_inspect.hpp"
#include "simulacra/learned/model_file.hpp"
#include "simulacra/learned/model_summary.hpp"

namespace simulacra::cli {

int inspect_command(const Args& args) {
  Options opts("simulacra inspect",
               "Prints an HDF5 dataset's tables, row counts, columns and provenance, or a model\n"
               "file's kind, settings and columns with their kinds (ids, datetimes, empty cells). The file is\n"
               "read in a separate process with a memory and time limit, so a damaged file is\n"
               "reported (exit status 2) rather than crashing the reader.",
               {{"timeout", "SECONDS", "give up on a file that takes longer to read", "30"}}, {"FILE.h5"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  const std::string path = opts.positional()[0];
  GuardLimits limits;
  limits.timeout_s = opts.get_double("timeout");
  if (!(limits.timeout_s > 0.0)) throw UsageError("--timeout '" + opts.get("timeout") + "': expected a positive number of seconds");
  std::cout << read_guarded(path,
                            [&] {
                              if (learned::is_model_file(path)) return learned::model_summary(*learned::load_generator(path));
                              return format_summary(inspect_hdf5(path));
                            },
                            limits);
  return 0;
}

}  // namespace simulacra::cli
