#include "dynaopt/problems/nanosphere/index_table.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "dynaopt/core/format.hpp"

namespace dynaopt::nanosphere {
namespace {

// A whole field as a finite number, or false ("1.2abc", "nan", "inf" and overflow are not).
bool parse_number(const std::string& field, double& value) {
  if (field.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(field.c_str(), &end);
  return end == field.c_str() + field.size() && errno != ERANGE && std::isfinite(value);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool separated = true;  // a run of commas and blanks counts as one separator
  for (const char c : line) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\r') {
      if (!field.empty()) fields.push_back(field), field.clear();
      separated = true;
      continue;
    }
    field += c;
    separated = false;
  }
  if (!separated || !field.empty()) fields.push_back(field);
  return fields;
}

}  // namespace

IndexTable::IndexTable(std::string source, std::vector<double> wavelength_nm, std::vector<double> n,
                       std::vector<double> k)
    : source_(std::move(source)), wavelength_(std::move(wavelength_nm)), n_(std::move(n)), k_(std::move(k)) {
  if (wavelength_.size() < 2 || n_.size() != wavelength_.size() || k_.size() != wavelength_.size())
    throw std::invalid_argument(source_ + ": a table needs at least two rows of wavelength, n and k");
}

IndexTable IndexTable::read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot open the refractive index table");
  std::vector<double> wavelength, n, k;
  std::string line;
  bool header_allowed = true;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto fail = [&](const std::string& what) {
      throw std::invalid_argument(path + ":" + std::to_string(number) + ": " + what);
    };
    const std::vector<std::string> fields = split_fields(line);
    if (fields.empty() || fields[0][0] == '#') continue;
    double value[3];
    if (header_allowed && !parse_number(fields[0], value[0])) {
      header_allowed = false;  // a header: the first row whose first field is not a number
      continue;
    }
    header_allowed = false;
    if (fields.size() != 3)
      fail("expected 3 fields (wavelength_nm, n, k), got " + std::to_string(fields.size()));
    for (int f = 0; f < 3; ++f)
      if (!parse_number(fields[std::size_t(f)], value[f])) fail("'" + fields[std::size_t(f)] + "' is not a finite number");
    if (!(value[0] > 0)) fail("wavelength must be > 0, got " + exact(value[0]));
    if (!wavelength.empty() && !(value[0] > wavelength.back()))
      fail("wavelengths must increase strictly: " + exact(value[0]) + " follows " + exact(wavelength.back()));
    if (!(value[1] > 0)) fail("n must be > 0, got " + exact(value[1]));
    if (value[2] < 0) fail("k must be >= 0 (m = n + ik for an absorbing medium), got " + exact(value[2]));
    wavelength.push_back(value[0]), n.push_back(value[1]), k.push_back(value[2]);
  }
  if (wavelength.size() < 2)
    throw std::invalid_argument(path + ": a refractive index table needs at least 2 rows, got " +
                                std::to_string(wavelength.size()));
  return IndexTable(path, std::move(wavelength), std::move(n), std::move(k));
}

Complex<double> IndexTable::index(double wavelength_nm) const {
  if (!(wavelength_nm >= min_wavelength() && wavelength_nm <= max_wavelength()))
    throw std::out_of_range(source_ + " covers " + exact(min_wavelength()) + "-" + exact(max_wavelength()) +
                            " nm, not " + exact(wavelength_nm) + " nm");
  const auto upper = std::lower_bound(wavelength_.begin(), wavelength_.end(), wavelength_nm);
  const std::size_t i = std::size_t(upper - wavelength_.begin());
  if (*upper == wavelength_nm) return {n_[i], k_[i]};
  const double w = (wavelength_nm - wavelength_[i - 1]) / (wavelength_[i] - wavelength_[i - 1]);
  return {n_[i - 1] + w * (n_[i] - n_[i - 1]), k_[i - 1] + w * (k_[i] - k_[i - 1])};
}

const IndexTable& IndexTable::silver_johnson_christy() {
  // Phys. Rev. B 6, 4370 (1972), Table I, silver, as given in the public-domain
  // refractiveindex.info database (main/Ag/Johnson.yml), wavelengths converted to nm.
  static const IndexTable table(
      "silver_johnson_christy (Johnson and Christy 1972)",
      {187.9, 191.6, 195.3, 199.3, 203.3, 207.3, 211.9, 216.4, 221.4, 226.2, 231.3, 237.1, 242.6,
       249.0, 255.1, 261.6, 268.9, 276.1, 284.4, 292.4, 300.9, 310.7, 320.4, 331.5, 342.5, 354.2,
       367.9, 381.5, 397.4, 413.3, 430.5, 450.9, 471.4, 495.9, 520.9, 548.6, 582.1, 616.8, 659.5,
       704.5, 756.0, 821.1, 892.0, 984.0, 1088.0, 1216.0, 1393.0, 1610.0, 1937.0},
      {1.07, 1.10, 1.12, 1.14, 1.15, 1.18, 1.20, 1.22, 1.25, 1.26, 1.28, 1.28, 1.30, 1.31, 1.33, 1.35, 1.38,
       1.41, 1.41, 1.39, 1.34, 1.13, 0.81, 0.17, 0.14, 0.10, 0.07, 0.05, 0.05, 0.05, 0.04, 0.04, 0.05, 0.05,
       0.05, 0.06, 0.05, 0.06, 0.05, 0.04, 0.03, 0.04, 0.04, 0.04, 0.04, 0.09, 0.13, 0.15, 0.24},
      {1.212, 1.232, 1.255, 1.277, 1.296, 1.312, 1.325, 1.336, 1.342, 1.344, 1.357, 1.367, 1.378,
       1.389, 1.393, 1.387, 1.372, 1.331, 1.264, 1.161, 0.964, 0.616, 0.392, 0.829, 1.142, 1.419,
       1.657, 1.864, 2.070, 2.275, 2.462, 2.657, 2.869, 3.093, 3.324, 3.586, 3.858, 4.152, 4.483,
       4.838, 5.242, 5.727, 6.312, 6.992, 7.795, 8.828, 10.10, 11.85, 14.08});
  return table;
}

}  // namespace dynaopt::nanosphere
