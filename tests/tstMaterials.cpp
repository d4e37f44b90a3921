// Tabulated refractive indices: the Johnson-Christy silver table, interpolation, and every
// class of bad user table, each named with its file and line.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "dynaopt/problems/nanosphere/index_table.hpp"
#include "dynaopt/problems/nanosphere/materials.hpp"

namespace dynaopt::test {
namespace {

using nanosphere::IndexTable;

std::string write_table(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The message of the std::invalid_argument that reading `text` raises.
std::string read_error(const std::string& name, const std::string& text) {
  try {
    IndexTable::read_file(write_table(name, text));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(IndexTable, JohnsonChristySilver) {
  const IndexTable& ag = IndexTable::silver_johnson_christy();
  // Nodes of Table I (1.65 eV -> 756.0 nm is n 0.03, k 5.242; 2.50 eV -> 495.9 nm is 0.05, 3.093).
  EXPECT_EQ(ag.index(495.9).re, 0.05);
  EXPECT_EQ(ag.index(495.9).im, 3.093);
  EXPECT_EQ(ag.index(756.0).im, 5.242);
  // Linear in wavelength between the nodes 704.5 (0.04, 4.838) and 756.0 (0.03, 5.242) nm.
  const double w = (730 - 704.5) / (756.0 - 704.5);
  EXPECT_NEAR(ag.index(730).re, 0.04 + w * (0.03 - 0.04), 1e-15);
  EXPECT_NEAR(ag.index(730).im, 4.838 + w * (5.242 - 4.838), 1e-14);
  EXPECT_LE(ag.min_wavelength(), 400);
  EXPECT_GE(ag.max_wavelength(), 800);
  EXPECT_THROW(ag.index(150), std::out_of_range);
  EXPECT_THROW(ag.index(2000), std::out_of_range);
}

// The Lorentz-Drude silver of Rakic et al. (1998) against the values refractiveindex.info
// tabulates from the same model (main/Ag/Rakic-LD.yml, five digits), an independent evaluation.
TEST(Materials, RakicSilverMatchesPublishedTable) {
  struct Row {
    double wavelength_nm, n, k;
  };
  for (const Row& r : {Row{405.35, 0.15377, 1.8860}, Row{503.21, 0.13208, 2.7927}, Row{600.60, 0.13943, 3.5650},
                       Row{702.89, 0.15482, 4.3257}, Row{806.58, 0.17457, 5.0710}}) {
    const auto m = nanosphere::SilverRakic{}.index(r.wavelength_nm);
    EXPECT_NEAR(m.re, r.n, 6e-5) << r.wavelength_nm << " nm";
    EXPECT_NEAR(m.im, r.k, 6e-4) << r.wavelength_nm << " nm";
  }
  // The two silvers differ: this fit's k lies about 10% under Johnson and Christy's table.
  EXPECT_LT(nanosphere::SilverRakic{}.index(600).im, 0.95 * IndexTable::silver_johnson_christy().index(600).im);
}

TEST(IndexTable, ReadsCommasBlanksHeaderAndComments) {
  const IndexTable t = IndexTable::read_file(
      write_table("ok.csv", "# a glass\n\nwavelength_nm, n, k\n400, 1.5, 0.01\n500\t1.4   0.02\n600,1.3,0\n"));
  EXPECT_EQ(t.min_wavelength(), 400);
  EXPECT_EQ(t.max_wavelength(), 600);
  EXPECT_EQ(t.index(500).re, 1.4);
  EXPECT_NEAR(t.index(450).re, 1.45, 1e-15);
  EXPECT_NEAR(t.index(550).im, 0.01, 1e-15);
}

TEST(IndexTable, EveryErrorNamesFileAndLine) {
  const std::string dir = ::testing::TempDir();
  EXPECT_NE(read_error("a.csv", "400 1.5 0\n500 1.5 x1\n").find(dir + "a.csv:2: 'x1' is not a finite number"),
            std::string::npos);
  EXPECT_NE(read_error("b.csv", "400 1.5 0\n500 1.5 0.1abc\n").find("b.csv:2: '0.1abc' is not a finite number"),
            std::string::npos);
  EXPECT_NE(read_error("c.csv", "400 1.5 0\n500 nan 0\n").find("c.csv:2: 'nan' is not a finite number"),
            std::string::npos);
  EXPECT_NE(read_error("d.csv", "400 1.5 0\n500 1.5\n").find("d.csv:2: expected 3 fields"), std::string::npos);
  EXPECT_NE(read_error("e.csv", "# c\n400 1.5 0\n300 1.5 0\n").find("e.csv:3: wavelengths must increase strictly"),
            std::string::npos);
  EXPECT_NE(read_error("f.csv", "400 1.5 0\n500 -1 0\n").find("f.csv:2: n must be > 0"), std::string::npos);
  EXPECT_NE(read_error("g.csv", "400 1.5 0\n500 1.5 -0.1\n").find("g.csv:2: k must be >= 0"), std::string::npos);
  EXPECT_NE(read_error("h.csv", "-400 1.5 0\n500 1.5 0\n").find("h.csv:1: wavelength must be > 0"),
            std::string::npos);
  EXPECT_NE(read_error("i.csv", "400 1.5 0\n").find("needs at least 2 rows, got 1"), std::string::npos);
  EXPECT_NE(read_error("j.csv", "400 1.5 0\n\xff\xfe 1.5 0\n").find("j.csv:2: '\xff\xfe' is not a finite number"),
            std::string::npos);
  EXPECT_NE(read_error("k.csv", "400 1.5 0\n500 1e999 0\n").find("k.csv:2: '1e999' is not a finite number"),
            std::string::npos);
  try {
    IndexTable::read_file(dir + "absent.csv");
    ADD_FAILURE() << "no error for a missing file";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("absent.csv: cannot open"), std::string::npos);
  }
}

}  // namespace
}  // namespace dynaopt::test
