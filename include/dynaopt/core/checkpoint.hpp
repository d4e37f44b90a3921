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
  // 2: the integrator's records; 3: stationarity, designs visited; 4: the run's clock and
  // timing, MNIST's place within an epoch (a checkpoint may fall inside one)
  static constexpr int format_version = 4;
  using State = std::function<void(StateArchive&)>;

  Checkpoints(const Comm& comm, CheckpointSpec spec, CheckpointIdentity identity, std::ostream* log = nullptr);

  // Collective. Archives `state` on every rank and writes checkpoint-<counter>.dck (`counter`
  // cycles completed) or, after a `step` that does not end a cycle (a stop within an MNIST
  // epoch), checkpoint-<counter>_<step>.dck, which sorts between its neighbours; then removes all
  // but the newest `keep`. A failed write raises CollectiveError on every rank.
  void save(long counter, long step, bool ends_cycle, const State& state) const;

  // Collective. Restores `state` from `path` (a checkpoint file, or a directory whose newest
  // checkpoint is taken) and returns the counter it was written at. A checkpoint that does not
  // fit this run raises std::invalid_argument on every rank, with the reason.
  long restore(const std::string& path, const State& state) const;

  // The file of checkpoint `counter` in `directory` (and of `step` within the next cycle).
  static std::string file_name(const std::string& directory, long counter, long step = -1);

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
