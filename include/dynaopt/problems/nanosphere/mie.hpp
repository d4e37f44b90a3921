#pragma once
// Mie efficiencies of a multilayer sphere (L concentric layers, core first) in a non-absorbing
// host, by the log-derivative recursion of Yang (Appl. Opt. 42, 1710 (2003)) as organised by
// Pena and Pal (Comput. Phys. Commun. 180, 2348 (2009)): D1 = psi'/psi by downward recurrence,
// D3 = xi'/xi and psi*xi upward, the ratio Q_n = [psi/xi](m_l x_{l-1}) / [psi/xi](m_l x_l), and
// the impedance-like Ha, Hb carried outwards layer by layer. Riccati-Bessel functions
// psi_n = z j_n, Y_n = z y_n, xi_n = z h_n^(1) = psi_n + i Y_n; indices m = n + ik with k >= 0
// (time dependence e^{-i w t}).
//
// Absorption as a sum of non-negative terms. Outside the sphere
//   a_n = (A_n psi_n - psi_{n-1}) / (A_n xi_n - xi_{n-1}),   A_n = Ha_n/m_L + n/x,
//   b_n = (B_n psi_n - psi_{n-1}) / (B_n xi_n - xi_{n-1}),   B_n = m_L Hb_n + n/x,
// at the outer size parameter x. Write the denominator as N + iM with the real-argument
// numerator N = A psi_n - psi_{n-1} and M = A Y_n - Y_{n-1}; then 1 - a = iM/(N + iM) and
//   Re(a) - |a|^2 = Re(conj(a) (1 - a)) = Im(N conj(M)) / |N + iM|^2
//                = Im(A) (psi_{n-1} Y_n - psi_n Y_{n-1}) / |A xi_n - xi_{n-1}|^2
//                = -Im(A) / |A xi_n - xi_{n-1}|^2,
// since psi, Y are real and the Wronskian-type cross product psi_{n-1} Y_n - psi_n Y_{n-1} = -1
// for every n (at n = 1 it is sin x (-cos x/x - sin x) - (sin x/x - cos x)(-cos x) = -1, and
// the three-term recurrence preserves it). Likewise for b_n with B. Hence
//   Qabs = Qext - Qsca = (2/x^2) sum_n (2n+1) [-Im(A_n)/|A_n xi_n - xi_{n-1}|^2
//                                              -Im(B_n)/|B_n xi_n - xi_{n-1}|^2],
// each term >= 0 because a passive sphere has Im A_n, Im B_n <= 0 (for a homogeneous sphere
// Im(D1_n(mx)/m) <= 0 when Im m >= 0). This sums no differences of nearly equal numbers, where
// Qext - Qsca cancels badly when absorption is small against scattering.
//
// Everything outside the layers is carried as ratios, never as xi_n itself (which overflows
// for orders well above x): r_n = xi_{n-1}/xi_n, P_n = psi_n/xi_n, W_n = psi_{n-1}/xi_n and
// S_n = |xi_n|^-2, so that a_n = (A P_n - W_n)/(A - r_n) and the absorption term is
// -Im(A) S_n / |A - r_n|^2; S_n and P_n underflow harmlessly to zero at high orders.
//
// Derivatives. T may be a forward-mode dual number (dual.hpp). The special-function
// recurrences run on plain numbers and their results are lifted onto the dual arguments with
// exact derivatives: D1 and D3 both satisfy the Riccati equation D' = n(n+1)/z^2 - 1 - D^2
// (psi and xi solve u'' = (n(n+1)/z^2 - 1) u), and d ln(psi/xi)/dz = D1 - D3. Only the short
// layer recursion for Ha, Hb and the final coefficients are evaluated in dual arithmetic.
//
// Device-callable: fixed-size scratch of MaxTerms orders, no heap, no exceptions; control flow
// depends on values only.
#include <Kokkos_Core.hpp>
#include <type_traits>

#include "dynaopt/problems/nanosphere/complex.hpp"

