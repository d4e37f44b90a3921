"""Plots a spectrum.csv (evaluate mode's design, or optimize mode's best design): Cabs (nm^2) and
Qabs against the wavelength, with the design's thicknesses in the title when the result.yaml
beside the file names them.
    plot_spectrum.py spectrum.csv out.png [title]
Needs Debian's python3-matplotlib (run it under /usr/bin/python3)."""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def design_of(result):
    """The thicknesses result.yaml reports: the evaluated design, or the best one."""
    if not os.path.exists(result):
        return None
    for line in open(result):
        if line.startswith(("thickness:", "  thickness:")):
            return line.split(": ", 1)[1].strip()
    return None


def main(spectrum, png, title=None):
    rows = list(csv.DictReader(open(spectrum)))
    wavelength = [float(r["wavelength_nm"]) for r in rows]
    fig, cabs = plt.subplots(figsize=(6.5, 4))
    cabs.plot(wavelength, [float(r["cabs_nm2"]) for r in rows], color="C0")
    cabs.set(xlabel="wavelength (nm)", ylabel="$C_{abs}$ (nm$^2$)")
    qabs = cabs.twinx()
    qabs.plot(wavelength, [float(r["qabs"]) for r in rows], color="C1", linestyle="--")
    qabs.set(ylabel="$Q_{abs}$ (dashed)")
    design = design_of(os.path.join(os.path.dirname(os.path.abspath(spectrum)), "result.yaml"))
    cabs.set_title(title or (f"design {design} nm" if design else os.path.basename(spectrum)), fontsize=9)
    fig.tight_layout()
    fig.savefig(png, dpi=120)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
