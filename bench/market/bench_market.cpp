// Market benchmark: the matching engine alone (orders per second on one
// core), then a simulated trading day of the market population (events per
// second, peak memory) with the stylized facts of its 1-minute mid returns.
//
//   bench_market [--book-orders N] [--noise N] [--value N] [--momentum N]
//                [--makers N] [--zi N] [--trader-lps N] [--threads N]
//                [--sequential] [--hours H] [--seed S] [--skip-book] [--skip-day]
//                [--set key=value ...]
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "simulacra/agents/market/market.hpp"
#include "simulacra/agents/market/order_book.hpp"
#include "simulacra/agents/market/stylized_facts.hpp"
#include "simulacra/engine/param_table.hpp"
#include "simulacra/engine/simulation.hpp"

using namespace simulacra;
using namespace simulacra::market;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

struct Op {
  std::uint8_t type;  // 0 limit, 1 market, 2 cancel
  Side side;
  Ticks price;
  std::uint32_t qty;
  std::uint64_t id;
};

// A stream resembling exchange traffic: mostly limit orders near a drifting
// mid (some crossing), cancels of earlier orders, a few market orders.
void bench_book(std::uint64_t n) {
  RandomStream rng(42, 0);
  std::vector<Op> ops(n);
  double mid = 10000.0;
  for (std::uint64_t i = 0; i < n; ++i) {
    Op& o = ops[i];
    mid += rng.bernoulli(0.5) ? 0.05 : -0.05;
    const double u = rng.uniform();
    o.side = rng.bernoulli(0.5) ? Side::buy : Side::sell;
    o.qty = static_cast<std::uint32_t>(1 + rng.below(10)) * 100;
    o.id = i + 1;
    if (u < 0.55) {
      o.type = 0;
      const auto off = static_cast<Ticks>(std::floor(rng.exponential(4.0))) - 1;  // some cross
      o.price = static_cast<Ticks>(mid) + (o.side == Side::buy ? -off : off);
    } else if (u < 0.6) {
      o.type = 1;
    } else {
      o.type = 2;
      o.id = i > 0 ? 1 + rng.below(i) : 1;
      if (i > 200) o.id = i - rng.below(200);  // cancels mostly hit recent orders
    }
  }
  LimitOrderBook book(20000, 100);
  std::vector<Fill> fills;
  fills.reserve(1024);
  std::uint64_t filled = 0, cancelled = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const Op& o : ops) {
    if (o.type == 0) {
      filled += book.limit(o.id, 1, o.side, o.price, o.qty, fills).filled;
    } else if (o.type == 1) {
      filled += book.market(o.id, 1, o.side, o.qty, fills).filled;
    } else {
      cancelled += book.cancel(o.id);
    }
    fills.clear();
  }
  const double s = seconds_since(t0);
  std::printf("matching engine: %llu orders (55%% limit, 5%% market, 40%% cancel) in %.3f s = %.2f M orders/s; "
              "%llu shares filled, %llu cancelled, %zu live at end\n",
              static_cast<unsigned long long>(n), s, static_cast<double>(n) / s / 1e6,
              static_cast<unsigned long long>(filled), static_cast<unsigned long long>(cancelled), book.live_orders());
}

class Rows final : public RowConsumer {
 public:
  void consume(std::size_t table, const TableChunk& rows) override {
    total += rows.rows();
    if (table == MarketPopulation::kBars) {
      const auto& mid = std::get<std::vector<double>>(rows.column(8));
      mids.insert(mids.end(), mid.begin(), mid.end());
    }
    if (table == MarketPopulation::kOrders) orders += rows.rows();
    if (table == MarketPopulation::kTrades) trades += rows.rows();
  }
  std::uint64_t total = 0, orders = 0, trades = 0;
  std::vector<double> mids;
};

