#include "run_list.hpp"

#include <sstream>
#include <stdexcept>

#include "simulacra/engine/state_archive.hpp"

namespace simulacra::cli {

namespace {

void io_report(StateArchive& ar, RunReport& r) {
  ar.io(r.result.trace_hash);
  ar.io(r.result.committed_events);
  ar.io_each(r.result.rows, [](StateArchive& a, std::pair<std::string, std::uint64_t>& row) {
    a.io(row.first);
    a.io(row.second);
  });
  ar.io(r.result.rows_dropped);
  ar.io(r.result.wall_seconds);
  ar.io(r.stop_reason);
}

}  // namespace

std::string encode_report(RunReport report) {
  StateArchive ar;
  io_report(ar, report);
  return ar.bytes();
}

RunReport decode_report(const std::string& bytes) {
  RunReport r;
  try {
    StateArchive ar(bytes);
    io_report(ar, r);
  } catch (const CheckpointError& e) {
    throw std::logic_error(std::string("a run's report from another rank is damaged: ") + e.what());
  }
  return r;
}

std::string run_list_csv(const std::vector<RunPlan>& plans, const OutputPlan& out,
                         const std::vector<RunReport>& reports, const std::vector<JobStatus>& status) {
  std::ostringstream csv;
  csv << "run,label,sweep_point,replicate,seed,sweep_values,hdf5,csv,trace_hash,committed_events,status\n";
  for (const auto& plan : plans) {
    std::string values;
    for (const auto& o : plan.point_overrides) values += (values.empty() ? "" : "; ") + o.path + "=" + o.value;
    const JobStatus st = status.at(plan.index);
    const bool ok = st == JobStatus::succeeded;
    csv << plan.index << ',' << csv_field(plan.label) << ',' << plan.point << ',' << plan.replicate << ','
        << plan.seed << ',' << csv_field(values) << ',' << (out.hdf5 ? csv_field(plan.label + ".h5") : "") << ','
        << (out.csv ? csv_field(plan.label + "/") : "") << ','
        << (ok ? hex64(reports.at(plan.index).result.trace_hash) : "") << ','
        << (ok ? std::to_string(reports.at(plan.index).result.committed_events) : "") << ','
        << (ok ? "ok" : st == JobStatus::failed ? "failed" : "unfinished") << '\n';
  }
  return csv.str();
}

}  // namespace simulacra::cli
