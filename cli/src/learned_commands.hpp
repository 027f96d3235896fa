// `simulacra fit`, `sample` and `evaluate`: learned generators from the command
// line. Each takes the arguments after its own name and returns the exit
// status; user mistakes are thrown as UserError (exit 2 in main).
#pragma once

#include "commands.hpp"

namespace simulacra::cli {

/// fit DATA.csv --model copula|bayesnet|neural -o MODEL.h5 [--type col=kind ...]
/// [--min col=v] [--max col=v] [--integer col] [--allowed col=a|b] [--epsilon E]
/// [--bins B] [--epochs E] [--batch-size B] [--seed S]. Throws UsageError for bad flags, DataError for bad data.
int fit_command(const Args& args);
/// sample MODEL.h5 -n N -o SYNTH.csv [--where col=value ...] [--seed S].
/// Throws UsageError, ModelFileError or DataError.
int sample_command(const Args& args);
/// evaluate REAL.csv SYNTH.csv [--holdout H.csv] [--json OUT.json].
/// Throws UsageError or DataError.
int evaluate_command(const Args& args);

}  // namespace simulacra::cli
