// A tiny external simulator for the calibration tests (the protocol of
// `simulacra calibrate --simulator`): reads `mu,...,seed` rows on stdin, prints
// `ybar,noise` rows, ybar the mean of ten N(mu, 1) draws seeded by `seed`, noise
// a N(0, 1) draw that does not depend on mu. Other parameter columns are
// ignored. The same model as scenarios/external/gaussian_simulator.py, in C++
// because a Python start costs seconds on a loaded test machine.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "simulacra/engine/random.hpp"

int main() {
  std::string line;
  if (!std::getline(std::cin, line)) return 1;
  std::vector<std::string> header;
  {
    std::istringstream in(line);
    std::string cell;
    while (std::getline(in, cell, ',')) header.push_back(cell);
  }
  std::size_t mu_col = header.size(), seed_col = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "mu") mu_col = i;
    if (header[i] == "seed") seed_col = i;
  }
  if (mu_col == header.size() || seed_col == header.size()) {
    std::cerr << "gaussian_simulator: the input needs mu and seed columns\n";
    return 1;
  }
  std::printf("ybar,noise\n");
  while (std::getline(std::cin, line)) {
    std::vector<std::string> cells;
    std::istringstream in(line);
    std::string cell;
    while (std::getline(in, cell, ',')) cells.push_back(cell);
    const double mu = std::stod(cells.at(mu_col));
    simulacra::RandomStream rng(std::stoull(cells.at(seed_col)), 0);
    double sum = 0.0;
    for (int i = 0; i < 10; ++i) sum += rng.normal(mu, 1.0);
    std::printf("%.17g,%.17g\n", sum / 10.0, rng.normal());
  }
  return 0;
}
