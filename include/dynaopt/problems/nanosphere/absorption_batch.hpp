#pragma once
// The force pass of the multi-start design: for every design of a batch, the band-averaged
// absorption cross-section (nm^2) and its exact gradient with respect to the layer thicknesses.
// One team per design, its threads over the wavelengths; each thread runs the Mie kernel on
// dual numbers and the team reduces value and gradient together.
#include <Kokkos_Core.hpp>

#include "dynaopt/problems/nanosphere/dual.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"
#include "dynaopt/problems/nanosphere/mie.hpp"

namespace dynaopt::nanosphere {

// A layer's material, evaluated on the device.
struct Material {
  enum class Kind { drude, silica_malitson, constant } kind = Kind::constant;
  DrudeMetal drude;
  ConstantIndex constant;

  KOKKOS_INLINE_FUNCTION Complex<double> index(double wavelength_nm) const {
    switch (kind) {
      case Kind::drude: return drude.index(wavelength_nm);
      case Kind::silica_malitson: return SilicaMalitson{}.index(wavelength_nm);
      default: return constant.index(wavelength_nm);
    }
  }
};

template <int MaxLayers, int MaxTerms, class Device>
struct BandAbsorption {
  using execution_space = typename Device::execution_space;
  using member_type = typename Kokkos::TeamPolicy<execution_space>::member_type;
  using Gradient = Dual<double, MaxLayers>;

  int layers;
  double host_index;
  Kokkos::View<const Material*, Device> materials;      // per layer, core first
  Kokkos::View<const double*, Device> wavelengths, weights;
  Kokkos::View<const double**, Kokkos::LayoutRight, Device> thickness;  // design x layer
  Kokkos::View<double*, Device> objective;                               // per design
  Kokkos::View<double**, Kokkos::LayoutRight, Device> gradient;          // design x layer

  KOKKOS_INLINE_FUNCTION Gradient cabs(int design, double lambda) const {
    constexpr double pi = 3.14159265358979323846;
    Complex<Gradient> m[MaxLayers];
    Gradient x[MaxLayers];
    Gradient radius(0.0);
    const double k = 2 * pi * host_index / lambda;
    for (int l = 0; l < layers; ++l) {
      radius = radius + Gradient::variable(thickness(design, l), l);
      const Complex<double> n = materials(l).index(lambda);
      m[l] = Complex<Gradient>(Gradient(n.re / host_index), Gradient(n.im / host_index));
      x[l] = Gradient(k) * radius;
    }
    return multilayer_efficiencies<Gradient, MaxTerms>(layers, m, x).qabs * Gradient(pi) * radius * radius;
  }

  KOKKOS_INLINE_FUNCTION void operator()(const member_type& team) const {
    const int design = team.league_rank();
    Gradient band;
    Kokkos::parallel_reduce(
        Kokkos::TeamThreadRange(team, int(wavelengths.extent(0))),
        [&](const int i, Gradient& sum) { sum += Gradient(weights(i)) * cabs(design, wavelengths(i)); },
        Kokkos::Sum<Gradient>(band));
    Kokkos::single(Kokkos::PerTeam(team), [&]() {
      objective(design) = band.value;
      for (int l = 0; l < layers; ++l) gradient(design, l) = band.d[l];
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
