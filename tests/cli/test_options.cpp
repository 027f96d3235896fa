#include <catch2/catch.hpp>

#include "options.hpp"

using namespace simulacra::cli;
using Catch::Matchers::Contains;

namespace {
Options make() {
  return Options("simulacra demo", "A demo.",
                 {{"lps", "N", "number of LPs", "1024"},
                  {"remote", "P", "remote share", "0.25"},
                  {"set", "K=V", "override", "", true},
                  {"quiet", "", "less output", ""}},
                 {"FILE"});
}
}  // namespace

TEST_CASE("options parse values, defaults, flags and repeats", "[cli]") {
  Options o = make();
  REQUIRE(o.parse({"a.yaml", "--lps", "64", "--set", "x=1", "--set=y=2", "--quiet"}));
  CHECK(o.get_u32("lps") == 64);
  CHECK(o.get_double("remote") == 0.25);
  CHECK(o.get_all("set") == std::vector<std::string>{"x=1", "y=2"});
  CHECK(o.has("quiet"));
  CHECK(o.positional() == std::vector<std::string>{"a.yaml"});
}

TEST_CASE("option mistakes name the bad value", "[cli]") {
  Options a = make();
  REQUIRE_THROWS_WITH(a.parse({"f", "--lsp", "3"}), Contains("unknown option --lsp") && Contains("did you mean --lps"));
  Options b = make();
  b.parse({"f", "--lps", "12x"});
  REQUIRE_THROWS_WITH(b.get_u32("lps"), Contains("--lps '12x': expected a non-negative integer"));
  Options c = make();
  REQUIRE_THROWS_WITH(c.parse({"f", "--lps"}), Contains("--lps needs a value"));
  Options d = make();
  REQUIRE_THROWS_WITH(d.parse({}), Contains("missing FILE"));
  Options e = make();
  REQUIRE_THROWS_WITH(e.parse({"f", "--lps", "1", "--lps", "2"}), Contains("given twice"));
  Options f = make();
  f.parse({"f", "--remote", "nan"});
  REQUIRE_THROWS_AS(f.get_double("remote"), UsageError);
}

TEST_CASE("--help is reported and the help lists every option", "[cli]") {
  Options o = make();
  CHECK_FALSE(o.parse({"--help"}));
  const std::string h = o.help();
  CHECK_THAT(h, Contains("--lps N") && Contains("(default 1024)") && Contains("--quiet"));
}
