#include "dynaopt/core/signals.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dynaopt {
namespace {

volatile std::sig_atomic_t stop_signal = 0;
volatile std::sig_atomic_t checkpoint_requests = 0;

extern "C" void on_signal(int signal) {
  if (signal == SIGUSR1) {
    checkpoint_requests = 1;
    return;
  }
  if (stop_signal != 0) {  // the second stop: what the signal does by default
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  stop_signal = signal;
}

// NAME:STEP:RANK (or STEP:RANK when `named` is false) from variable `variable`; step 0: unset.
struct TestEvent {
  int signal = 0;
  long step = 0;
  int rank = -1;
};

TestEvent read_event(const char* variable, bool named) {
  TestEvent e;
  const char* text = std::getenv(variable);
  if (!text || !*text) return e;
  std::string s = text;
  if (named) {
    const std::size_t colon = s.find(':');
    const std::string name = s.substr(0, colon);
    e.signal = name == "TERM" ? SIGTERM : name == "INT" ? SIGINT : name == "USR1" ? SIGUSR1 : name == "USR2" ? SIGUSR2 : 0;
    s = colon == std::string::npos ? std::string() : s.substr(colon + 1);
  }
  if (std::sscanf(s.c_str(), "%ld:%d", &e.step, &e.rank) != 2 || (named && e.signal == 0))
    throw std::invalid_argument(std::string(variable) + "=" + text + ": expected " +
                                (named ? "TERM|INT|USR1|USR2:STEP:RANK" : "STEP:RANK"));
  return e;
}

}  // namespace

void install_signal_handlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaction(signal, &action, nullptr);
}

SignalRequests take_signal_requests() {
  SignalRequests r;
  r.stop = stop_signal;
  r.checkpoint = checkpoint_requests != 0;
  checkpoint_requests = 0;
  return r;
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    default: return "a signal";
  }
}

void test_events(long step, int rank) {
  static const TestEvent signal = read_event("DYNAOPT_TEST_SIGNAL", true);
  static const TestEvent failure = read_event("DYNAOPT_TEST_FAIL", false);
  if (signal.step == step && signal.rank == rank) std::raise(signal.signal);
  if (failure.step == step && failure.rank == rank)
    throw std::runtime_error("injected failure (DYNAOPT_TEST_FAIL) at step " + std::to_string(step) + " on rank " +
                             std::to_string(rank));
}

}  // namespace dynaopt
