#pragma once
// What the `problem` section of a nanosphere deck asks for, validated: the layer stack, the
// band, the design constraints of paper 001 Sec. 4.2 and the multi-start settings.
#include <string>
#include <vector>

#include "dynaopt/core/deck.hpp"
#include "dynaopt/problems/nanosphere/absorption_batch.hpp"
#include "dynaopt/problems/nanosphere/band.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"
#include "dynaopt/problems/nanosphere/mlsl.hpp"
#include "dynaopt/problems/nanosphere/start_records.hpp"

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
  // multistart: `starts` uniform starts, each run to its end; mlsl: rounds of Sobol samples,
  // local searches only from the promising ones (mlsl.hpp), until the stopping rule says so.
  enum class Strategy { multistart, mlsl };

  double host_index = 1.0;
  std::vector<LayerSpec> layers;          // core first
  std::vector<double> thickness;          // nm, core radius first: evaluate mode's design, optimize mode's start 0
  nanosphere::Band band;                  // or explicit wavelengths, averaged with equal weights
  std::vector<double> wavelengths;
  double min_thickness = 5, max_radius = 300;  // nm
  Strategy strategy = Strategy::multistart;
  long starts = 16;
  MlslSpec mlsl;
  long seed = 1;
  nanosphere::AbsorptionMeasure objective = nanosphere::AbsorptionMeasure::cabs;
  double thickness_unit = 1;              // nm per optimizer coordinate
  double stationarity = 1e-4;             // converged: |G| <= stationarity |J| per nm
  double stall_tolerance = 1e-9;          // stalled: the best objective has not risen by this
  long stall_steps = 100;                 // relative amount for this many steps (uncertified)
  OptimumTolerance distinct;              // converged designs that are one optimum

  // The sample wavelengths and weights of the band average.
  nanosphere::Quadrature quadrature() const;
};

inline constexpr Named<nanosphere::AbsorptionMeasure> absorption_measures[] = {
    {nanosphere::AbsorptionMeasure::cabs, "cabs"},
    {nanosphere::AbsorptionMeasure::qabs, "qabs"},
    {nanosphere::AbsorptionMeasure::cabs_per_volume, "cabs_per_volume"}};
inline const char* measure_name(nanosphere::AbsorptionMeasure measure) { return name_of(absorption_measures, measure); }

inline constexpr Named<NanosphereSpec::Strategy> design_strategies[] = {
    {NanosphereSpec::Strategy::multistart, "multistart"}, {NanosphereSpec::Strategy::mlsl, "mlsl"}};

inline constexpr Named<nanosphere::Band::Rule> band_rules[] = {{nanosphere::Band::Rule::simpson, "simpson"},
                                                               {nanosphere::Band::Rule::trapezoid, "trapezoid"}};

// The materials a layer names: an analytic model, or Johnson and Christy's silver table.
struct NamedMaterial {
  const char* name;
  LayerSpec::Source source;
  nanosphere::Material::Kind kind;
};
inline constexpr NamedMaterial named_materials[] = {
    {"silver_drude", LayerSpec::Source::model, nanosphere::Material::Kind::drude},
    {"silver_rakic", LayerSpec::Source::model, nanosphere::Material::Kind::silver_rakic},
    {"silver_johnson_christy", LayerSpec::Source::johnson_christy, nanosphere::Material::Kind::constant},
    {"silica_malitson", LayerSpec::Source::model, nanosphere::Material::Kind::silica_malitson}};

NanosphereSpec read_nanosphere(const DeckSection& section);

}  // namespace dynaopt
