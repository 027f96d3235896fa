// Numbers in the traffic population's messages, as a reader would write them
// (13.89, not 13.890000).
#pragma once

#include <sstream>
#include <string>

namespace simulacra::traffic {

inline std::string number_text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

}  // namespace simulacra::traffic
