#pragma once
// The force pass of the multi-start design: for every active design of a batch, the band
// average of an absorption measure and its exact gradient with respect to the thicknesses.
// One team per design, its threads over the wavelengths; each thread runs the Mie kernel on
// dual numbers and the team reduces value and gradient together.
#include <Kokkos_Core.hpp>

#include "dynaopt/problems/nanosphere/dual.hpp"
#include "dynaopt/problems/nanosphere/mie.hpp"

namespace dynaopt::nanosphere {

// What the band average is taken of.
enum class AbsorptionMeasure {
  cabs,            // cross-section Qabs pi R^2, nm^2
  qabs,            // efficiency Cabs / (pi R^2): the particle's emissivity
  cabs_per_volume  // Cabs / (4/3 pi R^3), nm^-1: absorption per unit of material
};

template <class T>
KOKKOS_INLINE_FUNCTION T absorption_measure(AbsorptionMeasure measure, const Absorption<T>& a, const T& radius) {
  switch (measure) {
    case AbsorptionMeasure::qabs: return a.qabs;
    case AbsorptionMeasure::cabs_per_volume: return a.qabs * T(0.75) / radius;  // pi R^2 Q / (4/3 pi R^3)
    default: return a.cabs;
  }
}

// Layers = the dual components carried, >= the problem's layer count (unused ones stay zero).
template <int Layers, int MaxTerms, class Device>
struct BandAbsorption {
  using execution_space = typename Device::execution_space;
  using member_type = typename Kokkos::TeamPolicy<execution_space>::member_type;
  using Gradient = Dual<double, Layers>;

  int layers;
  double host_index;
  AbsorptionMeasure measure;
  double unit;                       // nm per design coordinate: t = unit * coordinate
  double sense;                      // +1 reports J and dJ/du; -1 the minimised -J and -dJ/du
  Kokkos::View<const double*, Device> wavelengths, weights;
  Kokkos::View<const Complex<double>**, Kokkos::LayoutRight, Device> index;  // wavelength x layer
  Kokkos::View<const int*, Device> designs;                                  // team -> design
  Kokkos::View<const double**, Kokkos::LayoutRight, Device> coordinates;    // design x layer
  Kokkos::View<double*, Device> objective;                                   // per design
  Kokkos::View<double**, Kokkos::LayoutRight, Device> gradient;              // design x layer, per coordinate

  KOKKOS_INLINE_FUNCTION void operator()(const member_type& team) const {
    const int design = designs(team.league_rank());
    // The constraint pass keeps every evaluation point (a look-ahead one too) in the design set.
    Gradient seeded[Layers], radius(0.0);
    for (int l = 0; l < layers; ++l) {
      seeded[l] = Gradient::variable(unit * coordinates(design, l), l);
      radius = radius + seeded[l];
    }
    Gradient band;
    Kokkos::parallel_reduce(
        Kokkos::TeamThreadRange(team, int(wavelengths.extent(0))),
        [&](const int i, Gradient& sum) {
          const auto a = multilayer_absorption<Gradient, Layers, MaxTerms>(layers, seeded, &index(i, 0), host_index,
                                                                            wavelengths(i));
          sum += weights(i) * absorption_measure(measure, a, radius);
        },
        Kokkos::Sum<Gradient>(band));
    Kokkos::single(Kokkos::PerTeam(team), [&]() {
      objective(design) = sense * band.value;
      for (int l = 0; l < layers; ++l) gradient(design, l) = sense * unit * band.d[l];
    });
  }
};

}  // namespace dynaopt::nanosphere

namespace Kokkos {
template <class T, int N>
struct reduction_identity<dynaopt::nanosphere::Dual<T, N>> {
  KOKKOS_FORCEINLINE_FUNCTION static dynaopt::nanosphere::Dual<T, N> sum() { return dynaopt::nanosphere::Dual<T, N>(T(0)); }
};
}  // namespace Kokkos
