#pragma once
// A nanosphere deck's physics on the device: the band's wavelengths and weights, every layer's
// refractive index at every wavelength (computed once on the host: the index does not depend
// on the design, and tables need no device code), and the two kernels that use them: the
// batched band average with gradients (the force pass) and one design's spectrum.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "dynaopt/core/format.hpp"
#include "dynaopt/problems/nanosphere/absorption_batch.hpp"
#include "dynaopt/problems/nanosphere/index_table.hpp"
#include "dynaopt/problems/nanosphere/nanosphere_spec.hpp"

namespace dynaopt::nanosphere {

// Multipole orders the kernels are built for: a 300 nm sphere in the visible needs about 35.
inline constexpr int max_orders = 128;

// Calls f(std::integral_constant<int, N>) with the smallest dual width N >= layers, so that a
// three-layer design carries three derivatives, not sixteen.
template <class F>
void with_layer_capacity(int layers, F&& f) {
  if (layers <= 3) f(std::integral_constant<int, 3>{});
  else if (layers <= 6) f(std::integral_constant<int, 6>{});
  else if (layers <= 10) f(std::integral_constant<int, 10>{});
  else f(std::integral_constant<int, NanosphereSpec::max_layers>{});
}

// A layer's table does not cover a wavelength of the band.
struct OutsideTable : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// One design at one wavelength: Cabs, Qabs and dCabs/dt per layer.
struct SpectrumPoint {
  double wavelength_nm, cabs, qabs;
  std::vector<double> dcabs_dt;
};

template <class Device>
class AbsorptionModel {
 public:
  using execution_space = typename Device::execution_space;
  using Matrix = Kokkos::View<double**, Kokkos::LayoutRight, Device>;

  // Reads any table the layers name; throws std::invalid_argument for a table that cannot be
  // read or does not cover the band, and for a sphere too large for max_orders.
  explicit AbsorptionModel(const NanosphereSpec& spec)
      : layers_(int(spec.layers.size())), spec_(spec) {
    const Quadrature q = spec.quadrature();
    const std::size_t w = q.wavelengths.size(), n = std::size_t(layers_);
    wavelengths_ = Kokkos::View<double*, Device>("nanosphere::wavelengths", w);
    weights_ = Kokkos::View<double*, Device>("nanosphere::weights", w);
    Kokkos::deep_copy(wavelengths_, Kokkos::View<const double*, Kokkos::HostSpace>(q.wavelengths.data(), w));
    Kokkos::deep_copy(weights_, Kokkos::View<const double*, Kokkos::HostSpace>(q.weights.data(), w));
    index_ = Kokkos::View<Complex<double>**, Kokkos::LayoutRight, Device>("nanosphere::index", w, n);
    auto index = Kokkos::create_mirror_view(index_);
    for (std::size_t l = 0; l < n; ++l) {
      const LayerSpec& layer = spec.layers[l];
      std::optional<IndexTable> table;
      if (layer.source == LayerSpec::Source::johnson_christy) table = IndexTable::silver_johnson_christy();
      if (layer.source == LayerSpec::Source::table) table = IndexTable::read_file(layer.table);
      for (std::size_t i = 0; i < w; ++i) {
        try {
          index(i, l) = table ? table->index(q.wavelengths[i]) : layer.model.index(q.wavelengths[i]);
        } catch (const std::out_of_range& e) {
          throw OutsideTable("problem.layers[" + std::to_string(l) + "]: " + e.what());
        }
      }
    }
    Kokkos::deep_copy(index_, index);
    index_host_ = index;
    wavelengths_host_ = q.wavelengths;
  }

  int layers() const { return layers_; }
  std::size_t wavelength_count() const { return wavelengths_host_.size(); }

  // The orders a sphere of outer radius `radius` needs at the worst wavelength (every layer
  // taken at that radius, which bounds each |m_l x_l|); throws when max_orders is too few,
  // with `key` (if any) leading the message.
  void require_orders(double radius, const std::string& key) const {
    constexpr double pi = 3.14159265358979323846;
    for (std::size_t i = 0; i < wavelengths_host_.size(); ++i) {
      std::vector<Complex<double>> m(static_cast<std::size_t>(layers_));
      for (std::size_t l = 0; l < m.size(); ++l) m[l] = index_host_(i, l) * (1 / spec_.host_index);
      const std::vector<double> x(m.size(), 2 * pi * spec_.host_index * radius / wavelengths_host_[i]);
      const int orders = term_count(layers_, m.data(), x.data());
      if (orders >= max_orders)
        throw std::invalid_argument((key.empty() ? "" : key + ": ") + "a " + exact(radius) + " nm sphere at " + exact(wavelengths_host_[i]) +
                                    " nm needs " + std::to_string(orders) + " multipole orders; the kernels sum at most " +
                                    std::to_string(max_orders - 1));
    }
  }

