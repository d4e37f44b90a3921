#!/usr/bin/env python3
"""Deck fuzzing: mutants of the shipped decks that are invalid by construction (a required key
deleted, a number made a word, a list or a map, a size made negative, numbers too large for
any type, keys duplicated, the text cut inside a key or a bracket, bytes that are not UTF-8, a
section made a scalar, misspelled keys, values outside their ranges) must each make dynaopt
exit with status 1 or 2 (never a signal), within a time bound, with a message that names the
problem, and leave no file behind. A tenth of them run on 2 ranks, which must agree.
    fuzz_decks.py DYNAOPT_EXE INPUTS_DIR MPIEXEC [COUNT (240)] [SEED (1)]"""
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

TIME_BOUND = 60  # seconds for one mutant, 2-rank runs included

# Keys whose deletion leaves a deck invalid (in optimize mode).
REQUIRED = {("problem",), ("problem", "type"), ("optimizer",), ("optimizer", "type"), ("problem", "layers")}
# Keys that count something: negative values are never sizes.
SIZES = {"dimension", "steps", "epochs", "batch_size", "batches_per_epoch", "validation", "starts", "samples",
         "log_every", "history_every", "every", "keep", "train_limit"}
# Values outside the documented ranges, per key.
OUT_OF_RANGE = {"beta": "1.5", "gamma": "0", "damping_ratio": "2.5", "kinetic_exponent": "1", "damping_exponent": "0.5",
                "friction": "1.5", "step": "-0.1", "lr": "0", "samples": "4", "min_thickness": "-1",
                "max_radius": "0", "host_index": "0", "l2": "-1", "thickness_unit": "0", "epochs": "0",
                "relative_change": "-1", "eps": "0", "from": "-400", "precision": "half", "gradient": "avg",
                "rule": "gauss", "mode": "fast", "objective": "cext", "type": "newton"}
KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*):(\s*)(.*)$")
NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def key_lines(lines):
    """(index, indent, key, value) of every 'key: value' line, with the path of its key."""
    out, stack = [], []
    for i, line in enumerate(lines):
        m = KEY_LINE.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group(2)))
        out.append((i, indent, tuple(k for _, k in stack), m.group(4)))
    return out


def value_of(v):
    return v.split("#")[0].strip()


def block_end(lines, i, indent):
    """One past the last line of the block that starts at line i."""
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
        j += 1
    return j


def mutants(text, rng):
    """Every (kind, mutant text) this deck admits; each is invalid by construction."""
    lines = text.split("\n")
    keys = key_lines(lines)
    out = []
    optimize = "mode: evaluate" not in text
    for i, indent, path, value in keys:
        v = value_of(value)
        key = path[-1]
        set_value = lambda new: "\n".join(lines[:i] + [lines[i].split(":")[0] + ": " + new] + lines[i + 1:])
        if path in REQUIRED and (optimize or path[0] != "optimizer"):
            out.append(("deleted key", "\n".join(lines[:i] + lines[block_end(lines, i, indent):])))
        if NUMBER.match(v):
            out.append(("word for a number", set_value("lots")))
            out.append(("list for a number", set_value("[1, 2]")))
            out.append(("map for a number", set_value("{a: 1}")))
            out.append(("huge number", set_value(rng.choice(["1e400", "-1e400", "123456789012345678901234567890"]))))
            if key in SIZES:
                out.append(("negative size", set_value("-" + str(rng.randint(1, 10**6)))))
        if key in OUT_OF_RANGE and v and not v.startswith("{"):
            out.append(("out of range", set_value(OUT_OF_RANGE[key])))
        if v and len(path) > 1:  # a duplicate of a key line, right after it
            out.append(("duplicated key", "\n".join(lines[:i + 1] + [lines[i]] + lines[i + 1:])))
        if len(path) == 1 and not v.startswith("#"):
            end = block_end(lines, i, indent)
            out.append(("section made a scalar", "\n".join(lines[:i] + [key + ": 5"] + lines[end:])))
        # Cut inside the key: the text ends with a key that never reaches its colon.
        cut = len("\n".join(lines[:i])) + (1 if i else 0) + indent + rng.randint(1, len(key) - 1 if len(key) > 1 else 1)
        out.append(("truncated", text[:cut]))
        # Bytes that are not UTF-8 inside the key.
        broken = lines[:]
        broken[i] = " " * indent + key[:1] + "\udcff\udcfe" + key[1:] + lines[i][indent + len(key):]
        out.append(("non-UTF-8 bytes", "\n".join(broken)))
        out.append(("misspelled key", "\n".join(lines[:i] + [" " * indent + key + "x" + lines[i][indent + len(key):]]
                                                + lines[i + 1:])))
    for m in re.finditer(r"[\[{]", text):  # cut inside a flow collection
        close = text.find("]" if m.group() == "[" else "}", m.end())
        if close > m.end():
            out.append(("truncated", text[:rng.randint(m.end(), close - 1) + 1]))
    return out


