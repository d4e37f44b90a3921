#include "dynaopt/problems/nanosphere/nanosphere_spec.hpp"

namespace dynaopt {
namespace {

using nanosphere::Material;

// An entry of `layers`: a material name, or a one-key mapping {index: [n, k]},
// {table: file} or {silver_drude: {eps_inf, plasma_ev, damping_ev}}.
LayerSpec read_layer(const DeckSection& entry) {
  LayerSpec layer;
  if (entry.is_value()) {
    layer.name = entry.value();
    std::string known;
    for (const NamedMaterial& m : named_materials) {
      if (layer.name == m.name) {
        layer.source = m.source;
        layer.model.kind = m.kind;
        return layer;
      }
      known += std::string(m.name) + ", ";
    }
    entry.fail("unknown material '" + layer.name + "'; known: " + known +
               "{index: [n, k]}, {table: file}, {silver_drude: {...}}");
  }
  const std::string kind = entry.only_key();
  layer.name = kind;
  if (kind == "index") {
    const std::vector<double> nk = entry.numbers("index", Range::at_least(0));
    if (nk.size() != 2 || !(nk[0] > 0)) entry.fail("index", "expected [n, k] with n > 0 and k >= 0");
    layer.model.constant = {nk[0], nk[1]};
  } else if (kind == "table") {
    layer.source = LayerSpec::Source::table;
    layer.table = entry.string("table");
    layer.name = "table " + layer.table;
  } else if (kind == "silver_drude") {
    const DeckSection drude = entry.section("silver_drude");
    nanosphere::DrudeMetal& m = layer.model.drude;
    layer.model.kind = Material::Kind::drude;
    m.eps_inf = drude.number("eps_inf", m.eps_inf, Range::above(0));
    m.plasma_ev = drude.number("plasma_ev", m.plasma_ev, Range::above(0));
    m.damping_ev = drude.number("damping_ev", m.damping_ev, Range::at_least(0));
    drude.finish();
  } else {
    entry.fail("expected a material name or {index: [n, k]}, {table: file} or {silver_drude: {...}}, got '" +
               kind + "'");
  }
  entry.finish();
  return layer;
}

}  // namespace

nanosphere::Quadrature NanosphereSpec::quadrature() const {
  if (wavelengths.empty()) return band_quadrature(band);
  return {wavelengths, std::vector<double>(wavelengths.size(), 1.0 / double(wavelengths.size()))};
}

NanosphereSpec read_nanosphere(const DeckSection& s) {
  NanosphereSpec n;
  n.host_index = s.number("host_index", n.host_index, Range::above(0));
  for (const DeckSection& entry : s.entries("layers")) n.layers.push_back(read_layer(entry));
  if (n.layers.size() > std::size_t(NanosphereSpec::max_layers))
    s.fail("layers", "at most " + std::to_string(NanosphereSpec::max_layers) + " layers, got " +
                         std::to_string(n.layers.size()));

  if (s.has("wavelengths") && s.has("band")) s.fail("wavelengths", "give either wavelengths or band, not both");
  if (s.has("wavelengths")) {
    n.wavelengths = s.numbers("wavelengths", Range::above(0));
    if (n.wavelengths.empty()) s.fail("wavelengths", "expected at least one wavelength");
  } else {
    const DeckSection band = s.optional_section("band");
    n.band.from = band.number("from", n.band.from, Range::above(0));
    n.band.to = band.number("to", n.band.to, Range::above(n.band.from));
    n.band.samples = int(band.integer("samples", n.band.samples, Range::closed(2, 1e6)));
    n.band.rule = band.choice("rule", band_rules, n.band.rule);
    if (n.band.rule == nanosphere::Band::Rule::simpson && n.band.samples % 2 == 0)
      band.fail("samples", "Simpson's rule needs an odd number of samples, got " + std::to_string(n.band.samples));
    band.finish();
  }

  const DeckSection bounds = s.optional_section("bounds");
  n.min_thickness = bounds.number("min_thickness", n.min_thickness, Range::above(0));
  n.max_radius = bounds.number("max_radius", n.max_radius, Range::above(0));
  if (double(n.layers.size()) * n.min_thickness > n.max_radius)
    bounds.fail("max_radius", "is below layers x min_thickness = " +
                                  std::to_string(double(n.layers.size()) * n.min_thickness) + " nm: no design fits");
  bounds.finish();

  if (s.has("thickness")) {
    n.thickness = s.numbers("thickness", Range::above(0));
    if (n.thickness.size() != n.layers.size())
      s.fail("thickness", "has " + std::to_string(n.thickness.size()) + " values for " +
                              std::to_string(n.layers.size()) + " layers");
  }
  n.strategy = s.choice("strategy", design_strategies, n.strategy);
  if (n.strategy == NanosphereSpec::Strategy::mlsl) {
    for (const char* key : {"starts", "thickness"})
      if (s.has(key)) s.fail(key, "does not apply to strategy mlsl, whose starts are chosen among its samples (problem.mlsl)");
    const DeckSection m = s.optional_section("mlsl");
    MlslSpec& p = n.mlsl;
    p.samples = m.integer("samples_per_round", p.samples, Range::closed(2, 1e7));
    p.reduced_fraction = m.number("reduced_fraction", p.reduced_fraction, Range::left_open(0, 1));
    p.sigma = m.number("sigma", p.sigma, Range::above(0));
    p.searches_per_round = m.integer("searches_per_round", p.searches_per_round, Range::closed(0, 1e6));
    p.search_steps = m.integer("search_steps", p.search_steps, Range::at_least(0));
    const DeckSection stop = m.optional_section("stop");
    p.expected_excess = stop.number("expected_excess", p.expected_excess, Range::above(0));
    p.max_rounds = stop.integer("rounds", p.max_rounds, Range::closed(1, 1e6));
    p.max_evaluations = stop.integer("evaluations", p.max_evaluations, Range::at_least(0));
    stop.finish();
    m.finish();
  } else if (s.has("mlsl")) {
    s.fail("mlsl", "does not apply to strategy multistart (set problem.strategy: mlsl)");
  }
  n.starts = s.integer("starts", n.starts, Range::closed(1, 1e8));
  n.seed = s.integer("seed", n.seed, Range::at_least(0));
  n.objective = s.choice("objective", absorption_measures, n.objective);
  n.thickness_unit = s.number("thickness_unit", n.thickness_unit, Range::left_open(0, 1e4));
  const DeckSection convergence = s.optional_section("convergence");
  n.stationarity = convergence.number("stationarity", n.stationarity, Range::above(0));
  n.stall_tolerance = convergence.number("relative_change", n.stall_tolerance, Range::at_least(0));
  n.stall_steps = convergence.integer("steps", n.stall_steps, Range::at_least(1));
  convergence.finish();
  const DeckSection distinct = s.optional_section("distinct_optima");
  n.distinct.objective = distinct.number("objective", n.distinct.objective, Range::at_least(0));
  n.distinct.spectrum = distinct.number("spectrum", n.distinct.spectrum, Range::at_least(0));
  distinct.finish();
  s.finish();
  return n;
}

}  // namespace dynaopt
