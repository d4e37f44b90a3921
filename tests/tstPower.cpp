// core/power.hpp against the long-double library (logl, expl, powl: 64-bit significands, so the
// reference is exact to well below a unit of double's last place) over every binade a
// parameter or momentum can take, subnormals and the overflow ends included, in double and
// float; the special values; and the same functions inside a Kokkos kernel.
//
// Measured on x86-64 (g++ 12, -march=native: fused multiply-adds; the bounds below hold without
// them too), largest error in units of the last place:
//   vector_log      double 1.05, float 0.86      (5000 points per binade)
//   vector_exp      double 0.96, float 0.96      (2 million points over the finite range)
//   |v|^e, e <= 2.5 double 2.39, float 2.04      (e in 0.5, 0.9, 1, 10/9, 1.9, 2.5)
//   |v|^e, e = 7    double 6.57, float 5.78      (the rounding of e log|v| grows with e)
// and without fused multiply-adds (-march=x86-64): 1.11 / 0.84, 1.21 / 1.21, 2.37 / 2.28, 6.88 / 5.57.
#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>
#include <cfenv>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "dynaopt/core/power.hpp"
#include "test_backends.hpp"

namespace {

using namespace dynaopt::math;

// |got - reference| in units of T's last place at the reference (the subnormal spacing below the
// normal range).
template <class T>
double ulps(T got, long double reference) {
  if (reference == 0) return got == 0 ? 0 : HUGE_VAL;
  int exponent = 0;
  std::frexp(static_cast<T>(reference), &exponent);
  long double unit = std::ldexp(1.0L, exponent - std::numeric_limits<T>::digits);
  unit = std::max<long double>(unit, std::numeric_limits<T>::denorm_min());
  return double(std::fabs(static_cast<long double>(got) - reference) / unit);
}

// Every binade from the smallest subnormal to the largest finite number, `per` random points each.
template <class T, class F>
void each_binade(int per, F&& f) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mantissa(1, 2);
  const int lowest = std::numeric_limits<T>::min_exponent - std::numeric_limits<T>::digits;
  for (int b = lowest; b < std::numeric_limits<T>::max_exponent; ++b)
    for (int i = 0; i < per; ++i) {
      const T x = std::ldexp(static_cast<T>(mantissa(rng)), b);
      if (x > 0 && x <= std::numeric_limits<T>::max()) f(x);
    }
}

template <class T>
class PowerTest : public ::testing::Test {};
using Scalars = ::testing::Types<double, float>;
TYPED_TEST_SUITE(PowerTest, Scalars);

TYPED_TEST(PowerTest, LogIsWithinOneAndAQuarterUlpOverEveryBinade) {
  using T = TypeParam;
  double worst = 0;
  each_binade<T>(5000, [&](T x) { worst = std::max(worst, ulps(vector_log(x), std::log(static_cast<long double>(x)))); });
  EXPECT_LE(worst, 1.25);
  EXPECT_EQ(vector_log(T(1)), T(0));
  EXPECT_EQ(vector_log(T(2)), T(std::log(2.0L)));
  EXPECT_EQ(vector_log(T(0)), -std::numeric_limits<T>::infinity());
  EXPECT_EQ(vector_log(std::numeric_limits<T>::infinity()), std::numeric_limits<T>::infinity());
  EXPECT_TRUE(std::isnan(vector_log(T(-1))));
  EXPECT_TRUE(std::isnan(vector_log(std::numeric_limits<T>::quiet_NaN())));
}

TYPED_TEST(PowerTest, ExpIsWithinOneAndAQuarterUlpOverItsRangeAndExactAtItsEnds) {
  using T = TypeParam;
  std::mt19937_64 rng(11);
  // From the subnormal results below the normal range to the largest finite one.
  const double low = std::log(double(std::numeric_limits<T>::denorm_min())),
               high = std::log(double(std::numeric_limits<T>::max()));
  std::uniform_real_distribution<double> y(low, high);
  double worst = 0;
  for (int i = 0; i < 2000000; ++i) {
    const T v = static_cast<T>(y(rng));
    worst = std::max(worst, ulps(vector_exp(v), std::exp(static_cast<long double>(v))));
  }
  EXPECT_LE(worst, 1.25);
  EXPECT_EQ(vector_exp(T(0)), T(1));
  EXPECT_EQ(vector_exp(T(high) * T(1.01)), std::numeric_limits<T>::infinity());
  EXPECT_EQ(vector_exp(std::numeric_limits<T>::infinity()), std::numeric_limits<T>::infinity());
  EXPECT_EQ(vector_exp(T(low) * T(1.01)), T(0));
  EXPECT_EQ(vector_exp(-std::numeric_limits<T>::infinity()), T(0));
  EXPECT_TRUE(std::isnan(vector_exp(std::numeric_limits<T>::quiet_NaN())));
}

