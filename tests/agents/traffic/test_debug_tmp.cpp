#include <catch2/catch.hpp>
#include <iostream>
#include <cmath>
#include "run_helpers.hpp"
using namespace traffic_test;
TEST_CASE("zz debug", "[.debug]") {
  TrafficParams p;
  p.network = "grid";
  p.grid = {10, 10, 200.0, 2, 13.89, Control::signal};
  p.step = 1.0;
  p.blocks = 16;
  p.demand_rate = 10000;
  p.duration = 3600;
  auto r = run(p, 3600.0);
  const auto& ev = r.rows[TrafficPopulation::kEvents];
  const auto& kind = strings(ev, 1);
  int shown = 0;
  for (std::size_t i = 0; i < ev.rows() && shown < 15; ++i) {
    if (kind[i] != "collision") continue;
    ++shown;
    auto a = ints(ev,2)[i], b = ints(ev,3)[i];
    std::cout << reals(ev,0)[i] << " v" << a << " o" << b << " link " << ints(ev,4)[i] << " lane " << ints(ev,5)[i] << " pos " << reals(ev,6)[i] << " val " << reals(ev,8)[i] << "\n";
    // previous events of those vehicles
    for (std::size_t j = 0; j < i; ++j) if ((ints(ev,2)[j]==a || ints(ev,2)[j]==b) && reals(ev,0)[j] > reals(ev,0)[i]-6) std::cout << "    " << reals(ev,0)[j] << " " << kind[j] << " v" << ints(ev,2)[j] << " link " << ints(ev,4)[j] << " lane " << ints(ev,5)[j] << " pos " << reals(ev,6)[j] << " sp " << reals(ev,7)[j] << " val " << reals(ev,8)[j] << "\n";
  }
}
