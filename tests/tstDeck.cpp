// Deck validation: every class of bad input gives an error that names the file, the line and
// the key; defaults appear in the echo.
#include <gtest/gtest.h>

#include <fstream>

#include "dynaopt/core/deck.hpp"
#include "dynaopt/core/run_spec.hpp"
#include "dynaopt/optim/optimizer_spec.hpp"
#include "dynaopt/problems/registry.hpp"

namespace dynaopt::test {
namespace {

const char* good_deck = R"(problem:
  type: rosenbrock
  dimension: 2
  x0: [-2.0, 3.0]
optimizer:
  type: dyna
  gamma: 0.01
run:
  steps: 10
)";

// Reads all sections as the driver does and returns the error message ("" if none).
std::string error_of(const std::string& text) {
  try {
    read_job(Deck(text, "deck.yaml"));
  } catch (const DeckError& e) {
    return e.what();
  }
  return "";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(Deck, GoodDeckReadsAndEchoesItsDefaults) {
  ASSERT_EQ(error_of(good_deck), "");
  const Deck deck(good_deck, "deck.yaml");
  const auto spec = read_optimizer(deck.root().section("optimizer"));
  const auto& dyna = std::get<DynaSettings>(spec.settings);
  EXPECT_EQ(dyna.gamma, 0.01);
  EXPECT_EQ(dyna.beta, 0.9);
  EXPECT_EQ(dyna.damping.inverse_twice_ratio(1), 0.5);
  read_output(deck.root().optional_section("output"));
  const std::string echo = deck.echo();
  for (const char* filled : {"beta: 0.9", "damping_ratio: 1", "omega_eps: 1e-08", "restart_on_increase: false",
                             "directory: output"})
    EXPECT_NE(echo.find(filled), std::string::npos) << filled << " missing from\n" << echo;
}

TEST(Deck, UnknownKeyIsNamedWithItsLineAndANearMiss) {
  const std::string e = error_of(replaced(good_deck, "  gamma: 0.01", "  gamma: 0.01\n  dampng_ratio: 0.5"));
  EXPECT_NE(e.find("deck.yaml:8: optimizer.dampng_ratio: unknown key"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'damping_ratio'"), std::string::npos) << e;
}

TEST(Deck, UnknownSectionIsAnError) {
  const std::string e = error_of(std::string(good_deck) + "outptu:\n  directory: x\n");
  EXPECT_NE(e.find("deck.yaml:10: outptu: unknown key"), std::string::npos) << e;
}

TEST(Deck, WrongTypeIsNamed) {
  std::string e = error_of(replaced(good_deck, "gamma: 0.01", "gamma: fast"));
  EXPECT_NE(e.find("deck.yaml:7: optimizer.gamma: expected a number, got 'fast'"), std::string::npos) << e;
  e = error_of(replaced(good_deck, "steps: 10", "steps: 2.5"));
  EXPECT_NE(e.find("deck.yaml:9: run.steps: expected an integer, got '2.5'"), std::string::npos) << e;
  e = error_of(replaced(good_deck, "x0: [-2.0, 3.0]", "x0: [-2.0, abc]"));
  EXPECT_NE(e.find("deck.yaml:4: problem.x0[1]: expected a number, got 'abc'"), std::string::npos) << e;
  e = error_of(replaced(good_deck, "gamma: 0.01", "gamma: 0.01\n  restart_on_increase: maybe"));
  EXPECT_NE(e.find("optimizer.restart_on_increase: expected true or false"), std::string::npos) << e;
}

// Dyna's Sec. 4 strategies: the keys read into their settings, and every key that does not apply
// (or contradicts another) is an error naming it.
TEST(Deck, DynaStrategiesReadAndRefuseWhatDoesNotApply) {
  const auto dyna_of = [](const std::string& text) {
    const Deck deck(text, "deck.yaml");
    return std::get<DynaSettings>(read_optimizer(deck.root().section("optimizer")).settings);
  };
  const DynaSettings d = dyna_of(replaced(good_deck, "gamma: 0.01",
                                          "gamma: 0.01\n  restart: {mode: rescale, factor: 0.5, over_steps: 96}\n"
                                          "  omega_eps: {value: 1e-6, adaptive: {ratio: 0.001, floor: 1e-12}}\n"
                                          "  noise: {when_relative_decrease_below: 0.001, over_steps: 96, scale: 0.1}"));
  EXPECT_TRUE(d.restart.on_increase);
  EXPECT_EQ(d.restart.mode, DynaRestart::Mode::rescale);
  EXPECT_EQ(d.restart.factor, 0.5);
  EXPECT_EQ(d.restart.over_steps, 96);
  EXPECT_EQ(d.omega_eps, 1e-6);
  EXPECT_TRUE(d.adaptive_cutoff.enabled);
  EXPECT_EQ(d.adaptive_cutoff.ratio, 0.001);
  EXPECT_EQ(d.adaptive_cutoff.floor, 1e-12);
  EXPECT_TRUE(d.noise.enabled);
  EXPECT_EQ(d.noise.relative_decrease, 0.001);
  EXPECT_EQ(d.noise.over_steps, 96);
  EXPECT_EQ(d.noise.scale, 0.1);
  EXPECT_EQ(d.noise.seed, 1u);
  const DynaSettings short_form = dyna_of(replaced(good_deck, "gamma: 0.01", "gamma: 0.01\n  restart_on_increase: true"));
  EXPECT_TRUE(short_form.restart.on_increase);
  EXPECT_EQ(short_form.restart.mode, DynaRestart::Mode::zero);
  EXPECT_EQ(short_form.restart.over_steps, 1);
  EXPECT_FALSE(short_form.noise.enabled || short_form.adaptive_cutoff.enabled);

  struct Case {
    const char* to;
    const char* expect;
  };
  const Case cases[] = {
      {"restart: {mode: zero, factor: 0.5}", "deck.yaml:8: optimizer.restart.factor: applies to mode: rescale only"},
      {"restart: {mode: rescale}", "optimizer.restart.factor: missing required key"},
      {"restart: {mode: rescale, factor: 1.5}", "optimizer.restart.factor: must be [0, 1], got 1.5"},
      {"restart: {mode: halve}", "optimizer.restart.mode: 'halve' is not one of: zero, rescale"},
      {"restart: {on: decrease}", "optimizer.restart.on: 'decrease' is not one of: increase"},
      {"restart: {over_steps: 0}", "optimizer.restart.over_steps: must be >= 1, got 0"},
      {"restart: {}\n  restart_on_increase: true", "optimizer.restart_on_increase: give restart or its short form, not both"},
      {"omega_eps: {adaptive: {ratio: 1.5, floor: 0}}", "optimizer.omega_eps.adaptive.ratio: must be (0, 1), got 1.5"},
      {"omega_eps: {value: 1e-8, adaptive: {ratio: 0.1, floor: 1e-6}}",
       "optimizer.omega_eps.adaptive.floor: must be [0, 1e-08], got 1e-06"},
      {"omega_eps: {value: 1e-8}", "optimizer.omega_eps.adaptive: missing required key"},
      {"omega_eps: {adaptive: {ratio: 0.1, floor: 0, every: 3}}", "optimizer.omega_eps.adaptive.every: unknown key"},
      {"noise: {over_steps: 10, scale: 0.1}", "optimizer.noise.when_relative_decrease_below: missing required key"},
      {"noise: {when_relative_decrease_below: 0.01, over_steps: 10, scale: 0}", "optimizer.noise.scale: must be > 0"},
      {"noise: {when_relative_decrease_below: 0.01, scale: 0.1}", "optimizer.noise.over_steps: missing required key"},
  };
  for (const auto& c : cases) {
    const std::string e = error_of(replaced(good_deck, "gamma: 0.01", std::string("gamma: 0.01\n  ") + c.to));
    EXPECT_NE(e.find(c.expect), std::string::npos) << c.to << "\n" << e;
  }
  // The strategies are Dyna's: another optimizer refuses them as unknown keys.
  const std::string e = error_of(replaced(replaced(good_deck, "type: dyna", "type: adam"), "gamma: 0.01",
                                          "lr: 0.01\n  noise: {when_relative_decrease_below: 0.01, over_steps: 1, scale: 1}"));
  EXPECT_NE(e.find("optimizer.noise: unknown key"), std::string::npos) << e;
}

TEST(Deck, MissingRequiredKeyIsNamed) {
  std::string e = error_of(replaced(good_deck, "  type: dyna\n", ""));
  EXPECT_NE(e.find("deck.yaml:6: optimizer.type: missing required key"), std::string::npos) << e;
  e = error_of("problem:\n  type: rosenbrock\n");
  EXPECT_NE(e.find("optimizer: missing required key"), std::string::npos) << e;
}

TEST(Deck, ValuesOutOfRangeAreNamedWithTheirRange) {
  struct Case {
    const char* from;
    const char* to;
    const char* expect;
  };
  const Case cases[] = {
      {"gamma: 0.01", "gamma: 0.01\n  damping_ratio: 2.5", "optimizer.damping_ratio: must be (0, 2], got 2.5"},
      {"gamma: 0.01", "gamma: 0.01\n  damping_ratio: 0", "optimizer.damping_ratio: must be (0, 2], got 0"},
      {"gamma: 0.01", "gamma: 0.01\n  beta: 1.0", "optimizer.beta: must be [0, 1), got 1"},
      {"gamma: 0.01", "gamma: -1", "optimizer.gamma: must be > 0, got -1"},
      {"steps: 10", "steps: 0", "run.steps: must be [1, 1000000000000000], got 0"},
      {"dimension: 2", "dimension: -3", "problem.dimension: must be [2, 1000000000000000], got -3"},
      {"gamma: 0.01", "gamma: .nan", "optimizer.gamma: expected a finite number"},
      {"gamma: 0.01", "gamma: 1e999", "optimizer.gamma: expected a finite number"},
  };
  for (const auto& c : cases) {
    const std::string e = error_of(replaced(good_deck, c.from, c.to));
    EXPECT_NE(e.find(c.expect), std::string::npos) << e;
  }
  const std::string momentum = R"(problem: {type: rosenbrock}
optimizer:
  type: nonlinear_heavy_ball
  step: 0.001
  friction: 0.1
  kinetic_exponent: 1.0
)";
  std::string e = error_of(momentum);
  EXPECT_NE(e.find("deck.yaml:6: optimizer.kinetic_exponent: must be (1, 8], got 1"), std::string::npos) << e;
  e = error_of(replaced(momentum, "kinetic_exponent: 1.0", "damping_exponent: 0.5"));
  EXPECT_NE(e.find("optimizer.damping_exponent: must be [1, 8], got 0.5"), std::string::npos) << e;
  // The classical members have eta = s = 2 and no exponent keys.
  e = error_of(replaced(momentum, "nonlinear_heavy_ball", "heavy_ball"));
  EXPECT_NE(e.find("optimizer.kinetic_exponent: unknown key"), std::string::npos) << e;
}

TEST(Deck, StructuredValuesAreChecked) {
  std::string e = error_of(replaced(good_deck, "gamma: 0.01", "damping_ratio: {ramp: {from: 0.5, to: 3, steps: 10}}"));
  EXPECT_NE(e.find("optimizer.damping_ratio.ramp.to: must be (0, 2], got 3"), std::string::npos) << e;
  e = error_of(replaced(good_deck, "gamma: 0.01", "damping_ratio: {linear: 1}"));
  EXPECT_NE(e.find("optimizer.damping_ratio: expected a number or {ramp:"), std::string::npos) << e;
  e = error_of(replaced(good_deck, "x0: [-2.0, 3.0]", "x0: [1, 2, 3]"));
  EXPECT_NE(e.find("problem.x0: has 3 values but dimension is 2"), std::string::npos) << e;
  const std::string mirror = R"(problem: {type: rosenbrock}
optimizer:
  type: nonlinear_mirror
  step: 0.001
  friction: 0.1
  mirror: {box: {lower: 2, upper: 1}}
)";
  e = error_of(mirror);
  EXPECT_NE(e.find("deck.yaml:6: optimizer.mirror.box.upper: must be greater than lower"), std::string::npos) << e;
  e = error_of(replaced(mirror, "{box: {lower: 2, upper: 1}}", "{lp: 1}"));
  EXPECT_NE(e.find("optimizer.mirror.lp: must be > 1, got 1"), std::string::npos) << e;
  e = error_of(replaced(good_deck, "type: dyna", "type: dynamo"));
  EXPECT_NE(e.find("optimizer.type: 'dynamo' is not one of: dyna, dyna_prototype"), std::string::npos) << e;
}

TEST(Deck, DuplicateKeysAreErrorsNotSilentlyDropped) {
  const std::string e = error_of(replaced(good_deck, "  gamma: 0.01", "  gamma: 0.01\n  gamma: 0.5"));
  EXPECT_NE(e.find("deck.yaml:8: duplicate key 'gamma'"), std::string::npos) << e;
  // The same key in different mappings is fine.
  EXPECT_EQ(error_of(replaced(good_deck, "  gamma: 0.01", "  gamma: 0.01\n  damping_ratio: {ramp: {from: 0.5, to: "
                                                           "1, steps: 3}}")),
            "");
}

TEST(Deck, SyntaxErrorsAndNonMappingsNameTheLine) {
  std::string e = error_of(replaced(good_deck, "x0: [-2.0, 3.0]", "x0: [-2.0, 3.0"));
  EXPECT_NE(e.find("deck.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax error"), std::string::npos) << e;
  e = error_of("- just\n- a list\n");
  EXPECT_NE(e.find("the deck must be a mapping"), std::string::npos) << e;
  e = error_of("");
  EXPECT_NE(e.find("empty"), std::string::npos) << e;
  e = error_of(std::string(good_deck) + "---\nproblem: {}\n");
  EXPECT_NE(e.find("more than one document"), std::string::npos) << e;
}

// A key the chosen problem or mode does not use is refused by name, with the reason.
TEST(Deck, KeysThatDoNotApplyAreRefusedByName) {
  const std::string rosenbrock = "problem: {type: rosenbrock}\noptimizer: {type: adam}\n";
  const std::string mnist = "problem: {type: mnist, data: none, batch_size: 10}\noptimizer: {type: adam}\n";
  const std::string nano =
      "problem:\n  type: nanosphere\n  layers: [silver_drude, silica_malitson]\n  thickness: [40, 20]\n"
      "  band: {from: 400, to: 800, samples: 21}\n";
  const std::string mlsl =
      "problem:\n  type: nanosphere\n  layers: [silver_drude, silica_malitson]\n"
      "  band: {from: 400, to: 800, samples: 21}\n  strategy: mlsl\n";
  struct Case {
    std::string deck, expect;
  };
  const std::vector<Case> cases = {
      {rosenbrock + "run: {mode: evaluate}", "deck.yaml:3: run.mode: does not apply to problem rosenbrock"},
      {"problem: {type: rosenbrock}\noptimizer: {type: adam, sharded: true}",
       "deck.yaml:2: optimizer.sharded: does not apply to problem rosenbrock, whose parameters are already split"},
      {mnist + "run: {steps: 5}", "deck.yaml:3: run.steps: does not apply to problem mnist, which counts problem.epochs"},
      {mnist + "run: {history_every: 3}", "deck.yaml:3: run.history_every: does not apply to problem mnist"},
      {mnist + "run: {log_every: 3}", "deck.yaml:3: run.log_every: does not apply to problem mnist"},
      {mnist + "run:\n  precision: float\n  gradient_tolerance: 0.5",
       "deck.yaml:5: run.gradient_tolerance: does not apply to problem mnist"},
      {mnist + "run: {mode: optimize}", "deck.yaml:3: run.mode: does not apply to problem mnist"},
      {nano + "optimizer: {type: adam}\nrun: {gradient_tolerance: 1}",
       "deck.yaml:7: run.gradient_tolerance: does not apply to problem nanosphere"},
      {nano + "optimizer: {type: adam, sharded: false}", "deck.yaml:6: optimizer.sharded: does not apply to problem nanosphere"},
      {nano + "optimizer: {type: adam}\nrun: {mode: evaluate}",
       "deck.yaml:6: optimizer: does not apply to run.mode evaluate, which takes no steps"},
      {nano + "  starts: 3\nrun: {mode: evaluate}", "deck.yaml:6: problem.starts: does not apply to run.mode evaluate"},
      {nano + "  bounds: {max_radius: 200}\nrun: {mode: evaluate}", "deck.yaml:6: problem.bounds: does not apply"},
      {nano + "  strategy: multistart\nrun: {mode: evaluate}", "deck.yaml:6: problem.strategy: does not apply"},
      {nano + "  mlsl: {samples_per_round: 8}\noptimizer: {type: adam}",
       "deck.yaml:6: problem.mlsl: does not apply to strategy multistart"},
      {nano + "  strategy: mlsl\noptimizer: {type: adam}",
       "deck.yaml:4: problem.thickness: does not apply to strategy mlsl"},
      {mlsl + "  starts: 4\noptimizer: {type: adam}", "deck.yaml:6: problem.starts: does not apply to strategy mlsl"},
      {mlsl + "  mlsl: {samples_per_round: 8, gamma: 0.1}\noptimizer: {type: adam}",
       "deck.yaml:6: problem.mlsl.gamma: unknown key"},
      {mlsl + "  mlsl: {stop: {reduced_fraction: 0.5}}\noptimizer: {type: adam}",
       "deck.yaml:6: problem.mlsl.stop.reduced_fraction: unknown key"},
      {mlsl + "  mlsl: {reduced_fraction: 1.5}\noptimizer: {type: adam}",
       "deck.yaml:6: problem.mlsl.reduced_fraction: must be"},
  };
  for (const char* key : {"steps: 3", "log_every: 3", "history_every: 3", "on_nonfinite: skip",
                          "max_consecutive_skips: 3", "checkpoint: {every: 2}"}) {
    const std::string name = std::string(key).substr(0, std::string(key).find(':'));
    EXPECT_NE(error_of(nano + "run:\n  mode: evaluate\n  " + key).find("deck.yaml:8: run." + name +
                                                                     ": does not apply to run.mode evaluate"),
              std::string::npos)
        << key;
  }
  for (const Case& c : cases) EXPECT_NE(error_of(c.deck).find(c.expect), std::string::npos) << error_of(c.deck);
  // The same keys where they do apply.
  EXPECT_EQ(error_of(rosenbrock + "run: {steps: 5, history_every: 3, log_every: 2, gradient_tolerance: 1}"), "");
  EXPECT_EQ(error_of("problem: {type: mnist, data: none, batch_size: 10}\noptimizer: {type: adam, sharded: true}"), "");
  EXPECT_EQ(error_of(nano + "run: {mode: evaluate}"), "");
  EXPECT_EQ(error_of(mlsl + "  mlsl: {samples_per_round: 8, stop: {rounds: 3}}\noptimizer: {type: adam}"), "");
}

// A band outside a layer's table, or a sphere too large for the kernels, is found by the
// deck's checks (so by --check), and blamed on the key that sets it.
TEST(Deck, ThePhysicsOfANanosphereDeckIsCheckedBeforeAStep) {
  const std::string table = testing::TempDir() + "/dynaopt_short_table.csv";
  std::ofstream(table) << "300 1.5 0\n700 1.5 0\n";
  const std::string deck = "problem:\n  type: nanosphere\n  layers: [silver_drude, {table: " + table +
                           "}]\n  band: {from: 400, to: 800, samples: 21}\noptimizer: {type: adam}\n";
  EXPECT_NE(error_of(deck).find("deck.yaml:4: problem.band: problem.layers[1]: " + table + " covers 300-700 nm, not 720"),
            std::string::npos)
      << error_of(deck);
  const std::string big = replaced(replaced(deck, "{table: " + table + "}", "silica_malitson"), "optimizer:",
                                   "  bounds: {max_radius: 3000}\noptimizer:");
  EXPECT_NE(error_of(big).find("deck.yaml:5: problem.bounds.max_radius: a 3000 nm sphere at"), std::string::npos)
      << error_of(big);
}

}  // namespace
}  // namespace dynaopt::test