TYPED_TEST(PowerTest, PowersMatchTheLibraryToAFewUlpFromSubnormalToHuge) {
  using T = TypeParam;
  for (const double e : {0.5, 0.9, 1.0, 10.0 / 9.0, 1.9, 2.5, 7.0}) {
    double worst = 0;
    each_binade<T>(300, [&](T x) {
      const long double reference = std::pow(static_cast<long double>(x), static_cast<long double>(T(e)));
      if (reference <= std::numeric_limits<T>::max()) worst = std::max(worst, ulps(Magnitude<T>(x).power(T(e)), reference));
      // The sign follows v; the magnitude is the same.
      EXPECT_EQ(signed_power(-x, T(e)), -signed_power(x, T(e)));
    });
    EXPECT_LE(worst, e <= 2.5 ? 3.5 : 8.0) << "exponent " << e;
  }
  // 0^e = 0, also for e = 0 (dry friction's sgn(0) = 0); v^0 = 1; inf^e = inf.
  EXPECT_EQ(signed_power(T(0), T(0)), T(0));
  EXPECT_EQ(signed_power(T(0), T(1.9)), T(0));
  EXPECT_EQ(signed_power(T(-3), T(0)), T(-1));
  EXPECT_EQ(Magnitude<T>(std::numeric_limits<T>::infinity()).power(T(1.9)), std::numeric_limits<T>::infinity());
  EXPECT_TRUE(std::isnan(Magnitude<T>(std::numeric_limits<T>::quiet_NaN()).power(T(1.9))));
  // A power beyond T's range overflows to inf and one below it to 0, as pow's do.
  EXPECT_EQ(Magnitude<T>(std::numeric_limits<T>::max() / 4).power(T(2.5)), std::numeric_limits<T>::infinity());
  EXPECT_EQ(Magnitude<T>(std::numeric_limits<T>::denorm_min() * 4).power(T(2.5)), T(0));
}

// No intermediate of a log, an exp or a power of a normal argument is a subnormal number where
// the result is not: an x86 core takes a microcode assist of about a hundred cycles for every
// operation that makes one (Estrin's u^4 and u^8 of a small reduced argument did: a float step
// of 1e-10 ran the box mirror map 2.5 times slower). The underflow flag is the witness.
TYPED_TEST(PowerTest, SmallReducedArgumentsMakeNoSubnormalIntermediate) {
  using T = TypeParam;
  // 2^-1 .. 2^-(max_exponent / 2): e^v and e^-v, log(1 + v) and (1 + v)^1.9 (v at least an ulp
  // of 1 there); squares of these are still normal, so nothing here underflows in exact terms.
  for (int k = 1; k <= std::numeric_limits<T>::max_exponent / 2; k += 3) {
    const T v = std::ldexp(T(1), -k), near_one = T(1) + std::max(v, std::numeric_limits<T>::epsilon());
    volatile T in = v, in_near_one = near_one;
    std::feclearexcept(FE_ALL_EXCEPT);
    const T exp_plus = vector_exp(T(in)), exp_minus = vector_exp(-T(in));
    const T log_near_one = vector_log(T(in_near_one));
    const T power = Magnitude<T>(T(in_near_one)).power(T(1.9));
    EXPECT_FALSE(std::fetestexcept(FE_UNDERFLOW)) << "v = 2^-" << k;
    EXPECT_LE(ulps(exp_plus, std::exp(static_cast<long double>(v))), 1.25) << k;
    EXPECT_LE(ulps(exp_minus, std::exp(-static_cast<long double>(v))), 1.25) << k;
    EXPECT_LE(ulps(log_near_one, std::log(static_cast<long double>(near_one))), 1.25) << k;
    EXPECT_LE(ulps(power, std::pow(static_cast<long double>(near_one), static_cast<long double>(T(1.9)))), 3.5) << k;
  }
}

// The same functions inside a kernel of every enabled backend give what they give on the host.
template <class Backend>
class PowerKernelTest : public ::testing::Test {};
TYPED_TEST_SUITE(PowerKernelTest, dynaopt::test::DoubleBackends, dynaopt::test::BackendName);

TYPED_TEST(PowerKernelTest, KernelsComputeTheHostsValues) {
  using Device = typename TypeParam::device;
  const std::size_t n = 4096;
  Kokkos::View<double*, Device> v("v", n), out("out", n);
  auto host_v = Kokkos::create_mirror_view(v);
  for (std::size_t i = 0; i < n; ++i) host_v(i) = std::ldexp(1.0 + double(i % 97) / 97, int(i % 2000) - 1050);
  Kokkos::deep_copy(v, host_v);
  Kokkos::parallel_for(Kokkos::RangePolicy<typename Device::execution_space>(0, n), KOKKOS_LAMBDA(std::size_t i) {
    const Magnitude<double> m(v(i));
    out(i) = m.power(1.9) + vector_exp(-vector_log(v(i)) * 1e-3);
  });
  const auto host_out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out);
  for (std::size_t i = 0; i < n; ++i) {
    const Magnitude<double> m(host_v(i));
    const double expected = m.power(1.9) + vector_exp(-vector_log(host_v(i)) * 1e-3);
    ASSERT_EQ(host_out(i), expected) << i;
  }
}

}  // namespace
