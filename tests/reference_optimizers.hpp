#pragma once
// Independent scalar implementations of every optimizer, written from the papers' equations
// (paper 000 Algorithm 1 and eq. 21, paper 001 eqs. 33-37 in learning-rate form, Kingma & Ba
// Algorithm 1), one element after the other in plain loops. The library's fused kernels are
// tested against these.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "dynaopt/core/splitmix64.hpp"
#include "dynaopt/core/state_archive.hpp"  // fnv1a
#include "dynaopt/optim/dyna.hpp"          // unit_noise: the generator the noise is defined by

namespace dynaopt::test {

template <class T>
struct ReferenceOptimizer {
  virtual ~ReferenceOptimizer() = default;
  // Where the gradient of the next step is taken.
  virtual std::vector<T> point(const std::vector<T>& x) const { return x; }
  virtual void step(std::vector<T>& x, const std::vector<T>& g, double objective) = 0;
};

template <class T>
T sgn_pow(T v, T e) {
  if (v == 0) return 0;
  return (v > 0 ? T(1) : T(-1)) * std::pow(std::fabs(v), e);
}

// Paper 000, Algorithm 1, one layer of n inputs; zeta from eq. 22 when ramped.
template <class T>
struct ReferenceDyna : ReferenceOptimizer<T> {
  double gamma, beta, zeta_from, zeta_to, omega_eps, fan_in;
  long ramp_steps;
  bool restart;
  std::vector<T> eta, v;
  double mu = 0, previous = 0;
  long t = 0;

  ReferenceDyna(std::size_t n, double gamma_, double beta_, double zeta_from_, double zeta_to_, long ramp_,
                double eps_, bool restart_, double fan_in_)
      : gamma(gamma_), beta(beta_), zeta_from(zeta_from_), zeta_to(zeta_to_), omega_eps(eps_),
        fan_in(fan_in_), ramp_steps(ramp_), restart(restart_), eta(n, 0), v(n, 0) {}

  void step(std::vector<T>& x, const std::vector<T>& g, double objective) override {
    t = t + 1;
    if (restart && t > 1 && objective > previous) {  // Sec. 4.1: zero the estimates and weight
      std::fill(eta.begin(), eta.end(), T(0));
      std::fill(v.begin(), v.end(), T(0));
      mu = 0;
    }
    previous = objective;
    double half_inverse_zeta = 1 / (2 * zeta_from);
    if (ramp_steps > 0) {
      const double s = std::min(1.0, double(t) / double(ramp_steps));
      half_inverse_zeta = 1 / (2 * zeta_from) - (1 / (2 * zeta_from) - 1 / (2 * zeta_to)) * s * s;
    }
    mu = beta * mu + (1 - beta);
    const T alpha = T(2 * gamma / fan_in);
    for (std::size_t i = 0; i < x.size(); ++i) {
      eta[i] = T(beta) * eta[i] + T(1 - beta) * std::fabs(g[i]);
      const T omega = std::sqrt(eta[i] / T(mu)) + T(omega_eps);
      v[i] = T(beta) * v[i] - T((1 - beta) * half_inverse_zeta) * g[i] / omega;
      const T v_hat = v[i] / T(mu);
      x[i] = x[i] + alpha * v_hat / omega;
    }
  }
};

// Paper 000 Algorithm 1 over several layers with the strategies of Sec. 4 applied by hand, one
// layer and one element after the other: the warm restart by zeroing or rescaling (eta, v and mu
// of the layer times f) when the mean objective of a window of steps rose; the cut-off of each
// layer set after every step to clamp(ratio max omega, floor, omega_eps); noise in the velocity
// worth sigma alpha / (2 zeta) in x per unit draw while the windowed objective decreased by less
// than a relative amount. The draws are the library's generator (it defines the noise).
template <class T>
struct ReferenceLayeredDyna {
  struct Layer {
    std::size_t size;
    double fan_in;
    std::string name;
  };
  double gamma, beta, zeta, omega_eps;
  long restart_window = 0;   // 0: no restart
  double restart_factor = 0;
  double ratio = 0, floor = 0;  // ratio 0: constant cut-off
  long noise_window = 0;        // 0: no noise
  double noise_below = 0, sigma = 0;
  std::uint64_t seed = 1;
  std::vector<Layer> layers;
  std::vector<T> eta, v;
  std::vector<double> mu, eps, restart_sum, restart_previous, noise_sum, noise_previous;
  std::vector<long> restart_count, restart_windows, noise_count, noise_windows, restarts;
  std::vector<bool> noisy;
  long t = 0;

