// MPI_Allreduce (MPI_SUM) of doubles over message sizes 8 B .. 64 MB, and the least-squares fit
// of T(n) = alpha + beta n (n in bytes) to the measured times: the latency and inverse bandwidth
// of the latency-bandwidth model in docs/performance.md. Each size is the median over ranks'
// agreed (max over ranks) times of `repeat` timed calls after warm-up calls. The fit weights
// every size by 1/T^2 (relative error), so the small messages fix alpha and the large beta.
//
//   mpirun -n P bench_allreduce [--min-bytes 8] [--max-bytes 67108864] [--repeat 20] [--csv FILE]
//
// Prints a table, then "fit: alpha_us=... beta_ns_per_byte=... ranks=P"; --csv also writes
// ranks,bytes,seconds rows (rank 0).
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// Time of one allreduce of `count` doubles: the median over `repeat` calls, each the slowest
// rank's time (a collective is done when its last rank is done).
double allreduce_seconds(std::size_t count, int repeat) {
  std::vector<double> send(count, 1.0), receive(count, 0.0);
  const int warm_up = std::max(2, repeat / 5);
  for (int r = 0; r < warm_up; ++r)
    MPI_Allreduce(send.data(), receive.data(), int(count), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  std::vector<double> times(std::size_t(repeat), 0.0);
  for (double& t : times) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    MPI_Allreduce(send.data(), receive.data(), int(count), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    const double local = MPI_Wtime() - start;
    MPI_Allreduce(&local, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  }
  std::nth_element(times.begin(), times.begin() + repeat / 2, times.end());
  return times[std::size_t(repeat / 2)];
}

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr,
               "bench_allreduce: %s\nusage: mpirun -n P bench_allreduce [--min-bytes B] [--max-bytes B] "
               "[--repeat R] [--csv FILE]\n",
               message);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

}  // namespace

int main(int argc, char* argv[]) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  double min_bytes = 8, max_bytes = 64.0 * 1024 * 1024;
  int repeat = 20;
  std::string csv;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    if (a == "--min-bytes") min_bytes = std::atof(argv[++i]);
    else if (a == "--max-bytes") max_bytes = std::atof(argv[++i]);
    else if (a == "--repeat") repeat = std::atoi(argv[++i]);
    else if (a == "--csv") csv = argv[++i];
    else usage(("unknown argument " + a).c_str());
  }
  if (min_bytes < 8 || max_bytes < min_bytes || repeat < 1) usage("need 8 <= min-bytes <= max-bytes and repeat >= 1");

  // Powers of two from min to max bytes; the large messages get fewer calls (at least 3).
  std::vector<double> bytes, seconds;
  for (double b = min_bytes; b <= max_bytes; b *= 2) {
    const std::size_t count = std::size_t(b) / sizeof(double);
    const int calls = std::max(3, int(double(repeat) * std::min(1.0, 1.0e6 / b)));
    bytes.push_back(double(count * sizeof(double)));
    seconds.push_back(allreduce_seconds(count, calls));
  }

  // Weighted least squares for T = alpha + beta n with weights 1/T^2.
  double s = 0, sn = 0, snn = 0, st = 0, snt = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const double w = 1.0 / (seconds[i] * seconds[i]);
    s += w, sn += w * bytes[i], snn += w * bytes[i] * bytes[i], st += w * seconds[i], snt += w * bytes[i] * seconds[i];
  }
  const double det = s * snn - sn * sn;
  const double alpha = (snn * st - sn * snt) / det, beta = (s * snt - sn * st) / det;

  if (rank == 0) {
    std::printf("# MPI_Allreduce(MPI_DOUBLE, MPI_SUM), %d rank(s), median of the slowest rank's time\n", ranks);
    std::printf("%12s %12s %10s %10s\n", "bytes", "us", "GB/s", "fit/meas");
    for (std::size_t i = 0; i < bytes.size(); ++i)
      std::printf("%12.0f %12.3f %10.3f %10.3f\n", bytes[i], seconds[i] * 1e6, bytes[i] / seconds[i] / 1e9,
                  (alpha + beta * bytes[i]) / seconds[i]);
    std::printf("fit: alpha_us=%.4f beta_ns_per_byte=%.6f ranks=%d\n", alpha * 1e6, beta * 1e9, ranks);
    if (!csv.empty()) {
      std::FILE* out = std::fopen(csv.c_str(), "w");
      if (!out) usage(("cannot write " + csv).c_str());
      std::fprintf(out, "ranks,bytes,seconds\n");
      for (std::size_t i = 0; i < bytes.size(); ++i) std::fprintf(out, "%d,%.0f,%.9e\n", ranks, bytes[i], seconds[i]);
      std::fclose(out);
    }
  }
  MPI_Finalize();
  return 0;
}
