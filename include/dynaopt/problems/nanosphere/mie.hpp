#pragma once
// Mie efficiencies of a multilayer sphere (concentric layers, core first) in a non-absorbing
// host, by the log-derivative recursion of Yang (Appl. Opt. 42, 1710 (2003)) as organised by
// Pena and Pal (Comput. Phys. Commun. 180, 2348 (2009)): D1 = psi'/psi by downward recurrence,
// D3 = xi'/xi and psi*xi upward, the ratio Q_n = [psi/xi](m_l x_{l-1}) / [psi/xi](m_l x_l) in
// its scaled form, and the impedance-like Ha, Hb layer by layer. Riccati-Bessel functions:
// psi_n = z j_n, xi_n = z h_n^(1); indices m = n + ik with k >= 0 (time dependence e^{-i w t}).
//
// Absorption is summed as non-negative terms, never as Qext - Qsca (which cancels badly with
// many layers): with A_n = Ha_n/m_L + n/x, D_n = A_n xi_n - xi_{n-1},
//   Re(a_n) - |a_n|^2 = -Im(A_n) / |D_n|^2,
// because psi_{n-1} Y_n - psi_n Y_{n-1} = -1 for Y_n = x y_n (the Wronskian-type identity of
// the spherical Bessel functions); likewise for b_n with B_n = m_L Hb_n + n/x.
//
// Device-callable: fixed-size scratch of MaxTerms orders, no heap, no exceptions; control flow
// depends on values only, so T may be a forward-mode dual number.
#include <Kokkos_Core.hpp>

#include "dynaopt/problems/nanosphere/complex.hpp"

