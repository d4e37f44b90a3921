#include "dynaopt/optim/optimizer_spec.hpp"

namespace dynaopt {
namespace {

const Range unit_open_right = Range::right_open(0, 1);  // beta in [0, 1)
const Range positive = Range::above(0);

DampingSchedule read_damping(const DeckSection& s, double fallback) {
  const Range ratio = Range::left_open(0, 2);  // zeta in (0, 2] (paper 000, Algorithm 1)
  if (!s.is_map("damping_ratio")) return DampingSchedule::constant(s.number("damping_ratio", fallback, ratio));
  const DeckSection d = s.section("damping_ratio");
  if (d.only_key() != "ramp") d.fail("expected a number or {ramp: {from: z0, to: z1, steps: T}}");
  const DeckSection r = d.section("ramp");
  const auto schedule =
      DampingSchedule::ramp(r.number("from", ratio), r.number("to", ratio), r.integer("steps", Range::at_least(1)));
  r.finish();
  d.finish();
  return schedule;
}

NonlinearMomentumSettings read_momentum(const DeckSection& s, MomentumForm form, bool classical) {
  NonlinearMomentumSettings m;
  m.form = form;
  m.step = s.number("step", positive);
  m.friction = s.number("friction", Range::closed(0, 1));  // c = gamma h; c > 1 reverses p
  if (!classical) {
    // eta < 1 makes |p|^(eta-1) singular at p = 0, where every run starts; up to 8, |p|^8 of a
    // double momentum stays finite and non-zero for 1e-38 < |p| < 1e38.
    m.damping_exponent = s.number("damping_exponent", 2.0, Range::closed(1, 8));
    m.kinetic_exponent = s.number("kinetic_exponent", 2.0, Range::left_open(1, 8));
  }
  if (form == MomentumForm::mirror) {
    const DeckSection mirror = s.section("mirror");
    const std::string kind = mirror.only_key();
    if (kind == "lp") {
      m.mirror.kind = MirrorSpec::Kind::lp;
      m.mirror.p = mirror.number("lp", Range::above(1));
    } else if (kind == "box") {
      const DeckSection box = mirror.section("box");
      m.mirror.kind = MirrorSpec::Kind::box;
      m.mirror.lower = box.number("lower");
      m.mirror.upper = box.number("upper");
      if (!(m.mirror.upper > m.mirror.lower)) box.fail("upper", "must be greater than lower");
      box.finish();
    } else {
      mirror.fail("expected {lp: p} or {box: {lower: a, upper: b}}, got '" + kind + "'");
    }
    mirror.finish();
  }
  return m;
}

const Named<DynaRestart::Mode> restart_modes[] = {{DynaRestart::Mode::zero, "zero"},
                                                  {DynaRestart::Mode::rescale, "rescale"}};

// restart: {on: increase, mode: zero | rescale, factor: f, over_steps: k}, or its short form
// restart_on_increase: true (zeroing, step to step).
DynaRestart read_restart(const DeckSection& s) {
  DynaRestart r;
  if (!s.has("restart")) {
    r.on_increase = s.boolean("restart_on_increase", false);
    return r;
  }
  if (s.has("restart_on_increase")) s.fail("restart_on_increase", "give restart or its short form, not both");
  const DeckSection d = s.section("restart");
  d.choice("on", {"increase"}, "increase");  // the one event Sec. 4.1 names: checked and echoed
  r.on_increase = true;
  r.mode = d.choice("mode", restart_modes, DynaRestart::Mode::zero);
  if (r.mode == DynaRestart::Mode::rescale) r.factor = d.number("factor", Range::closed(0, 1));
  else if (d.has("factor")) d.fail("factor", "applies to mode: rescale only");
  r.over_steps = d.integer("over_steps", 1, Range::at_least(1));
  d.finish();
  return r;
}

// omega_eps: e, or {value: e, adaptive: {ratio: r, floor: e_min}}.
void read_cutoff(const DeckSection& s, DynaSettings& d) {
  const Range cutoff = Range::at_least(0);
  if (!s.is_map("omega_eps")) {
    d.omega_eps = s.number("omega_eps", 1e-8, cutoff);
    return;
  }
  const DeckSection c = s.section("omega_eps");
  d.omega_eps = c.number("value", 1e-8, cutoff);
  const DeckSection a = c.section("adaptive");
  d.adaptive_cutoff.enabled = true;
  d.adaptive_cutoff.ratio = a.number("ratio", Range::open(0, 1));
  d.adaptive_cutoff.floor = a.number("floor", Range::closed(0, d.omega_eps));
  a.finish();
  c.finish();
}

// noise: {when_relative_decrease_below: d, over_steps: k, scale: sigma, seed: n}.
DynaNoise read_noise(const DeckSection& s) {
  DynaNoise n;
  if (!s.has("noise")) return n;
  const DeckSection d = s.section("noise");
  n.enabled = true;
  n.relative_decrease = d.number("when_relative_decrease_below", Range::any());
  n.over_steps = d.integer("over_steps", Range::at_least(1));
  n.scale = d.number("scale", positive);
  n.seed = std::uint64_t(d.integer("seed", 1, Range::at_least(0)));
  d.finish();
  return n;
}

DynaSettings read_dyna(const DeckSection& s) {
  DynaSettings d;
  d.gamma = s.number("gamma", 1.0, positive);
  d.beta = s.number("beta", 0.9, unit_open_right);
  d.damping = read_damping(s, 1.0);
  read_cutoff(s, d);
  d.restart = read_restart(s);
  d.noise = read_noise(s);
  return d;
}

DynaPrototypeSettings read_dyna_prototype(const DeckSection& s) {
  DynaPrototypeSettings d;
  d.lr = s.number("lr", positive);
  d.beta1 = s.number("beta1", 0.9, unit_open_right);
  d.damping_ratio = s.number("damping_ratio", 0.999, Range::left_open(0, 2));
  d.eps = s.number("eps", 1e-8, Range::at_least(0));
  return d;
}

AdamSettings read_adam(const DeckSection& s) {
  AdamSettings a;
  a.lr = s.number("lr", 1e-3, positive);
  a.beta1 = s.number("beta1", 0.9, unit_open_right);
  a.beta2 = s.number("beta2", 0.999, unit_open_right);
  a.eps = s.number("eps", 1e-8, Range::at_least(0));
  a.weight_decay = s.number("weight_decay", 0.0, Range::at_least(0));
  a.decoupled = s.boolean("decoupled", false);
  return a;
}

}  // namespace

const std::vector<OptimizerType>& optimizer_types() {
  using S = const DeckSection&;
  static const std::vector<OptimizerType> types = {
      {"dyna", "Dyna, paper 000 Alg. 1: gamma, beta, damping_ratio (or ramp), omega_eps (or adaptive), restart, noise",
       [](S s) -> OptimizerSettings { return read_dyna(s); }},
      {"dyna_prototype", "Dyna's Adam-based prototype, paper 000 Sec. 4.3: lr, beta1, damping_ratio, eps",
       [](S s) -> OptimizerSettings { return read_dyna_prototype(s); }},
      {"nonlinear_heavy_ball", "paper 001 Alg. 1: step, friction, damping_exponent, kinetic_exponent",
       [](S s) -> OptimizerSettings { return read_momentum(s, MomentumForm::heavy_ball, false); }},
      {"nonlinear_nesterov", "paper 001 Alg. 2: step, friction, damping_exponent, kinetic_exponent",
       [](S s) -> OptimizerSettings { return read_momentum(s, MomentumForm::nesterov, false); }},
      {"nonlinear_mirror", "paper 001 Alg. 3: as Alg. 1 plus mirror: {lp: p} or {box: {lower, upper}}",
       [](S s) -> OptimizerSettings { return read_momentum(s, MomentumForm::mirror, false); }},
      {"heavy_ball", "classical heavy ball (eta = s = 2): step (lr), friction (1 - momentum)",
       [](S s) -> OptimizerSettings { return read_momentum(s, MomentumForm::heavy_ball, true); }},
      {"nesterov", "classical Nesterov momentum (eta = s = 2): step (lr), friction (1 - momentum)",
       [](S s) -> OptimizerSettings { return read_momentum(s, MomentumForm::nesterov, true); }},
      {"sgd", "gradient descent: lr", [](S s) -> OptimizerSettings { return SgdSettings{s.number("lr", positive)}; }},
      {"adam", "Adam / AdamW: lr, beta1, beta2, eps, weight_decay, decoupled",
       [](S s) -> OptimizerSettings { return read_adam(s); }},
  };
  return types;
}

OptimizerSpec read_optimizer(const DeckSection& s) {
  OptimizerSpec spec;
  spec.type = s.choice("type", names_of(optimizer_types()));
  spec.settings = type_named(optimizer_types(), spec.type).read(s);
  spec.sharded = s.boolean("sharded", false);
  s.finish();
  return spec;
}

}  // namespace dynaopt
