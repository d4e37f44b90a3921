#pragma once
// run.mode evaluate: one design's spectrum (spectrum.csv) and its band averages with their
// gradients (result.yaml), through the same force pass the optimizer uses, with the design as
// a batch of one. Takes no steps.
#include <yaml-cpp/yaml.h>

#include <Kokkos_Core.hpp>
#include <memory>
#include <string>
#include <vector>

#include "dynaopt/core/comm.hpp"
#include "dynaopt/core/format.hpp"
#include "dynaopt/core/result_yaml.hpp"
#include "dynaopt/core/run_output.hpp"
#include "dynaopt/problems/nanosphere/absorption_model.hpp"
#include "dynaopt/problems/nanosphere/spectrum_file.hpp"
#include "dynaopt/problems/run.hpp"

namespace dynaopt::nanosphere {

template <class Device>
void evaluate_design(const NanosphereSpec& spec, const Job& job, const Comm& comm) {
  // The design as given, even outside the optimizer's bounds.
  const auto model = on_all_ranks(comm, [&] {
    auto m = std::make_unique<AbsorptionModel<Device>>(spec);
    double radius = 0;
    for (double t : spec.thickness) radius += t;
    m->require_orders(radius, "problem.thickness");
    return m;
  });
  if (job.dry_run) return;
  const std::size_t layers = spec.layers.size();
  RunOutput output(comm, job.output.directory);
  write_spectrum(output, *model, spec.thickness);
  // The band averages through the force pass itself, with the design as a batch of one.
  Kokkos::View<int*, Device> designs("designs", 1);
  Kokkos::View<double**, Kokkos::LayoutRight, Device> design("design", 1, layers), gradient("gradient", 1, layers);
  Kokkos::View<double*, Device> value("value", 1);
  Kokkos::deep_copy(Kokkos::subview(design, 0, Kokkos::ALL),
                    Kokkos::View<const double*, Kokkos::HostSpace>(spec.thickness.data(), layers));
  // Value and gradient of one band average: (J, dJ/dt_1, ..., dJ/dt_L).
  const auto average = [&](AbsorptionMeasure measure) {
    model->band_average(designs, 1, design, 1, 1, measure, value, gradient);
    auto v = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), value);
    auto g = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), gradient);
    std::vector<double> j = {v(0)};
    for (std::size_t l = 0; l < layers; ++l) j.push_back(g(0, l));
    return j;
  };
  const std::vector<double> cabs = average(AbsorptionMeasure::cabs);
  YAML::Emitter out;
  begin_result(out, "nanosphere", job, comm);
  out << YAML::Key << "mode" << YAML::Value << "evaluate" << YAML::Key << "wavelengths" << YAML::Value
      << model->wavelength_count() << YAML::Key << "thickness" << YAML::Value;
  emit_exact(out, spec.thickness);
  out << YAML::Key << "band_average" << YAML::Value << exact(cabs[0]) << YAML::Key << "gradient" << YAML::Value;
  emit_exact(out, {cabs.begin() + 1, cabs.end()});
  for (const auto measure : {AbsorptionMeasure::qabs, AbsorptionMeasure::cabs_per_volume}) {
    const std::vector<double> j = average(measure);
    out << YAML::Key << std::string(measure_name(measure)) + "_band_average" << YAML::Value << exact(j[0])
        << YAML::Key << std::string(measure_name(measure)) + "_gradient" << YAML::Value;
    emit_exact(out, {j.begin() + 1, j.end()});
  }
  const std::vector<double> deck = average(spec.objective);
  finish_run(output, out,
             "band-averaged " + std::string(measure_name(spec.objective)) + " " + exact(deck[0]) +
                 (spec.objective == AbsorptionMeasure::qabs ? "" : spec.objective == AbsorptionMeasure::cabs ? " nm^2" : " nm^-1"),
             comm);
}

}  // namespace dynaopt::nanosphere
