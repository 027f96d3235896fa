// Checkpoints on disk: a folder holding `state.bin` (a versioned, checksummed
// RunSession state) and `sink<i>/` (each sink's dataset so far). Written
// aside and renamed, so a checkpoint is whole or absent even when the process
// is killed while writing one.
#pragma once

#include <map>
#include <string>

#include "simulacra/engine/run_session.hpp"

namespace simulacra {

/// Format version of state.bin; a checkpoint of another version is refused.
inline constexpr std::uint32_t kCheckpointFormat = 1;

using CheckpointMeta = std::map<std::string, std::string>;

/// Saves `session` (and its sinks' datasets so far) into folder `dir`,
/// replacing a checkpoint already there. For a run partitioned over ranks,
/// rank 0 calls it while the others call session.save_state (the state is
/// gathered first, before anything is written). `software` is the program's version
/// (a checkpoint loads only into the same version); `meta` is the caller's
/// own (output formats, labels ...). Returns the bytes of state.bin. Throws
/// DataError if it cannot be written (nothing is left half-written),
/// CheckpointError for a population type without checkpoints.
std::uint64_t save_checkpoint(RunSession& session, const std::string& dir, const std::string& software,
                              const CheckpointMeta& meta = {});

struct LoadedCheckpoint {
  RunSession session;
  CheckpointMeta meta;
};

/// Loads the checkpoint in folder `dir` (with `ranks`: this rank's share of
/// the run, see RunSession::load_state). Throws CheckpointError (naming the
/// file) if it is missing, damaged, of another format or software version;
/// ScenarioError if its scenario no longer validates.
LoadedCheckpoint load_checkpoint(const std::string& dir, const Registry& registry, const std::string& software,
                                 unsigned threads = 0, RankExchange* ranks = nullptr);

}  // namespace simulacra