namespace dynaopt::nanosphere {

template <class T>
struct Efficiencies {
  T qext, qsca, qabs;
  int terms;  // multipole orders summed; 0 when MaxTerms was too small (the efficiencies are NaN)
};

KOKKOS_INLINE_FUNCTION double value_of(double v) { return v; }
KOKKOS_INLINE_FUNCTION double value_of(float v) { return v; }

// Orders needed: Wiscombe's criterion on the outer size parameter (Appl. Opt. 19, 1505 (1980)),
// raised to every |m_l x| of the layers, plus 15 (Pena and Pal 2009).
template <class T>
KOKKOS_INLINE_FUNCTION int term_count(int layers, const Complex<T>* m, const T* x) {
  const double outer = value_of(x[layers - 1]);
  double n = outer + 4.05 * math::pow(outer, 1.0 / 3.0) + 2;
  for (int l = 0; l < layers; ++l) {
    const double modulus_m = math::sqrt(value_of(m[l].re) * value_of(m[l].re) + value_of(m[l].im) * value_of(m[l].im));
    n = math::max(n, modulus_m * value_of(x[l]));
    if (l > 0) n = math::max(n, modulus_m * value_of(x[l - 1]));
  }
  return int(n) + 16;
}

// D1_n(z) = psi_n'(z)/psi_n(z) for n = 0..nmax by downward recurrence from well above |z|,
// where the recurrence forgets its starting value.
template <class T>
KOKKOS_INLINE_FUNCTION void log_derivative_psi(const Complex<T>& z, int nmax, Complex<T>* d1) {
  const double size = math::sqrt(value_of(z.re) * value_of(z.re) + value_of(z.im) * value_of(z.im));
  const int start = int(math::max(double(nmax), size)) + 16;
  Complex<T> d(T(0));
  for (int n = start; n > 0; --n) {
    const Complex<T> n_over_z = Complex<T>(T(n)) / z;
    if (n <= nmax) d1[n] = d;
    d = n_over_z - Complex<T>(T(1)) / (d + n_over_z);
  }
  d1[0] = d;
}

template <class T, int MaxTerms>
KOKKOS_INLINE_FUNCTION Efficiencies<T> multilayer_efficiencies(int layers, const Complex<T>* m, const T* x) {
  using C = Complex<T>;
  const C i_unit(T(0), T(1));
  const int nmax = term_count(layers, m, x);
  if (nmax >= MaxTerms) {
    const T nan = T(value_of(x[0]) * 0.0 / 0.0);
    return {nan, nan, nan, 0};
  }
  C ha[MaxTerms], hb[MaxTerms], d1_inner[MaxTerms], d1_outer[MaxTerms];

  // Core: Ha = Hb = D1(m_1 x_1).
  log_derivative_psi(m[0] * C(x[0]), nmax, ha);
  for (int n = 0; n <= nmax; ++n) hb[n] = ha[n];

  for (int l = 1; l < layers; ++l) {
    const C z1 = m[l] * C(x[l - 1]), z2 = m[l] * C(x[l]);
    log_derivative_psi(z1, nmax, d1_inner);
    log_derivative_psi(z2, nmax, d1_outer);
    // psi_0 xi_0 = (1 - e^{2iz})/2 and D3_0 = i; Q_0 written with bounded exponentials only
    // (|e^{2iz}| <= 1 for Im z >= 0).
    const C e2 = exp_i(C(T(2)) * z2), e21 = exp_i(C(T(2)) * (z2 - z1));
    C psi_xi_1 = (C(T(1)) - exp_i(C(T(2)) * z1)) / C(T(2)), psi_xi_2 = (C(T(1)) - e2) / C(T(2));
    C d3_1 = i_unit, d3_2 = i_unit;
    C q = (e2 - e21) / (e2 - C(T(1)));
    for (int n = 1; n <= nmax; ++n) {
      const C n1 = C(T(n)) / z1, n2 = C(T(n)) / z2;
      psi_xi_1 = psi_xi_1 * (n1 - d1_inner[n - 1]) * (n1 - d3_1);
      psi_xi_2 = psi_xi_2 * (n2 - d1_outer[n - 1]) * (n2 - d3_2);
      d3_1 = d1_inner[n] + i_unit / psi_xi_1;
      d3_2 = d1_outer[n] + i_unit / psi_xi_2;
      // psi_n/xi_n = psi_{n-1}/xi_{n-1} (D3_n + n/z) / (D1_n + n/z)
      q = q * ((d3_1 + n1) / (d1_inner[n] + n1)) * ((d1_outer[n] + n2) / (d3_2 + n2));
      const C ga1 = m[l] * ha[n] - m[l - 1] * d1_inner[n], ga2 = m[l] * ha[n] - m[l - 1] * d3_1;
      const C ta = q * ga1;
      ha[n] = (ga2 * d1_outer[n] - ta * d3_2) / (ga2 - ta);
      const C gb1 = m[l - 1] * hb[n] - m[l] * d1_inner[n], gb2 = m[l - 1] * hb[n] - m[l] * d3_1;
      const C tb = q * gb1;
      hb[n] = (gb2 * d1_outer[n] - tb * d3_2) / (gb2 - tb);
    }
  }

  // Outside: psi_n(x) from D1_n(x) (stable), xi_n(x) by upward recurrence from
  // xi_{-1} = e^{ix}, xi_0 = -i e^{ix}.
  const T xo = x[layers - 1];
  const C mo = m[layers - 1];
  log_derivative_psi(C(xo), nmax, d1_outer);
  C xi_previous = exp_i(C(xo)), xi = C(T(0), T(-1)) * xi_previous;
  T psi_previous = xi.re;  // psi_0 = sin x
  T qext(0), qsca(0), qabs(0);
  for (int n = 1; n <= nmax; ++n) {
    const T psi = psi_previous / (d1_outer[n].re + T(n) / xo);
    const C xi_next = C(T(2 * n - 1) / xo) * xi - xi_previous;
    xi_previous = xi, xi = xi_next;
    const C a_factor = ha[n] / mo + C(T(n) / xo), b_factor = mo * hb[n] + C(T(n) / xo);
    const C da = a_factor * xi - xi_previous, db = b_factor * xi - xi_previous;
    const C a = (a_factor * C(psi) - C(psi_previous)) / da, b = (b_factor * C(psi) - C(psi_previous)) / db;
    const T weight = T(2 * n + 1);
    qext += weight * (a.re + b.re);
    qsca += weight * (norm2(a) + norm2(b));
    qabs += weight * (-a_factor.im / norm2(da) - b_factor.im / norm2(db));
    psi_previous = psi;
  }
  const T scale = T(2) / (xo * xo);
  return {scale * qext, scale * qsca, scale * qabs, nmax};
}

}  // namespace dynaopt::nanosphere