  // The force pass: for the first `count` designs listed in `designs`, the band average of the
  // deck's measure at coordinates t = unit * u times `sense`, and its gradient with respect to u.
  void band_average(const Kokkos::View<const int*, Device>& designs, int count,
                    const Kokkos::View<const double**, Kokkos::LayoutRight, Device>& coordinates, double unit,
                    double sense, nanosphere::AbsorptionMeasure measure, const Kokkos::View<double*, Device>& objective,
                    const Matrix& gradient) const {
    if (count == 0) return;
    with_layer_capacity(layers_, [&](auto capacity) {
      using Pass = BandAbsorption<decltype(capacity)::value, max_orders, Device>;
      Kokkos::parallel_for("dynaopt::nanosphere::band_average", Kokkos::TeamPolicy<execution_space>(count, Kokkos::AUTO),
                           Pass{layers_, spec_.host_index, measure, unit, sense,
                                wavelengths_, weights_, index_, designs, coordinates, objective, gradient});
    });
  }

  // J and dJ/dt (per nm) of designs given in nm on the host, through the force pass's kernel in
  // batches: for samples and references, whose designs are no parameter space.
  struct Values {
    std::vector<double> objective;
    std::vector<std::vector<double>> gradient;
  };
  Values evaluate(const std::vector<std::vector<double>>& designs, AbsorptionMeasure measure) const {
    const std::size_t layers = std::size_t(layers_), batch = 4096, total = designs.size();
    Values out{std::vector<double>(total), std::vector<std::vector<double>>(total, std::vector<double>(layers))};
    for (std::size_t first = 0; first < total; first += batch) {
      const std::size_t n = std::min(batch, total - first);
      Kokkos::View<int*, Device> list("nanosphere::list", n);
      Matrix t("nanosphere::designs", n, layers), g("nanosphere::gradient", n, layers);
      Kokkos::View<double*, Device> j("nanosphere::objective", n);
      const auto th = Kokkos::create_mirror_view(t);
      const auto lh = Kokkos::create_mirror_view(list);
      for (std::size_t d = 0; d < n; ++d) {
        lh(d) = int(d);
        for (std::size_t l = 0; l < layers; ++l) th(d, l) = designs[first + d][l];
      }
      Kokkos::deep_copy(t, th);
      Kokkos::deep_copy(list, lh);
      band_average(list, int(n), t, 1.0, 1.0, measure, j, g);
      const auto jh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), j);
      const auto gh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), g);
      for (std::size_t d = 0; d < n; ++d) {
        out.objective[first + d] = jh(d);
        for (std::size_t l = 0; l < layers; ++l) out.gradient[first + d][l] = gh(d, l);
      }
    }
    return out;
  }

  // One design's spectrum, thicknesses in nm, one wavelength per thread.
  std::vector<SpectrumPoint> spectrum(const std::vector<double>& thickness) const {
    const std::size_t w = wavelength_count(), n = std::size_t(layers_);
    Matrix table("nanosphere::spectrum", w, 2 + n);
    Kokkos::View<double*, Device> design("nanosphere::design", n);
    Kokkos::deep_copy(design, Kokkos::View<const double*, Kokkos::HostSpace>(thickness.data(), n));
    with_layer_capacity(layers_, [&](auto capacity) {
      constexpr int N = decltype(capacity)::value;
      Kokkos::parallel_for("dynaopt::nanosphere::spectrum", Kokkos::RangePolicy<execution_space>(0, w),
                           SpectrumKernel<N>{layers_, spec_.host_index, wavelengths_, index_, design, table});
    });
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), table);
    std::vector<SpectrumPoint> points(w);
    for (std::size_t i = 0; i < w; ++i) {
      points[i] = {wavelengths_host_[i], host(i, 0), host(i, 1), {}};
      for (std::size_t l = 0; l < n; ++l) points[i].dcabs_dt.push_back(host(i, 2 + l));
    }
    return points;
  }

  // Public only because the launch stub nvcc generates names the functor outside the class.
  template <int N>
  struct SpectrumKernel {
    int layers;
    double host_index;
    Kokkos::View<const double*, Device> wavelengths;
    Kokkos::View<const Complex<double>**, Kokkos::LayoutRight, Device> index;
    Kokkos::View<const double*, Device> thickness;
    Matrix table;  // wavelength x (Cabs, Qabs, dCabs/dt_1 ... dCabs/dt_L)

    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t i) const {
      Dual<double, N> t[N];
      for (int l = 0; l < layers; ++l) t[l] = Dual<double, N>::variable(thickness(l), l);
      const auto a = multilayer_absorption<Dual<double, N>, N, max_orders>(layers, t, &index(i, 0), host_index,
                                                                           wavelengths(i));
      table(i, 0) = a.cabs.value;
      table(i, 1) = a.qabs.value;
      for (int l = 0; l < layers; ++l) table(i, 2 + l) = a.cabs.d[l];
    }
  };

 private:
  int layers_;
  NanosphereSpec spec_;
  Kokkos::View<double*, Device> wavelengths_, weights_;
  Kokkos::View<Complex<double>**, Kokkos::LayoutRight, Device> index_;
  typename Kokkos::View<Complex<double>**, Kokkos::LayoutRight, Device>::HostMirror index_host_;
  std::vector<double> wavelengths_host_;
};

}  // namespace dynaopt::nanosphere
