#pragma once
// Tabulated refractive indices m = n + ik (k >= 0) against vacuum wavelength, interpolated
// linearly in wavelength for n and k separately, as most Mie codes treat measured tables; the
// table's own spacing bounds the accuracy, and nothing is extrapolated. Host only: a run
// evaluates every layer's index at its sample wavelengths once, before any kernel.
#include <string>
#include <vector>

#include "dynaopt/problems/nanosphere/complex.hpp"

namespace dynaopt::nanosphere {

class IndexTable {
 public:
  // Rows of (wavelength in nm, n, k); wavelengths strictly increasing, at least two rows.
  // `source` names the table in messages.
  IndexTable(std::string source, std::vector<double> wavelength_nm, std::vector<double> n, std::vector<double> k);

  // A text file of rows "wavelength_nm n k", separated by commas and/or blanks; '#' starts a
  // comment line, and the first row may be a header. Errors name the file and line.
  static IndexTable read_file(const std::string& path);
  // Silver: Johnson and Christy, Phys. Rev. B 6, 4370 (1972), 188-1937 nm.
  static const IndexTable& silver_johnson_christy();

  // Throws std::out_of_range outside [min_wavelength, max_wavelength].
  Complex<double> index(double wavelength_nm) const;
  double min_wavelength() const { return wavelength_.front(); }
  double max_wavelength() const { return wavelength_.back(); }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<double> wavelength_, n_, k_;
};

}  // namespace dynaopt::nanosphere
