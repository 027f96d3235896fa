// Checking and opening the epidemic population's `attributes` block.
#include "attributes_block.hpp"

namespace simulacra::epidemic::detail {

const AttributeBlockSpec& attribute_spec() {
  static const AttributeBlockSpec spec{
      "epidemic", kAttributeColumns, {"age"}, {}, "[age, household_size]", "{region: north}"};
  return spec;
}

void check_attributes(const ParamValues::Value& value, const std::string& path, Issues& issues) {
  check_attribute_block(value, path, attribute_spec(), issues);
}

PersonModel open_person_model(const ParamValues::Value& value, const std::string& path, const BuildInfo& info) {
  return open_attribute_block(value, path, attribute_spec(), info);
}

}  // namespace simulacra::epidemic::detail
