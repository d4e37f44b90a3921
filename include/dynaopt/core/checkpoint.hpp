#pragma once
// Restart dumps, like an explicit code's: every rank archives its state (StateArchive), rank 0
// writes all of it as one file (header, one section per rank, checksum) under a temporary name
// and renames it into place, so a kill at any moment leaves the previous checkpoint intact.
// Resuming refuses a checkpoint of another problem, optimizer, deck, precision or rank count,
// and any byte that changed, saying which.
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/core/state_archive.hpp"

namespace dynaopt {

// What a checkpoint must match to be resumed by a deck.
struct CheckpointIdentity {
  std::string problem, optimizer, precision;
  int ranks = 1;
  std::uint64_t deck_hash = 0;        // of the deck's problem and optimizer sections, defaults filled in
  std::string counter = "step";       // what `every` counts: step or epoch
};

class Checkpoints {
 public:
  static constexpr int format_version = 3;  // 2: the integrator's records; 3: stationarity, designs visited
  using State = std::function<void(StateArchive&)>;

  Checkpoints(const Comm& comm, CheckpointSpec spec, CheckpointIdentity identity, std::ostream* log = nullptr);

  // Collective. When `counter` is a multiple of `every`, archives `state` on every rank and
  // writes checkpoint-<counter>.dck, then removes all but the newest `keep`. A failed write
  // raises CollectiveError on every rank.
  void save_if_due(long counter, const State& state) const;

  // Collective. Restores `state` from `path` (a checkpoint file, or a directory whose newest
  // checkpoint is taken) and returns the counter it was written at. A checkpoint that does not
  // fit this run raises std::invalid_argument on every rank, with the reason.
  long restore(const std::string& path, const State& state) const;

  // The file of checkpoint `counter` in `directory`.
  static std::string file_name(const std::string& directory, long counter);

 private:
  std::string encode(long counter, const std::vector<std::string>& sections) const;
  // Rank 0: the sections of the file at `path`, or the reason it does not fit this run.
  std::string decode(const std::string& path, long& counter, std::vector<std::string>& sections) const;

  const Comm& comm_;
  CheckpointSpec spec_;
  CheckpointIdentity identity_;
  std::ostream* log_;
};

}  // namespace dynaopt
