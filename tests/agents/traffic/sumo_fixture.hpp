// A small SUMO network, route file and additional file written to a scratch
// folder for the demand-import tests: every element kind of a route file,
// a signalised junction, a 3 m edge the step joins into its junction and a
// bus-only edge.
#pragma once

#include <fstream>
#include <string>

#include "support/scenario_probe.hpp"

namespace traffic_test {

// A -in-> B -mid-> C -out-> D; B -side-> E; C -bus-> F (buses only);
// C -x1 (3 m)-> C2 -x2-> H. C is signalised (program "C": mid's three
// movements together).
inline const char* kDemandNet = R"(<net version="1.9">
  <edge id="in" from="A" to="B"><lane id="in_0" index="0" speed="13.9" length="300"/><lane id="in_1" index="1" speed="13.9" length="300"/></edge>
  <edge id="mid" from="B" to="C"><lane id="mid_0" index="0" speed="13.9" length="300"/></edge>
  <edge id="side" from="B" to="E"><lane id="side_0" index="0" speed="13.9" length="200"/></edge>
  <edge id="out" from="C" to="D"><lane id="out_0" index="0" speed="13.9" length="300"/></edge>
  <edge id="bus" from="C" to="F"><lane id="bus_0" index="0" speed="13.9" length="200" allow="bus"/></edge>
  <edge id="x1" from="C" to="C2"><lane id="x1_0" index="0" speed="13.9" length="3"/></edge>
  <edge id="x2" from="C2" to="H"><lane id="x2_0" index="0" speed="13.9" length="200"/></edge>
  <tlLogic id="C" type="static" programID="0" offset="0">
    <phase duration="30" state="GGG"/>
    <phase duration="3" state="yyy"/>
    <phase duration="27" state="rrr"/>
  </tlLogic>
  <junction id="A" type="dead_end" x="0" y="0"/>
  <junction id="B" type="priority" x="300" y="0"/>
  <junction id="C" type="traffic_light" x="600" y="0"/>
  <junction id="C2" type="priority" x="603" y="0"/>
  <junction id="D" type="dead_end" x="900" y="0"/>
  <junction id="E" type="dead_end" x="300" y="200"/>
  <junction id="F" type="dead_end" x="600" y="-200"/>
  <junction id="H" type="dead_end" x="803" y="0"/>
  <connection from="in" to="mid" fromLane="0" toLane="0"/>
  <connection from="in" to="mid" fromLane="1" toLane="0"/>
  <connection from="in" to="side" fromLane="0" toLane="0"/>
  <connection from="mid" to="out" fromLane="0" toLane="0" tl="C" linkIndex="0"/>
  <connection from="mid" to="bus" fromLane="0" toLane="0" tl="C" linkIndex="1"/>
  <connection from="mid" to="x1" fromLane="0" toLane="0" tl="C" linkIndex="2"/>
  <connection from="x1" to="x2" fromLane="0" toLane="0"/>
</net>
)";

// Line numbers matter: the tests name them (vehicle v1 is on line 9).
inline const char* kDemandRoutes = R"xml(<routes>
  <vType id="car" accel="2.0" decel="4.0" length="4.5" minGap="2.0" maxSpeed="30" tau="1.2" speedDev="0"/>
  <vType id="lorry" vClass="truck" speedFactor="normc(0.9, 0.05, 0.2, 2)"/>
  <vTypeDistribution id="mix">
    <vType id="m1" probability="3"/><vType id="m2" length="8" probability="1"/>
  </vTypeDistribution>
  <route id="r_out" edges="in mid out"/>
  <routeDistribution id="rd"><route id="r_side" edges="in side" probability="1"/><route edges="in mid x1 x2" probability="1"/></routeDistribution>
  <vehicle id="v1" depart="5.5" type="lorry"><route edges="in side"/></vehicle>
  <vehicle id="v0" depart="0" type="car" route="r_out"/>
  <trip id="t0" depart="10" from="in" to="out"/>
  <trip id="t1" depart="12" from="in" to="x2" via="mid"/>
  <flow id="f_period" begin="20" end="80" period="20" route="r_out" type="car"/>
  <flow id="f_vph" begin="0" end="3600" vehsPerHour="360" from="in" to="side"/>
  <flow id="f_number" begin="100" end="200" number="4" route="rd" type="mix"/>
  <flow id="f_prob" begin="0" end="100" probability="0.3" route="r_out"/>
</routes>
)xml";

// A program for C that replaces the network's, and two induction loops.
inline const char* kDemandAdditional = R"(<additional>
  <tlLogic id="C" type="static" programID="long" offset="0">
    <phase duration="50" state="GGG"/>
    <phase duration="10" state="rrr"/>
  </tlLogic>
  <inductionLoop id="loop_out" lane="out_0" pos="150" period="60" file="e1.xml"/>
  <e1Detector id="loop_in" lane="in_1" pos="-10" freq="120" file="e1.xml"/>
</additional>
)";

inline simulacra::testing::ScratchDir& demand_dir() {
  static simulacra::testing::ScratchDir d("simulacra-sumo-demand");
  static const bool written = [] {
    std::ofstream(d.path / "t.net.xml") << kDemandNet;
    std::ofstream(d.path / "t.rou.xml") << kDemandRoutes;
    std::ofstream(d.path / "t.add.xml") << kDemandAdditional;
    return true;
  }();
  (void)written;
  return d;
}

inline std::string demand_file(const std::string& name) { return (demand_dir().path / name).string(); }

}  // namespace traffic_test
