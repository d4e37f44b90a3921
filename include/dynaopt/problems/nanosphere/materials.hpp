#pragma once
// Refractive indices m = n + ik (k >= 0) of the shell materials at a vacuum wavelength, as
// plain structs evaluated on the device. Convention: eps = m^2 with Im eps >= 0 for an
// absorbing medium (time dependence e^{-i w t}, as in mie.hpp). Dispersion models are written
// in the photon energy E [eV] = 1239.8419843320026 / lambda [nm].
//
// Each model has index(lambda_nm); `Material` selects one at run time and is what device code
// holds per layer. Tabulated data (Johnson-Christy, user tables) would be a further Kind
// whose index() interpolates a table held by the caller.
#include "dynaopt/problems/nanosphere/complex.hpp"

namespace dynaopt::nanosphere {

inline constexpr double electronvolt_nanometres = 1239.8419843320026;  // h c

KOKKOS_INLINE_FUNCTION double photon_energy_ev(double wavelength_nm) { return electronvolt_nanometres / wavelength_nm; }

// The principal square root of eps: the branch with n >= 0, and k >= 0 for Im eps >= 0.
KOKKOS_INLINE_FUNCTION Complex<double> index_from_permittivity(const Complex<double>& eps) {
  const double modulus = math::sqrt(eps.re * eps.re + eps.im * eps.im);
  const double n = math::sqrt(0.5 * (modulus + eps.re)), k = math::sqrt(math::max(0.0, 0.5 * (modulus - eps.re)));
  return {n, eps.im < 0 ? -k : k};
}

// Free-electron metal: eps = eps_inf - wp^2 / (E^2 + i gamma E); the defaults (3.7, 9.1 eV,
// 0.018 eV) describe silver in the visible.
struct DrudeMetal {
  double eps_inf = 3.7, plasma_ev = 9.1, damping_ev = 0.018;

  KOKKOS_INLINE_FUNCTION Complex<double> permittivity(double energy_ev) const {
    return Complex<double>(eps_inf) - Complex<double>(plasma_ev * plasma_ev) /
                                          Complex<double>(energy_ev * energy_ev, damping_ev * energy_ev);
  }
  KOKKOS_INLINE_FUNCTION Complex<double> index(double wavelength_nm) const {
    return index_from_permittivity(permittivity(photon_energy_ev(wavelength_nm)));
  }
};

// Silver, Lorentz-Drude fit of Rakic, Djurisic, Elazar and Majewski, Appl. Opt. 37, 5271
// (1998), Table 1 (Ag), valid about 0.1-5 eV:
//   eps = 1 - f0 wp^2 / (E (E + i G0)) + sum_j f_j wp^2 / (w_j^2 - E^2 - i E G_j),
// wp = 9.01 eV, f0 = 0.845, G0 = 0.048 eV; the paper writes the conjugate convention
// (Im eps <= 0), conjugated here.
struct SilverRakic {
  KOKKOS_INLINE_FUNCTION Complex<double> permittivity(double energy_ev) const {
    constexpr double plasma = 9.01, f0 = 0.845, damping0 = 0.048;
    constexpr double strength[5] = {0.065, 0.124, 0.011, 0.840, 5.646};
    constexpr double damping[5] = {3.886, 0.452, 0.065, 0.916, 2.419};
    constexpr double resonance[5] = {0.816, 4.481, 8.185, 9.083, 20.29};
    const double e = energy_ev, wp2 = plasma * plasma;
    Complex<double> eps = Complex<double>(1) - Complex<double>(f0 * wp2) / Complex<double>(e * e, damping0 * e);
    for (int j = 0; j < 5; ++j)
      eps += Complex<double>(strength[j] * wp2) /
             Complex<double>(resonance[j] * resonance[j] - e * e, -e * damping[j]);
    return eps;
  }
  KOKKOS_INLINE_FUNCTION Complex<double> index(double wavelength_nm) const {
    return index_from_permittivity(permittivity(photon_energy_ev(wavelength_nm)));
  }
};

// Fused silica, Malitson, J. Opt. Soc. Am. 55, 1205 (1965): three-term Sellmeier, lambda in um,
// valid 0.21-3.71 um.
struct SilicaMalitson {
  KOKKOS_INLINE_FUNCTION Complex<double> index(double wavelength_nm) const {
    const double l2 = (wavelength_nm * 1e-3) * (wavelength_nm * 1e-3);
    const double n2 = 1 + 0.6961663 * l2 / (l2 - 0.0684043 * 0.0684043) + 0.4079426 * l2 / (l2 - 0.1162414 * 0.1162414) +
                      0.8974794 * l2 / (l2 - 9.896161 * 9.896161);
    return {math::sqrt(n2), 0.0};
  }
};

struct ConstantIndex {
  double n = 1, k = 0;
  KOKKOS_INLINE_FUNCTION Complex<double> index(double) const { return {n, k}; }
};

// A layer's material, chosen at run time: a plain struct, copyable into device Views.
struct Material {
  enum class Kind { constant, drude, silver_rakic, silica_malitson } kind = Kind::constant;
  ConstantIndex constant;  // used when kind == constant
  DrudeMetal drude;        // used when kind == drude

  KOKKOS_INLINE_FUNCTION Complex<double> index(double wavelength_nm) const {
    switch (kind) {
      case Kind::drude: return drude.index(wavelength_nm);
      case Kind::silver_rakic: return SilverRakic{}.index(wavelength_nm);
      case Kind::silica_malitson: return SilicaMalitson{}.index(wavelength_nm);
      default: return constant.index(wavelength_nm);
    }
  }
};

}  // namespace dynaopt::nanosphere