def run(cmd, cwd):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIME_BOUND)
        return p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", ""


def main():
    exe, inputs, mpiexec = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 240
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    env_ok = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "1",
              "OMP_PROC_BIND": "false", "OPENBLAS_NUM_THREADS": "1"}
    os.environ.update(env_ok)
    work = tempfile.mkdtemp()
    try:
        # MNIST decks read data/mnist: give them a small real-format set, so that their mutants
        # fail for the mutation and not for the data.
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_idx.py"),
                        os.path.join(work, "data", "mnist")], check=True)
        pool = []
        for name in sorted(os.listdir(inputs)):
            if name.endswith(".yaml"):
                text = open(os.path.join(inputs, name), encoding="utf-8").read()
                pool += [(name, kind, m) for kind, m in mutants(text, rng)]
        rng.shuffle(pool)
        # Every kind is represented, then the rest at random.
        chosen, kinds = [], {}
        for item in pool:
            if item[1] not in kinds:
                kinds[item[1]] = 0
                chosen.append(item)
        chosen += [item for item in pool if item not in chosen][:max(0, count - len(chosen))]

        def check(n, name, kind, text):
            cwd = os.path.join(work, "run%d" % n)
            os.makedirs(cwd)
            os.symlink(os.path.join(work, "data"), os.path.join(cwd, "data"))
            deck = os.path.join(work, "mutant%d.yaml" % n)
            with open(deck, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            cmd = [exe, deck] if n % 10 else [mpiexec, "--oversubscribe", "-n", "2", exe, deck]
            status, err = run(cmd, cwd)
            left = [os.path.join(d, f) for d, _, fs in os.walk(cwd) for f in fs]
            what = "%s (%s, mutant%d.yaml)" % (kind, name, n)
            if status not in (1, 2):
                return "%s: exit status %s\n%s" % (what, status, err[-400:])
            if not re.search(r"dynaopt: error: .{10,}", err):
                return "%s: no message naming the problem: %s" % (what, err[-400:])
            if left:
                return "%s: left files %s" % (what, left)
            return None

        # Most of a run's time is MPI start-up, so a few at once.
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool_of_runs:
            results = list(pool_of_runs.map(lambda item: check(item[0], *item[1]), enumerate(chosen)))
        failures = [r for r in results if r]
        ranks2 = (len(chosen) + 9) // 10
        for _, kind, _ in chosen:
            kinds[kind] += 1
        print("%d mutants (%d on 2 ranks) of %d shipped decks; by kind: %s" % (
            len(chosen), ranks2, len(os.listdir(inputs)), ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))
        for f in failures:
            print("FAIL:", f)
        print("%d passed, %d failed" % (len(chosen) - len(failures), len(failures)))
        return 1 if failures or len(chosen) < 200 else 0
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
