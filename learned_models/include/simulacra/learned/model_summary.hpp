// What a fitted model says about itself in words: each column's kind as
// `fit` detected it, personal-data warnings, and the whole model as
// `simulacra inspect MODEL.h5` prints it.
#pragma once

#include <string>
#include <vector>

#include "simulacra/learned/generator.hpp"

namespace simulacra::learned {

/// One entry per column of the table, e.g. "age (integer)", "income
/// (numeric, 2 decimals)", "score (numeric, 1 decimal, 12.4% empty: modelled
/// as score.missing)", "region (categorical, 4 levels)", "signup (datetime
/// %Y-%m-%d)", "customer_id (id, fresh: "C" + numbers of 6 digits from 5001)".
std::vector<std::string> describe_columns(const Generator& model);

/// One warning per column that looked like personal data (e-mail addresses,
/// phone numbers): it is not modelled, its values are fresh.
std::vector<std::string> personal_data_warnings(const Generator& model);

/// Kind, settings (a copula's stratifying column, a Bayesian network's tree),
/// columns one per line, constraints and warnings.
std::string model_summary(const Generator& model);

}  // namespace simulacra::learned
