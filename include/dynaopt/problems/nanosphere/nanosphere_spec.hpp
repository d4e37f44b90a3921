#pragma once
// What the `problem` section of a nanosphere deck asks for, validated: the layer stack, the
// band, the design constraints of paper 001 Sec. 4.2 and the multi-start settings.
#include <string>
#include <vector>

#include "dynaopt/core/deck.hpp"
#include "dynaopt/problems/nanosphere/absorption_batch.hpp"
#include "dynaopt/problems/nanosphere/band.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"

namespace dynaopt {

// One shell's material: an analytic model, Johnson and Christy's silver table, or a user table.
struct LayerSpec {
  enum class Source { model, johnson_christy, table } source = Source::model;
  std::string name;          // as the deck gives it, for output
  nanosphere::Material model;
  std::string table;         // file of wavelength_nm, n, k rows
};

struct NanosphereSpec {
  static constexpr int max_layers = 16;

  double host_index = 1.0;
  std::vector<LayerSpec> layers;          // core first
  std::vector<double> thickness;          // nm, core radius first: evaluate mode's design, optimize mode's start 0
  nanosphere::Band band;                  // or explicit wavelengths, averaged with equal weights
  std::vector<double> wavelengths;
  double min_thickness = 5, max_radius = 300;  // nm
  long starts = 16;
  long seed = 1;
  nanosphere::AbsorptionMeasure objective = nanosphere::AbsorptionMeasure::cabs;
  double thickness_unit = 1;              // nm per optimizer coordinate
  double stall_tolerance = 1e-9;          // a start has converged when its best objective has not
  long stall_steps = 100;                 // risen by this relative amount for this many steps
  double cluster_distance = 1;            // nm: optima closer than this are one optimum

  // The sample wavelengths and weights of the band average.
  nanosphere::Quadrature quadrature() const;
};

const char* measure_name(nanosphere::AbsorptionMeasure measure);

NanosphereSpec read_nanosphere(const DeckSection& section);

}  // namespace dynaopt
