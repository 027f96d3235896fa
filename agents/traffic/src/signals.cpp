// Fixed-time signal plans: the phase in force at a time, the light a movement
// shows, and generated plans for networks that do not bring their own (split:
// one approach at a time; paired: opposite approaches together).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "simulacra/agents/traffic/network.hpp"

namespace simulacra::traffic {

double SignalPlan::cycle() const {
  double c = 0.0;
  for (const auto& p : phases) c += p.duration;
  return c;
}

std::uint32_t SignalPlan::phase_at(double t) const {
  const double c = cycle();
  double u = std::fmod(t - offset, c);
  if (u < 0.0) u += c;
  for (std::uint32_t i = 0; i < phases.size(); ++i) {
    if (u < phases[i].duration) return i;
    u -= phases[i].duration;
  }
  return static_cast<std::uint32_t>(phases.size() - 1);  // rounding at the cycle's end
}

Light Network::light(std::uint32_t link, std::uint32_t lane, std::uint32_t next, std::uint32_t phase) const {
  const Link& l = links[link];
  const std::uint32_t plan = nodes[l.to].plan;
  if (plan == kNone) return Light::go;
  const auto it = std::lower_bound(l.out.begin(), l.out.end(), next);
  if (it == l.out.end() || *it != next) return Light::stop;  // not a movement of this junction
  const std::uint32_t idx = l.signal[lane * l.out.size() + static_cast<std::size_t>(it - l.out.begin())];
  if (idx == kNone) return Light::go;
  return plans[plan].phases[phase].lights[idx];
}

bool Network::allowed(std::uint32_t link, std::uint32_t next) const {
  const auto& out = links[link].out;
  return std::binary_search(out.begin(), out.end(), next);
}

void make_signal_plans(Network& net, PhaseScheme scheme, double green, double intergreen) {
  for (std::uint32_t n = 0; n < net.nodes.size(); ++n) {
    Node& node = net.nodes[n];
    if (node.control != Control::signal || node.plan != kNone) continue;
    // Group the approaches: each its own, or those on one axis (directions
    // within 30° of opposite) together, in order of their first link id.
    const auto& apps = net.approaches[n];
    std::vector<std::uint32_t> group(apps.size(), kNone);
    std::uint32_t groups = 0;
    auto heading = [&](std::uint32_t li) {
      const Link& l = net.links[li];
      return std::atan2(net.nodes[l.to].y - net.nodes[l.from].y, net.nodes[l.to].x - net.nodes[l.from].x);
    };
    for (std::size_t i = 0; i < apps.size(); ++i) {
      if (group[i] != kNone) continue;
      group[i] = groups;
      if (scheme == PhaseScheme::paired) {
        for (std::size_t j = i + 1; j < apps.size(); ++j) {
          if (group[j] != kNone) continue;
          const double d = std::remainder(heading(apps[i]) - heading(apps[j]), 2.0 * std::numbers::pi);
          if (std::abs(std::abs(d) - std::numbers::pi) < std::numbers::pi / 6.0) {
            group[j] = groups;
            break;
          }
        }
      }
      ++groups;
    }
    if (groups < 2) continue;  // nothing conflicts: no lights
    SignalPlan plan;
    plan.id = node.name.empty() ? std::to_string(n) : node.name;
    plan.offset = -node.signal_offset;
    for (std::uint32_t g = 0; g < groups; ++g) {
      for (const Light on : {Light::go, Light::amber}) {
        const double duration = on == Light::go ? green : intergreen;
        if (duration <= 0.0) continue;
        SignalPhase ph;
        ph.duration = duration;
        ph.lights.assign(groups, Light::stop);
        ph.lights[g] = on;
        for (const Light x : ph.lights) ph.state += x == Light::go ? 'G' : x == Light::amber ? 'y' : 'r';
        plan.phases.push_back(std::move(ph));
      }
    }
    node.plan = static_cast<std::uint32_t>(net.plans.size());
    net.plans.push_back(std::move(plan));
    for (std::size_t i = 0; i < apps.size(); ++i) net.links[apps[i]].group_signal = group[i];
  }
  net.finalize();
}

}  // namespace simulacra::traffic