// `--set key=value` for any numeric parameter of the model (names as in the
// scenario type, values plain numbers in base units: seconds, fractions), so
// a benchmark or tuning run needs no rebuild. Through the registry's table,
// so the names, ranges and fields are the scenario's.
bool set_param(MarketParams& p, const std::string& kv) {
  const auto eq = kv.find('=');
  if (eq == std::string::npos) return false;
  char* end = nullptr;
  const double v = std::strtod(kv.c_str() + eq + 1, &end);
  if (end == kv.c_str() + eq + 1 || *end != '\0') return false;
  return market_param_table().set_number(p, kv.substr(0, eq), v);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t book_orders = 20'000'000;
  MarketParams p;
  unsigned threads = 1;
  bool sequential = false, skip_book = false, skip_day = false;
  double hours = 6.5;
  std::uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::uint64_t {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (a == "--book-orders") book_orders = next();
    else if (a == "--noise") p.noise_traders = static_cast<std::uint32_t>(next());
    else if (a == "--value") p.value_traders = static_cast<std::uint32_t>(next());
    else if (a == "--momentum") p.momentum_traders = static_cast<std::uint32_t>(next());
    else if (a == "--makers") p.market_makers = static_cast<std::uint32_t>(next());
    else if (a == "--zi") p.zi_traders = static_cast<std::uint32_t>(next());
    else if (a == "--trader-lps") p.trader_lps = static_cast<std::uint32_t>(next());
    else if (a == "--threads") threads = static_cast<unsigned>(next());
    else if (a == "--hours") hours = static_cast<double>(next());
    else if (a == "--seed") seed = next();
    else if (a == "--sequential") sequential = true;
    else if (a == "--skip-book") skip_book = true;
    else if (a == "--skip-day") skip_day = true;
    else if (a == "--set" && i + 1 < argc) {
      if (!set_param(p, argv[++i])) {
        std::fprintf(stderr, "--set: unknown or malformed %s\n", argv[i]);
        return 2;
      }
    }
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (!skip_book) bench_book(book_orders);
  if (skip_day) return 0;

  const double duration = hours * 3600.0;
  p.session_close = duration;
  EngineConfig cfg;
  cfg.scheduler = sequential ? SchedulerKind::sequential : SchedulerKind::parallel;
  cfg.threads = threads;
  cfg.lookahead = SimTime{p.latency};
  const auto t0 = std::chrono::steady_clock::now();
  Simulation sim(cfg, seed);
  auto pop = std::make_unique<MarketPopulation>(p, seed, duration);
  const std::uint32_t agents = pop->agent_count();
  sim.add_population(std::move(pop));
  Rows rows;
  sim.set_row_consumer(&rows);
  sim.run_until(SimTime{duration + 1.0});
  sim.finish();
  const double s = seconds_since(t0);
  const double events = static_cast<double>(sim.committed_events());
  std::printf("market day: %u agents (%u zi, %u noise, %u value, %u momentum, %u makers) in %u trader LPs, %.1f h, "
              "%s, %u thread(s)\n",
              agents, p.zi_traders, p.noise_traders, p.value_traders, p.momentum_traders, p.market_makers,
              p.trader_lps, hours, sequential ? "sequential" : "parallel", threads);
  std::printf("  %.0f events in %.3f s wall = %.3g events/s; %llu rows (%llu orders, %llu trades); trace_hash %016llx\n",
              events, s, events / s, static_cast<unsigned long long>(rows.total),
              static_cast<unsigned long long>(rows.orders), static_cast<unsigned long long>(rows.trades),
              static_cast<unsigned long long>(sim.trace_hash()));
  const auto r = log_returns(rows.mids);
  std::printf("  1-min mid returns: n=%zu excess_kurtosis=%.2f acf1..5=", r.size(), excess_kurtosis(r));
  for (std::size_t l = 1; l <= 5; ++l) std::printf("%+.3f ", autocorrelation(r, l));
  std::printf("abs_acf1=%+.3f abs_acf10=%+.3f\n", abs_autocorrelation(r, 1), abs_autocorrelation(r, 10));
  std::printf("  peak RSS %.1f MB\n", peak_rss_mb());
  return 0;
}
