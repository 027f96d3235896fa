// `simulacra inspect`: what a dataset holds, without Python.
#include <iostream>

#include "commands.hpp"
#include "options.hpp"
#include "simulacra/exporters/hdf5_inspect.hpp"

namespace simulacra::cli {

int inspect_command(const Args& args) {
  Options opts("simulacra inspect", "Prints an HDF5 dataset's tables, row counts, columns and provenance.", {},
               {"FILE.h5"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  std::cout << format_summary(inspect_hdf5(opts.positional()[0]));
  return 0;
}

}  // namespace simulacra::cli
