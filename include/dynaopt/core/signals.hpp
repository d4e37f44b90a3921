#pragma once
// What the signals of a batch system ask of a run, LS-DYNA's sense switches in POSIX form:
//   SIGTERM, SIGINT   stop: checkpoint after the current step, write the outputs, exit 3
//                     (Slurm sends SIGTERM at the time limit, KillWait seconds before SIGKILL)
//   SIGUSR2           the same stop; Open MPI's mpirun forwards it to the ranks as it is,
//                     where it answers SIGTERM by killing them a second later
//   SIGUSR1           checkpoint after the current step and go on (mpirun forwards it too)
// The handlers only set flags (all a handler may safely do); the loop reads them once a step and
// folds them into the step's one allreduce, so every rank acts after the same step however the
// signal was delivered (to one rank, to all, or to mpirun that forwards it). A second stop
// signal while the first is pending ends the process at once, as the signal would by default.
// Only the driver installs the handlers: a library user keeps their own.

namespace dynaopt {

struct SignalRequests {
  int stop = 0;             // the stop signal received (SIGTERM, SIGINT, SIGUSR2), 0: none
  bool checkpoint = false;  // a SIGUSR1 arrived since the last call
};

// Installs the handlers of SIGTERM, SIGINT, SIGUSR1 and SIGUSR2 (sigaction, SA_RESTART).
void install_signal_handlers();

// What has arrived: the stop stays pending; a checkpoint request is taken (cleared) by the call.
SignalRequests take_signal_requests();

// "SIGTERM", "SIGINT", "SIGUSR1", "SIGUSR2" (or "a signal").
const char* signal_name(int signal);

// Test hooks, read from the environment once, that make step `step` on rank `rank` misbehave:
//   DYNAOPT_TEST_SIGNAL=NAME:STEP:RANK   raise signal NAME (TERM, INT, USR1, USR2) there, through the
//                                        installed handler, as if it had been delivered then
//   DYNAOPT_TEST_FAIL=STEP:RANK          throw std::runtime_error there (a rank's failure)
// Nothing happens when they are unset.
void test_events(long step, int rank);

}  // namespace dynaopt
