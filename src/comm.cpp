#include "dynaopt/core/comm.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <stdexcept>

namespace dynaopt {
namespace {

void check(int status, const char* what) {
  if (status != MPI_SUCCESS) throw std::runtime_error(std::string("MPI call failed: ") + what);
}

// The combiner of Comm::reduce: a buffer whose first double counts the sums that follow it;
// the rest are maxima. (A user-defined operation sees only the buffer, so it carries its layout.)
void combine_reduction(void* in, void* inout, int* len, MPI_Datatype* type) {
  int bytes = 0;
  MPI_Type_size(*type, &bytes);
  const std::size_t n = std::size_t(bytes) / sizeof(double);
  for (int r = 0; r < *len; ++r) {
    const double* a = static_cast<const double*>(in) + std::size_t(r) * n;
    double* b = static_cast<double*>(inout) + std::size_t(r) * n;
    const std::size_t sums = 1 + std::size_t(a[0]);
    for (std::size_t i = 1; i < sums; ++i) b[i] += a[i];
    for (std::size_t i = sums; i < n; ++i) b[i] = b[i] < a[i] || a[i] != a[i] ? a[i] : b[i];
  }
}

}  // namespace

Comm::Comm(MPI_Comm comm) : comm_(comm) {
  // Before MPI_Init (or after MPI_Finalize) the calls below abort inside MPI with no word of why.
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized), MPI_Finalized(&finalized);
  if (!initialized || finalized)
    throw std::logic_error(std::string("dynaopt::Comm: MPI is ") + (finalized ? "already finalized" : "not initialized") +
                           ": MPI_Init (or MPI_Init_thread) is the caller's, before any Comm, and MPI_Finalize after the last");
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

std::pair<std::size_t, std::size_t> Comm::block(std::size_t n) const {
  const auto p = static_cast<std::size_t>(size_), r = static_cast<std::size_t>(rank_);
  const std::size_t base = n / p, extra = n % p;
  const std::size_t begin = r * base + (r < extra ? r : extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

double Comm::sum(double value) const {
  double total = value;
  if (size_ > 1) check(MPI_Allreduce(&value, &total, 1, MPI_DOUBLE, MPI_SUM, comm_), "MPI_Allreduce");
  return total;
}

double Comm::max(double value) const {
  double largest = value;
  if (size_ > 1) check(MPI_Allreduce(&value, &largest, 1, MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce");
  return largest;
}

void Comm::sum_in_place(std::vector<double>& values) const {
  if (size_ > 1 && !values.empty()) sum_raw(values.data(), values.size(), MPI_DOUBLE);
}

void Comm::sum_raw(void* data, std::size_t count, MPI_Datatype type) const {
  // MPI counts are int: large Views go in slices.
  int type_size = 0;
  MPI_Type_size(type, &type_size);
  auto* bytes = static_cast<char*>(data);
  const std::size_t slice = INT_MAX / 2;
  for (std::size_t done = 0; done < count; done += slice) {
    const std::size_t n = count - done < slice ? count - done : slice;
    check(MPI_Allreduce(MPI_IN_PLACE, bytes + done * static_cast<std::size_t>(type_size), static_cast<int>(n),
                        type, MPI_SUM, comm_),
          "MPI_Allreduce");
  }
}

std::vector<int> Comm::block_counts(std::size_t n) const {
  if (n > static_cast<std::size_t>(INT_MAX)) throw std::runtime_error("Comm: a sharded vector needs fewer than 2^31 elements");
  std::vector<int> counts(static_cast<std::size_t>(size_));
  const auto p = static_cast<std::size_t>(size_);
  for (std::size_t r = 0; r < p; ++r) counts[r] = static_cast<int>(n / p + (r < n % p ? 1 : 0));
  return counts;
}

void Comm::sum_scatter_raw(const void* full, void* mine, const std::vector<int>& counts, MPI_Datatype type) const {
  check(MPI_Reduce_scatter(full, mine, counts.data(), type, MPI_SUM, comm_), "MPI_Reduce_scatter");
}

void Comm::gather_blocks_raw(const void* mine, void* full, const std::vector<int>& counts, MPI_Datatype type) const {
  std::vector<int> displs(counts.size(), 0);
  for (std::size_t r = 1; r < counts.size(); ++r) displs[r] = displs[r - 1] + counts[r - 1];
  check(MPI_Allgatherv(mine, counts[static_cast<std::size_t>(rank_)], type, full, counts.data(), displs.data(), type,
                       comm_),
        "MPI_Allgatherv");
}

bool Comm::any(bool flag) const {
  int local = flag ? 1 : 0, global = local;
  if (size_ > 1) check(MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_LOR, comm_), "MPI_Allreduce");
  return global != 0;
}

double Comm::node_sum(double value, int color) const {
  if (size_ == 1) return value;
  MPI_Comm node = MPI_COMM_NULL, shared = MPI_COMM_NULL;
  check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
  check(MPI_Comm_split(node, color, rank_, &shared), "MPI_Comm_split");
  double sum = 0;
  check(MPI_Allreduce(&value, &sum, 1, MPI_DOUBLE, MPI_SUM, shared), "MPI_Allreduce");
  MPI_Comm_free(&shared);
  MPI_Comm_free(&node);
  return sum;
}

std::string Comm::first_error(const std::string& local_error) const {
  if (size_ == 1) return local_error;
  int candidate = local_error.empty() ? size_ : rank_, failing = size_;
  check(MPI_Allreduce(&candidate, &failing, 1, MPI_INT, MPI_MIN, comm_), "MPI_Allreduce");
  if (failing == size_) return {};
  return broadcast(local_error, failing);
}

void Comm::barrier() const { check(MPI_Barrier(comm_), "MPI_Barrier"); }

void Comm::allreduce(std::vector<GroupStatistics>& statistics) const {
  Reduction values;
  std::vector<Reduction::StatisticsSlot> slots;
  for (const GroupStatistics& s : statistics) slots.push_back(values.add(s));
  reduce(values);
  for (std::size_t k = 0; k < statistics.size(); ++k) statistics[k] = values.statistics_at(slots[k]);
}

void Comm::reduce(Reduction& values) const {
  if (size_ == 1 || values.empty()) return;
  std::vector<double>& sums = values.sums();
  std::vector<double>& maxima = values.maxima();
  std::vector<double> buffer{double(sums.size())};
  buffer.insert(buffer.end(), sums.begin(), sums.end());
  buffer.insert(buffer.end(), maxima.begin(), maxima.end());
  MPI_Datatype record;
  MPI_Type_contiguous(int(buffer.size()), MPI_DOUBLE, &record);
  MPI_Type_commit(&record);
  MPI_Op op;
  MPI_Op_create(&combine_reduction, /*commute=*/1, &op);
  const int status = MPI_Allreduce(MPI_IN_PLACE, buffer.data(), 1, record, op, comm_);
  MPI_Op_free(&op);
  MPI_Type_free(&record);
  check(status, "MPI_Allreduce(step values)");
  std::copy(buffer.begin() + 1, buffer.begin() + 1 + long(sums.size()), sums.begin());
  std::copy(buffer.begin() + 1 + long(sums.size()), buffer.end(), maxima.begin());
}

std::pair<double, double> Comm::exchange_boundaries(double first, double last, double fill) const {
  double from_left = fill, from_right = fill;
  const int left = rank_ > 0 ? rank_ - 1 : MPI_PROC_NULL;
  const int right = rank_ + 1 < size_ ? rank_ + 1 : MPI_PROC_NULL;
  // Send my last value right while receiving the left neighbour's last, then the mirror image.
  check(MPI_Sendrecv(&last, 1, MPI_DOUBLE, right, 0, &from_left, 1, MPI_DOUBLE, left, 0, comm_,
                     MPI_STATUS_IGNORE),
        "MPI_Sendrecv");
  check(MPI_Sendrecv(&first, 1, MPI_DOUBLE, left, 1, &from_right, 1, MPI_DOUBLE, right, 1, comm_,
                     MPI_STATUS_IGNORE),
        "MPI_Sendrecv");
  return {from_left, from_right};
}

std::vector<double> Comm::allgather(const std::vector<double>& local) const {
  if (size_ == 1) return local;
  const int count = static_cast<int>(local.size());
  std::vector<int> counts(static_cast<std::size_t>(size_)), displs(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_), "MPI_Allgather");
  int total = 0;
  for (int r = 0; r < size_; ++r) {
    displs[static_cast<std::size_t>(r)] = total;
    total += counts[static_cast<std::size_t>(r)];
  }
  std::vector<double> all(static_cast<std::size_t>(total));
  check(MPI_Allgatherv(local.data(), count, MPI_DOUBLE, all.data(), counts.data(), displs.data(), MPI_DOUBLE,
                       comm_),
        "MPI_Allgatherv");
  return all;
}

std::string Comm::broadcast(const std::string& text, int root) const {
  if (size_ == 1) return text;
  unsigned long long length = text.size();
  check(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm_), "MPI_Bcast");
  std::string out = rank_ == root ? text : std::string(length, '\0');
  if (length > 0) check(MPI_Bcast(&out[0], static_cast<int>(length), MPI_CHAR, root, comm_), "MPI_Bcast");
  return out;
}

std::vector<std::string> Comm::gather(const std::string& text, int root) const {
  if (size_ == 1) return {text};
  if (text.size() > std::size_t(INT_MAX)) throw std::length_error("Comm::gather: more than 2 GiB from one rank");
  const int length = int(text.size());
  std::vector<int> lengths(rank_ == root ? std::size_t(size_) : 0), offsets(lengths.size());
  check(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, root, comm_), "MPI_Gather");
  std::string all;
  std::vector<std::string> texts;
  if (rank_ == root) {
    long long total = 0;
    for (int r = 0; r < size_; ++r) offsets[std::size_t(r)] = int(total), total += lengths[std::size_t(r)];
    if (total > INT_MAX) throw std::length_error("Comm::gather: more than 2 GiB in all");
    all.resize(std::size_t(total));
  }
  check(MPI_Gatherv(text.data(), length, MPI_CHAR, &all[0], lengths.data(), offsets.data(), MPI_CHAR, root, comm_),
        "MPI_Gatherv");
  for (std::size_t r = 0; r < lengths.size(); ++r) texts.push_back(all.substr(std::size_t(offsets[r]), std::size_t(lengths[r])));
  return texts;
}

std::string Comm::scatter(const std::vector<std::string>& texts, int root) const {
  if (size_ == 1) return texts.at(0);
  std::vector<int> lengths, offsets;
  std::string all;
  if (rank_ == root) {
    if (texts.size() != std::size_t(size_)) throw std::logic_error("Comm::scatter: one text per rank");
    for (const std::string& t : texts) {
      if (all.size() + t.size() > std::size_t(INT_MAX)) throw std::length_error("Comm::scatter: more than 2 GiB");
      lengths.push_back(int(t.size())), offsets.push_back(int(all.size()));
      all += t;
    }
  }
  int length = 0;
  check(MPI_Scatter(lengths.data(), 1, MPI_INT, &length, 1, MPI_INT, root, comm_), "MPI_Scatter");
  std::string mine(std::size_t(length), '\0');
  check(MPI_Scatterv(all.data(), lengths.data(), offsets.data(), MPI_CHAR, &mine[0], length, MPI_CHAR, root, comm_),
        "MPI_Scatterv");
  return mine;
}

void Comm::abort(const std::string& message, int code) const {
  std::fprintf(stderr, "dynaopt: rank %d: %s\n", rank_, message.c_str());
  std::fflush(stderr);
  MPI_Abort(comm_, code);
  std::abort();
}

}  // namespace dynaopt