  ReferenceLayeredDyna(std::vector<Layer> layers_, double gamma_, double beta_, double zeta_, double eps_)
      : gamma(gamma_), beta(beta_), zeta(zeta_), omega_eps(eps_), layers(std::move(layers_)) {
    std::size_t n = 0;
    for (const auto& l : layers) n += l.size;
    eta.assign(n, 0), v.assign(n, 0);
    const std::size_t L = layers.size();
    mu.assign(L, 0), eps.assign(L, omega_eps), restart_sum.assign(L, 0), restart_previous.assign(L, 0);
    noise_sum.assign(L, 0), noise_previous.assign(L, 0), restart_count.assign(L, 0), restart_windows.assign(L, 0);
    noise_count.assign(L, 0), noise_windows.assign(L, 0), restarts.assign(L, 0), noisy.assign(L, false);
  }

  void step(std::vector<T>& x, const std::vector<T>& g, double objective) {
    ++t;
    std::size_t first = 0;
    for (std::size_t k = 0; k < layers.size(); ++k) {
      const std::size_t n = layers[k].size;
      double decay = beta;
      if (restart_window > 0) {
        restart_sum[k] += objective;
        if (++restart_count[k] == restart_window) {
          const double mean = restart_sum[k] / double(restart_window);
          if (restart_windows[k] > 0 && mean > restart_previous[k]) {
            decay = beta * restart_factor;  // eta, v and mu times f, then the usual decay by beta
            ++restarts[k];
          }
          restart_previous[k] = mean, restart_sum[k] = 0, restart_count[k] = 0, ++restart_windows[k];
        }
      }
      mu[k] = decay * mu[k] + (1 - beta);
      const bool noise_now = noise_window > 0 && noisy[k];
      const std::uint64_t stream = splitmix64(splitmix64(seed ^ fnv1a(layers[k].name)) + std::uint64_t(t));
      const T alpha = T(2 * gamma / layers[k].fan_in);
      double max_omega = 0;
      for (std::size_t i = first; i < first + n; ++i) {
        eta[i] = T(decay) * eta[i] + T(1 - beta) * std::fabs(g[i]);
        const T omega = std::sqrt(eta[i] / T(mu[k])) + T(eps[k]);
        v[i] = T(decay) * v[i] - T((1 - beta) / (2 * zeta)) * g[i] / omega;
        if (noise_now) v[i] += T(sigma * mu[k] / (2 * zeta)) * omega * T(unit_noise(stream, i - first));
        x[i] = x[i] + alpha * (v[i] / T(mu[k])) / omega;
        max_omega = std::max(max_omega, double(omega));
      }
      if (ratio > 0) eps[k] = std::min(std::max(ratio * max_omega, floor), omega_eps);
      if (noise_window > 0) {
        noise_sum[k] += objective;
        if (++noise_count[k] == noise_window) {
          const double mean = noise_sum[k] / double(noise_window);
          if (noise_windows[k] > 0) noisy[k] = (noise_previous[k] - mean) < noise_below * std::fabs(noise_previous[k]);
          noise_previous[k] = mean, noise_sum[k] = 0, noise_count[k] = 0, ++noise_windows[k];
        }
      }
      first += n;
    }
  }
};

// Paper 000, Sec. 4.3, eq. 21 with beta1 m_{t-1}.
template <class T>
struct ReferenceDynaPrototype : ReferenceOptimizer<T> {
  double lr, beta1, zeta, eps;
  std::vector<T> v, m;
  long t = 0;
  ReferenceDynaPrototype(std::size_t n, double lr_, double beta1_, double zeta_, double eps_)
      : lr(lr_), beta1(beta1_), zeta(zeta_), eps(eps_), v(n, 0), m(n, 0) {}

  void step(std::vector<T>& x, const std::vector<T>& g, double) override {
    ++t;
    const double correction = 1 - std::pow(beta1, double(t));
    for (std::size_t i = 0; i < x.size(); ++i) {
      v[i] = T(beta1) * v[i] + T(1 - beta1) * std::fabs(g[i]);
      const T v_hat = std::sqrt(v[i] / T(correction)) + T(eps);
      m[i] = T(beta1) * m[i] + T((1 - beta1) / (2 * zeta)) * g[i] / v_hat;
      const T m_hat = m[i] / T(correction);
      x[i] = x[i] - T(lr) * m_hat / v_hat;
    }
  }
};

// Paper 001, Algorithms 1-3 in learning-rate form: p <- p - h grad - c sgn(p)|p|^(eta-1).
template <class T>
struct ReferenceNonlinearMomentum : ReferenceOptimizer<T> {
  enum Form { heavy_ball, nesterov, mirror_lp, mirror_box } form;
  double h, c, eta, s, lp = 2, lower = 0, upper = 1;
  std::vector<T> p;

