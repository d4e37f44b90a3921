#pragma once
// spectrum.csv: one design's Cabs, Qabs and dCabs/dt per layer at every wavelength of the band
// (evaluate mode's design, optimize mode's best). scripts/plot_spectrum.py plots it.
#include <ostream>
#include <string>
#include <vector>

#include "dynaopt/core/format.hpp"
#include "dynaopt/core/run_output.hpp"
#include "dynaopt/problems/nanosphere/absorption_model.hpp"

namespace dynaopt::nanosphere {

template <class Device>
void write_spectrum(RunOutput& output, const AbsorptionModel<Device>& model, const std::vector<double>& thickness) {
  std::string header = "wavelength_nm,cabs_nm2,qabs";
  for (std::size_t l = 1; l <= thickness.size(); ++l) header += ",dcabs_dt" + std::to_string(l);
  if (std::ostream* spectrum = output.file("spectrum.csv", header))  // rank 0 only
    for (const SpectrumPoint& p : model.spectrum(thickness)) {
      *spectrum << exact(p.wavelength_nm) << ',' << exact(p.cabs) << ',' << exact(p.qabs);
      for (double d : p.dcabs_dt) *spectrum << ',' << exact(d);
      *spectrum << '\n';
    }
}

}  // namespace dynaopt::nanosphere
