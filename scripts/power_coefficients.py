#!/usr/bin/env python3
"""Prints the polynomial coefficients of include/dynaopt/core/power.hpp (standard library only).

Each polynomial is the truncated Chebyshev series of its function on its interval: near-minimax
(within a small factor of the best polynomial of its degree), computed in 60-digit decimal
arithmetic, converted to the monomial basis exactly and rounded once to double or float. The
line above each list gives the truncation bound (the first coefficient left out) in the units
that matter there:
  E(r) = (e^r - 1 - r) / r^2 on |r| <= ln2/2   (e^r = 1 + r (1 + r E(r))), relative to e^r
  Q(z) = (atanh(sqrt z) / sqrt z - 1) / z on 0 <= z <= s_max^2, s_max = (sqrt2 - 1)/(sqrt2 + 1)
         (log m = 2s + 2 s z Q(z)), absolute in log m
Run: python3 scripts/power_coefficients.py [--check include/dynaopt/core/power.hpp]
(--check: exit 1 unless every coefficient printed is in the header, as the test suite runs it)
"""
import decimal
import math
import struct
import sys
from decimal import Decimal as D
from fractions import Fraction

decimal.getcontext().prec = 60
PI = D('3.14159265358979323846264338327950288419716939937510582097494459')


def cos(x):
    """cos x by its Taylor series, to the context's precision."""
    decimal.getcontext().prec += 2
    total, previous, term, i = D(1), None, D(1), 0
    while total != previous:
        previous = total
        i += 2
        term = -term * x * x / (i * (i - 1))
        total += term
    decimal.getcontext().prec -= 2
    return +total


def chebyshev(f, a, b, degree, nodes=64):
    """c_0..c_degree of f(x) ~ sum c_k T_k((2x - a - b)/(b - a)), and |c_(degree+1)|."""
    half, mid = (b - a) / 2, (a + b) / 2
    thetas = [PI * (j + D('0.5')) / nodes for j in range(nodes)]
    values = [f(mid + half * cos(t)) for t in thetas]
    c = [2 * sum(v * cos(k * t) for v, t in zip(values, thetas)) / nodes for k in range(degree + 2)]
    c[0] /= 2
    return c[:degree + 1], abs(c[degree + 1])


def to_monomial(c, a, b):
    """sum c_k T_k(u), u = (2x - a - b)/(b - a), as sum m_j x^j, in exact rationals."""
    n = len(c)
    T = [[Fraction(1)], [Fraction(0), Fraction(1)]]
    for k in range(2, n):
        t = [Fraction(0)] + [2 * v for v in T[k - 1]]
        for j, v in enumerate(T[k - 2]):
            t[j] -= v
        T.append(t)
    in_u = [Fraction(0)] * n
    for k in range(n):
        for j, v in enumerate(T[k]):
            in_u[j] += Fraction(c[k]) * v
    alpha = Fraction(2) / (Fraction(b) - Fraction(a))
    beta = -(Fraction(a) + Fraction(b)) / (Fraction(b) - Fraction(a))
    in_x = [Fraction(0)] * n
    for j in range(n):  # (alpha x + beta)^j
        for i in range(j + 1):
            in_x[i] += in_u[j] * math.comb(j, i) * alpha**i * beta**(j - i)
    return in_x


def literal(q, single):
    if single:
        return float.hex(struct.unpack('f', struct.pack('f', float(q)))[0]) + 'f'
    return float.hex(float(q))


def exp_tail(r):
    return D('0.5') if abs(r) < D('1e-20') else (r.exp() - 1 - r) / (r * r)


def atanh_tail(z):
    if z < D('1e-30'):
        return D(1) / 3
    s = z.sqrt()
    return (((1 + s) / (1 - s)).ln() / 2 / s - 1) / z


def main(check):
    lists = []
    sqrt2, ln2 = D(2).sqrt(), D(2).ln()
    s_max = (sqrt2 - 1) / (sqrt2 + 1)
    # Both intervals are widened by 1e-4: the reduced arguments carry roundings.
    r_max, z_max = ln2 / 2 * D('1.0001'), s_max * s_max * D('1.0001')
    for name, single, exp_degree, log_terms in (('double', False, 9, 7), ('float', True, 5, 3)):
        c, tail = chebyshev(exp_tail, -r_max, r_max, exp_degree)
        print(f'// {name} E(r), degree {exp_degree}: truncation {float(tail * r_max * r_max):.2e}')
        lists.append([literal(v, single) for v in to_monomial(c, -r_max, r_max)])
        print(', '.join(lists[-1]))
        c, tail = chebyshev(atanh_tail, D(0), z_max, log_terms - 1)
        print(f'// {name} Q(z), {log_terms} terms: truncation {float(tail * 2 * s_max * z_max):.2e}')
        lists.append([literal(v, single) for v in to_monomial(c, D(0), z_max)])
        print(', '.join(lists[-1]))
    if check:
        # The header writes trailing zeros of a float's hex mantissa away, and 1.0 p-1 as 0x1p-1.
        text = open(check).read()
        def spelled(v):
            head, _, exponent = v.rstrip('f').partition('p')
            head = head.rstrip('0').rstrip('.')
            return head + 'p' + exponent + ('f' if v.endswith('f') else '')
        missing = [v for values in lists for v in values if v not in text and spelled(v) not in text]
        if missing:
            sys.exit(f'{check}: coefficients not found (the header and this script disagree): {missing}')
        print(f'{check}: all {sum(map(len, lists))} coefficients found')


main(sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == '--check' else None)