namespace dynaopt::nanosphere {

template <class T>
struct Efficiencies {
  T qext, qsca, qabs;
  int terms;  // multipole orders summed; 0 when the input was out of range (the efficiencies are NaN)
};

// Plain numbers carry no derivatives: their value is themselves, and a function lifted onto
// them is just its value. dual.hpp has the counterparts for dual numbers.
template <class V, class = std::enable_if_t<std::is_floating_point<V>::value>>
KOKKOS_INLINE_FUNCTION V value_of(V v) { return v; }
template <class T>
KOKKOS_INLINE_FUNCTION auto value_of(const Complex<T>& z) {
  return Complex<decltype(value_of(z.re))>(value_of(z.re), value_of(z.im));
}
template <class V, class = std::enable_if_t<std::is_floating_point<V>::value>>
KOKKOS_INLINE_FUNCTION V analytic_at(V, V f, V) { return f; }
template <class V, class = std::enable_if_t<std::is_floating_point<V>::value>>
KOKKOS_INLINE_FUNCTION Complex<V> analytic_at(V, const Complex<V>& f, const Complex<V>&) { return f; }
template <class V, class = std::enable_if_t<std::is_floating_point<V>::value>>
KOKKOS_INLINE_FUNCTION Complex<V> analytic_at(const Complex<V>&, const Complex<V>& f, const Complex<V>&) { return f; }
template <class V, class = std::enable_if_t<std::is_floating_point<V>::value>>
KOKKOS_INLINE_FUNCTION Complex<V> analytic_at(const Complex<V>&, const Complex<V>&, const Complex<V>& f,
                                              const Complex<V>&, const Complex<V>&) {
  return f;
}

// Orders a homogeneous sphere of size parameter x needs, Wiscombe (Appl. Opt. 19, 1505 (1980)).
KOKKOS_INLINE_FUNCTION double wiscombe_orders(double x) {
  const double cube_root = math::pow(x, 1.0 / 3.0);
  if (x <= 8) return x + 4 * cube_root + 1;
  if (x < 4200) return x + 4.05 * cube_root + 2;
  return x + 4 * cube_root + 2;
}

// Orders summed for a multilayer sphere, as Yang (2003) and Pena and Pal (2009) prescribe:
// Wiscombe's count for the outer size parameter raised to every internal argument |m_l x_l|,
// |m_l x_{l-1}|, + 15. Orders beyond Wiscombe's count contribute ~nothing but cost little, and
// the ratio form below cannot overflow at any order.
template <class M, class T>
KOKKOS_INLINE_FUNCTION int term_count(int layers, const Complex<M>* m, const T* x) {
  double n = wiscombe_orders(double(value_of(x[layers - 1])));
  for (int l = 0; l < layers; ++l) {
    const double modulus_m = math::sqrt(double(abs2(value_of(m[l]))));
    n = math::max(n, modulus_m * double(value_of(x[l])));
    if (l > 0) n = math::max(n, modulus_m * double(value_of(x[l - 1])));
  }
  return int(n) + 1 + 15;
}

// Where the downward recurrence for D1_n(z) starts. From any start value its error shrinks
// each step by about |psi_n/Y_n|^2, which is small only once n is past the turning region
// n ~ |z| + O(|z|^{1/3}) (below it both solutions oscillate and nothing is damped). So the
// start is 15 orders above both nmax and Wiscombe's count for |z|, which clears that region at
// every |z|. Pena and Pal's max(nmax, |m x|) + 15 does not: at x = 10^4, m = 1.33 + 1e-5 i it
// leaves Qsca wrong in the third digit (Du 2004 reports the same failure of short starts).
KOKKOS_INLINE_FUNCTION int recurrence_start(int nmax, double modulus_z) {
  return int(math::max(double(nmax), wiscombe_orders(modulus_z))) + 15;
}

// D1_n(z) = psi_n'(z)/psi_n(z) for n = 0..nmax by the downward recurrence
// D1_{n-1} = n/z - 1/(D1_n + n/z), for a complex and for a real argument. The reciprocal is
// conj(w)/|w|^2: one division on the recurrence's critical path instead of Smith's two. |w|^2
// stays far inside the exponent range: w = psi_{n-1}/psi_n is about (2n+1)/z for small z and
// grows large only next to a real zero of psi_n, which no rounded argument comes close to.
// K arguments run side by side, so that their independent recurrences overlap in the pipeline;
// each starts at the highest start, which only makes the others more accurate.
template <int K, class V>
KOKKOS_INLINE_FUNCTION void log_derivative_psi(const Complex<V>* z, int nmax, Complex<V>* const* d1) {
  Complex<V> inverse_z[K], d[K];
  int start = 0;
  for (int k = 0; k < K; ++k) {
    inverse_z[k] = Complex<V>(1) / z[k];
    start = math::max(start, recurrence_start(nmax, math::sqrt(double(abs2(z[k])))));
  }
  for (int n = start; n > 0; --n)
    for (int k = 0; k < K; ++k) {
      const Complex<V> n_over_z = V(n) * inverse_z[k], w = d[k] + n_over_z;
      if (n <= nmax) d1[k][n] = d[k];
      d[k] = n_over_z - (V(1) / abs2(w)) * conj(w);
    }
  for (int k = 0; k < K; ++k) d1[k][0] = d[k];
}
template <class V, class = std::enable_if_t<std::is_floating_point<V>::value>>
KOKKOS_INLINE_FUNCTION void log_derivative_psi(V x, int nmax, V* d1) {
  const V inverse_x = V(1) / x;
  V d(0);
  for (int n = recurrence_start(nmax, double(math::abs(x))); n > 0; --n) {
    const V n_over_x = V(n) * inverse_x;
    if (n <= nmax) d1[n] = d;
    d = n_over_x - V(1) / (d + n_over_x);
  }
  d1[0] = d;
}

// dD/dz = n(n+1)/z^2 - 1 - D^2 for D = D1_n(z) or D3_n(z), given 1/z.
template <class V>
KOKKOS_INLINE_FUNCTION Complex<V> riccati_slope(int n, const Complex<V>& inverse_z, const Complex<V>& d) {
  return V(n * (n + 1)) * (inverse_z * inverse_z) - Complex<V>(1) - d * d;
}

// Qext, Qsca, Qabs of L = `layers` concentric layers with relative indices m[l] (index over
// the host's) and size parameters x[l] = 2 pi n_host r_l / lambda, r_1 < ... < r_L. MaxTerms
// bounds the orders (term_count above must stay below it; otherwise NaN with terms = 0) and
// sizes the scratch (per order two complex T, two complex and one real plain number): 64
// covers outer x up to about 33 and every |m_l x| up to 47 (a nanosphere in the visible);
// Du's x = 10^4 with |m| <= 1.8 needs 20000 (host only). If `qabs_by_order` is given, it
// receives the non-negative contribution of each order n = 1..terms to Qabs (index 0 is 0).
template <class T, int MaxTerms, class M>
KOKKOS_INLINE_FUNCTION Efficiencies<T> multilayer_efficiencies(int layers, const Complex<M>* m, const T* x,
                                                               T* qabs_by_order = nullptr) {
  using V = decltype(value_of(x[0]));
  using C = Complex<T>;
  using CV = Complex<V>;
  const CV one(1), i_unit(0, 1);
  const int nmax = layers >= 1 ? term_count(layers, m, x) : MaxTerms;
  if (nmax >= MaxTerms) {
    const T nan = T(math::sqrt(V(-1)));  // quiet NaN, without a constant 0/0 that compilers flag
    return {nan, nan, nan, 0};
  }
  C ha[MaxTerms], hb[MaxTerms];
  CV d1_inner[MaxTerms], d1_outer[MaxTerms];

  // Core: Ha = Hb = D1(m_1 x_1).
  {
    const C z = m[0] * C(x[0]);
    const CV v = value_of(z), inverse_z = one / v;
    CV* const d1[1] = {d1_inner};
    log_derivative_psi<1>(&v, nmax, d1);
    for (int n = 1; n <= nmax; ++n) hb[n] = ha[n] = analytic_at(z, d1_inner[n], riccati_slope(n, inverse_z, d1_inner[n]));
  }

  for (int l = 1; l < layers; ++l) {
    const C z1 = m[l] * C(x[l - 1]), z2 = m[l] * C(x[l]);
    const CV v1 = value_of(z1), v2 = value_of(z2), inverse_1 = one / v1, inverse_2 = one / v2;
    const CV v[2] = {v1, v2};
    CV* const d1[2] = {d1_inner, d1_outer};
    log_derivative_psi<2>(v, nmax, d1);
    // psi_0 xi_0 = (1 - e^{2iz})/2 and D3_0 = i; Q_0 written with bounded exponentials only
    // (|e^{2iz}| <= 1 for Im z >= 0, and Im(z2 - z1) >= 0).
    const CV e2 = exp_i(V(2) * v2), e21 = exp_i(V(2) * (v2 - v1));
    CV psi_xi_1 = V(0.5) * (one - exp_i(V(2) * v1)), psi_xi_2 = V(0.5) * (one - e2);
    CV d3_1 = i_unit, d3_2 = i_unit;
    CV q = (e2 - e21) / (e2 - one);
    for (int n = 1; n <= nmax; ++n) {
      const CV n1 = V(n) * inverse_1, n2 = V(n) * inverse_2;
      psi_xi_1 = psi_xi_1 * (n1 - d1_inner[n - 1]) * (n1 - d3_1);
      psi_xi_2 = psi_xi_2 * (n2 - d1_outer[n - 1]) * (n2 - d3_2);
      d3_1 = d1_inner[n] + i_unit / psi_xi_1;
      d3_2 = d1_outer[n] + i_unit / psi_xi_2;
      // psi_n/xi_n = psi_{n-1}/xi_{n-1} (D3_n + n/z) / (D1_n + n/z)
      q = q * ((d3_1 + n1) / (d1_inner[n] + n1)) * ((d1_outer[n] + n2) / (d3_2 + n2));

      const C d1_at_1 = analytic_at(z1, d1_inner[n], riccati_slope(n, inverse_1, d1_inner[n]));
      const C d3_at_1 = analytic_at(z1, d3_1, riccati_slope(n, inverse_1, d3_1));
      const C d1_at_2 = analytic_at(z2, d1_outer[n], riccati_slope(n, inverse_2, d1_outer[n]));
      const C d3_at_2 = analytic_at(z2, d3_2, riccati_slope(n, inverse_2, d3_2));
      const C q_n = analytic_at(z1, z2, q, q * (d1_inner[n] - d3_1), q * (d3_2 - d1_outer[n]));

      const C ga1 = m[l] * ha[n] - m[l - 1] * d1_at_1, ga2 = m[l] * ha[n] - m[l - 1] * d3_at_1;
      const C ta = q_n * ga1;
      ha[n] = (ga2 * d1_at_2 - ta * d3_at_2) / (ga2 - ta);
      const C gb1 = m[l - 1] * hb[n] - m[l] * d1_at_1, gb2 = m[l - 1] * hb[n] - m[l] * d3_at_1;
      const C tb = q_n * gb1;
      hb[n] = (gb2 * d1_at_2 - tb * d3_at_2) / (gb2 - tb);
    }
  }

  // Outside, at the real size parameter x: D1_n(x) downward, then the ratios upward from
  // r_0 = xi_{-1}/xi_0 = i (xi_{-1} = e^{ix}, xi_0 = -i e^{ix}), P_0 = (1 - e^{-2ix})/2, S_0 = 1,
  // by xi_n/xi_{n-1} = (2n-1)/x - r_{n-1} and psi_{n-1}/psi_n = D1_n + n/x.
  const T xo = x[layers - 1];
  const V xv = value_of(xo), inverse_x = V(1) / xv;
  const Complex<M> mo = m[layers - 1], inverse_mo = Complex<M>(M(1)) / mo;
  V d1_x[MaxTerms];
  log_derivative_psi(xv, nmax, d1_x);
  CV r = i_unit, p = V(0.5) * (one - exp_i(CV(V(-2) * xv)));
  V s(1);
  const T inverse_xo = T(1) / xo, scale = V(2) * (inverse_xo * inverse_xo);
  T qext(0), qsca(0), qabs(0);
  if (qabs_by_order) qabs_by_order[0] = T(0);
  for (int n = 1; n <= nmax; ++n) {
    const V n_over_x = V(n) * inverse_x;
    r = one / (CV(V(2 * n - 1) * inverse_x) - r);
    const CV d3 = r - CV(n_over_x), w = p * r;
    p = (V(1) / (d1_x[n] + n_over_x)) * w;
    s = s * abs2(r);

    const C r_n = analytic_at(xo, r, riccati_slope(n, CV(inverse_x), d3) - CV(n_over_x * inverse_x));
    const C p_n = analytic_at(xo, p, p * (CV(d1_x[n]) - d3));
    const C w_n = analytic_at(xo, w, w * (CV(d1_x[n - 1]) - d3));
    const T s_n = analytic_at(xo, s, V(-2) * s * d3.re);

    const C n_over_xo(V(n) * inverse_xo);
    const C a_factor = inverse_mo * ha[n] + n_over_xo, b_factor = mo * hb[n] + n_over_xo;
    const C da = a_factor - r_n, db = b_factor - r_n;
    const T inverse_da = T(1) / abs2(da), inverse_db = T(1) / abs2(db);
    // a = N_a conj(da) / |da|^2 with N_a = A P - W: only Re(a) and |a|^2 = |N_a|^2/|da|^2 are needed.
    const C numerator_a = a_factor * p_n - w_n, numerator_b = b_factor * p_n - w_n;
    const V weight = V(2 * n + 1);
    qext += weight * ((numerator_a.re * da.re + numerator_a.im * da.im) * inverse_da +
                      (numerator_b.re * db.re + numerator_b.im * db.im) * inverse_db);
    qsca += weight * (abs2(numerator_a) * inverse_da + abs2(numerator_b) * inverse_db);
    const T absorbed = weight * (-a_factor.im * s_n * inverse_da - b_factor.im * s_n * inverse_db);
    qabs += absorbed;
    if (qabs_by_order) qabs_by_order[n] = scale * absorbed;
  }
  return {scale * qext, scale * qsca, scale * qabs, nmax};
}

// Absorption of a multilayer sphere in physical units.
template <class T>
struct Absorption {
  T qabs, cabs;  // efficiency, and cross-section Qabs pi r_L^2 in nm^2
  T qext, qsca;
  int terms;  // as in Efficiencies
};

// `layers` concentric layers of thicknesses t_l (nm; t_1 is the core radius, r_l = t_1 + ... +
// t_l) and absolute indices n_l + i k_l (k_l >= 0) in a host of real index `host_index`, at
// vacuum wavelength `wavelength_nm`. Seed the thicknesses as dual variables to get dCabs/dt_l.
// MaxLayers bounds the scratch; more layers give NaN with terms = 0.
template <class T, int MaxLayers, int MaxTerms>
KOKKOS_INLINE_FUNCTION Absorption<T> multilayer_absorption(int layers, const T* thickness_nm,
                                                           const Complex<double>* index, double host_index,
                                                           double wavelength_nm) {
  constexpr double pi = 3.14159265358979323846;
  if (layers < 1 || layers > MaxLayers) {
    const T nan = T(math::sqrt(-1.0));
    return {nan, nan, nan, nan, 0};
  }
  Complex<double> m[MaxLayers];
  T x[MaxLayers];
  T radius(0.0);
  const double wavenumber = 2 * pi * host_index / wavelength_nm;
  for (int l = 0; l < layers; ++l) {
    radius = radius + thickness_nm[l];
    x[l] = wavenumber * radius;
    m[l] = index[l] * (1 / host_index);
  }
  const Efficiencies<T> e = multilayer_efficiencies<T, MaxTerms>(layers, m, x);
  return {e.qabs, e.qabs * T(pi) * radius * radius, e.qext, e.qsca, e.terms};
}

}  // namespace dynaopt::nanosphere
