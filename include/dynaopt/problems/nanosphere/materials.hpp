#pragma once
// Refractive indices m = n + ik (k >= 0) of the shell materials at a vacuum wavelength, as
// plain structs evaluated on the device. Photon energy E [eV] = 1239.8419843320026 / lambda [nm].
#include "dynaopt/problems/nanosphere/complex.hpp"

namespace dynaopt::nanosphere {

inline constexpr double electronvolt_nanometres = 1239.8419843320026;  // h c

// The principal square root of eps, the branch with Im >= 0 for Im eps >= 0.
KOKKOS_INLINE_FUNCTION Complex<double> index_from_permittivity(const Complex<double>& eps) {
  const double modulus = math::sqrt(eps.re * eps.re + eps.im * eps.im);
  const double n = math::sqrt(0.5 * (modulus + eps.re)), k = math::sqrt(math::max(0.0, 0.5 * (modulus - eps.re)));
  return {n, eps.im < 0 ? -k : k};
}

// Free-electron silver: eps = eps_inf - wp^2 / (E^2 + i gamma E), defaults 3.7, 9.1 eV,
// 0.018 eV.
struct DrudeMetal {
  double eps_inf = 3.7, plasma_ev = 9.1, damping_ev = 0.018;

  KOKKOS_INLINE_FUNCTION Complex<double> index(double wavelength_nm) const {
    const double e = electronvolt_nanometres / wavelength_nm;
    const Complex<double> eps = Complex<double>(eps_inf) - Complex<double>(plasma_ev * plasma_ev) /
                                                               Complex<double>(e * e, damping_ev * e);
    return index_from_permittivity(eps);
  }
};

// Fused silica, Malitson, J. Opt. Soc. Am. 55, 1205 (1965): three-term Sellmeier, lambda in um.
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

}  // namespace dynaopt::nanosphere