  ReferenceNonlinearMomentum(std::size_t n, Form f, double h_, double c_, double eta_, double s_)
      : form(f), h(h_), c(c_), eta(eta_), s(s_), p(n, 0) {}

  T velocity(T q) const { return sgn_pow(q, T(1 / (s - 1))); }  // r - 1 = 1/(s-1)
  T damping(T q) const { return sgn_pow(q, T(eta - 1)); }

  std::vector<T> point(const std::vector<T>& x) const override {
    if (form != nesterov) return x;
    std::vector<T> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] + velocity(p[i] - T(c) * damping(p[i]));
    return y;
  }

  void step(std::vector<T>& x, const std::vector<T>& g, double) override {
    for (std::size_t i = 0; i < x.size(); ++i) {
      p[i] = p[i] - T(c) * damping(p[i]) - T(h) * g[i];
      const T u = velocity(p[i]);
      if (form == mirror_lp) {
        const T z = sgn_pow(x[i], T(lp - 1)) + u;
        x[i] = sgn_pow(z, T(1 / (lp - 1)));
      } else if (form == mirror_box) {
        const T z = std::log((x[i] - T(lower)) / (T(upper) - x[i])) + u;
        x[i] = T(lower) + T(upper - lower) / (T(1) + std::exp(-z));
      } else {
        x[i] = x[i] + u;
      }
    }
  }
};

// Classical heavy ball (Polyak 1964) and Nesterov momentum in the Sutskever et al. (2013) form,
// velocity v, momentum mu, learning rate lr.
template <class T>
struct ReferenceClassicalMomentum : ReferenceOptimizer<T> {
  bool look_ahead;
  T lr, mu;
  std::vector<T> v;
  ReferenceClassicalMomentum(std::size_t n, bool nesterov, double lr_, double mu_)
      : look_ahead(nesterov), lr(T(lr_)), mu(T(mu_)), v(n, 0) {}

  std::vector<T> point(const std::vector<T>& x) const override {
    if (!look_ahead) return x;
    std::vector<T> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] + mu * v[i];
    return y;
  }
  void step(std::vector<T>& x, const std::vector<T>& g, double) override {
    for (std::size_t i = 0; i < x.size(); ++i) {
      v[i] = mu * v[i] - lr * g[i];
      x[i] = x[i] + v[i];
    }
  }
};

// Kingma & Ba (2014), Algorithm 1; L2 adds wd x to the gradient, decoupled (AdamW) subtracts
// lr wd x from the parameters.
template <class T>
struct ReferenceAdam : ReferenceOptimizer<T> {
  double lr, b1, b2, eps, wd;
  bool decoupled;
  std::vector<T> m, v;
  long t = 0;
  ReferenceAdam(std::size_t n, double lr_, double b1_, double b2_, double eps_, double wd_, bool decoupled_)
      : lr(lr_), b1(b1_), b2(b2_), eps(eps_), wd(wd_), decoupled(decoupled_), m(n, 0), v(n, 0) {}

  void step(std::vector<T>& x, const std::vector<T>& g, double) override {
    ++t;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const T gi = decoupled ? g[i] : g[i] + T(wd) * x[i];
      m[i] = T(b1) * m[i] + T(1 - b1) * gi;
      v[i] = T(b2) * v[i] + T(1 - b2) * gi * gi;
      const T m_hat = m[i] / T(1 - std::pow(b1, double(t)));
      const T v_hat = v[i] / T(1 - std::pow(b2, double(t)));
      x[i] = x[i] - T(lr) * (m_hat / (std::sqrt(v_hat) + T(eps)) + (decoupled ? T(wd) * x[i] : T(0)));
    }
  }
};

template <class T>
struct ReferenceSgd : ReferenceOptimizer<T> {
  double lr;
  explicit ReferenceSgd(double lr_) : lr(lr_) {}
  void step(std::vector<T>& x, const std::vector<T>& g, double) override {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = x[i] - T(lr) * g[i];
  }
};

}  // namespace dynaopt::test
