// Known results the model must reproduce: the final-size relation of
// homogeneous mixing, and bond percolation on a random 4-regular network.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"

using namespace simulacra;
using namespace simulacra::epidemic;

namespace {

constexpr std::uint32_t kN = 100000;
constexpr double kInfectiousDays = 5.0;

// One infectious state (asymptomatic, weight 1) of fixed length, no town
// structure: only the community layer acts.
EpidemicParams bare(std::uint64_t seed) {
  EpidemicParams p;
  p.persons = kN;
  p.blocks = 4;
  p.initial_infected = 20;  // extinction of all 20 chains is negligible (< 1e-7 at R0 = 1.5)
  p.household_size_weights = {1.0};
  p.school.degree = 0.0;
  p.work.degree = 0.0;
  p.asymptomatic_fraction = 1.0;
  p.inf_asymptomatic = 1.0;
  p.latent = {DurationKind::fixed, kDay, 0.0};
  p.asymptomatic = {DurationKind::fixed, kInfectiousDays * kDay, 0.0};
  p.seed = seed;
  return p;
}

double final_size(double r0) {
  double z = 0.9;
  for (int i = 0; i < 200; ++i) z = 1.0 - std::exp(-r0 * z);
  return z;
}

}  // namespace

TEST_CASE("mass action: mean attack rate matches z = 1 - exp(-R0 z)", "[epidemic][closed-form]") {
  const double r0s[] = {1.5, 2.0, 3.0};
  const double published[] = {0.583, 0.797, 0.941};
  for (int k = 0; k < 3; ++k) {
    const double r0 = r0s[k];
    REQUIRE(final_size(r0) == Approx(published[k]).margin(0.001));
    // Poisson(c) contacts a day, each infecting with 1 - exp(-beta): over 5
    // infectious days R0 = 5 c (1 - exp(-beta)).
    const double contacts = 10.0;
    double mean = 0.0;
    const int replicates = 3;
    for (int r = 0; r < replicates; ++r) {
      EpidemicParams p = bare(100 + static_cast<std::uint64_t>(10 * k + r));
      p.community = {Network::mass_action, contacts, 1.0};
      p.beta = -std::log(1.0 - r0 / (contacts * kInfectiousDays));
      mean += static_cast<double>(epi_test::run(p, 300).infected) / kN / replicates;
    }
    INFO("R0 " << r0 << " mean attack rate " << mean);
    CHECK(mean == Approx(published[k]).margin(0.01));
  }
}

TEST_CASE("random 4-regular network: percolation final size, and no outbreak below T_c = 1/3",
          "[epidemic][closed-form]") {
  // Bond percolation with transmissibility T on a 4-regular graph: the
  // probability u that an edge does not lead to the giant outbreak solves
  // u = 1 - T + T u^3; the final size is 1 - u^4. For T = 0.5, u = (sqrt5-1)/2.
  const double u = (std::sqrt(5.0) - 1.0) / 2.0;
  REQUIRE(1.0 - std::pow(u, 4) == Approx(0.854).margin(0.0005));
  for (double t : {0.5, 0.25}) {
    double mean = 0.0;
    const int replicates = 2;
    for (int r = 0; r < replicates; ++r) {
      EpidemicParams p = bare(200 + static_cast<std::uint64_t>(r) + (t < 0.3 ? 50 : 0));
      p.community = {Network::random_regular, 4.0, 1.0};
      // Per-day probability q with 1 - (1 - q)^5 = T over the fixed period.
      p.beta = -std::log(1.0 - t) / kInfectiousDays;
      mean += static_cast<double>(epi_test::run(p, 300).infected) / kN / replicates;
    }
    INFO("T " << t << " mean attack rate " << mean);
    if (t > 0.3) {
      CHECK(mean == Approx(0.854).margin(0.015));
    } else {
      // Subcritical: each of the 20 seeds causes 1 + T k / (1 - T (k-1)) = 5
      // infections on average, i.e. about 0.1% of the town.
      CHECK(mean < 0.01);
    }
  }
}
