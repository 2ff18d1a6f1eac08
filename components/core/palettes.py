"""Colour-blind-safe colours for presenter mode, and the colour science that checks them.

Categories use the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), ordered per
theme so every colour stands out from the page background. Heatmaps use cividis (sequential,
designed to read the same with deuteranopia; Nuñez et al. 2018) and a purple-white-orange
diverging scale (ColorBrewer PuOr) for cosines in [-1, 1].

`simulate_cvd` applies Machado, Oliveira & Fernandes (2009) full-severity matrices in linear
RGB; `delta_e_2000` is CIEDE2000 (Sharma, Wu & Dalal 2005). The tests use them to check that
every pair of category colours stays distinguishable for protanopes, deuteranopes and tritanopes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Theme = Literal["light", "dark"]
Deficiency = Literal["protanopia", "deuteranopia", "tritanopia"]

# Okabe-Ito (RGB values as published in "Color Universal Design", 2008).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
# Light pages leave out yellow (too pale on white); dark pages leave out black.
CATEGORY_ORDER: dict[Theme, tuple[str, ...]] = {
    "light": (
        "blue",
        "orange",
        "bluish green",
        "vermillion",
        "reddish purple",
        "sky blue",
        "black",
    ),
    "dark": (
        "orange",
        "sky blue",
        "bluish green",
        "yellow",
        "vermillion",
        "reddish purple",
        "blue",
    ),
}
BACKGROUND: dict[Theme, str] = {"light": "#FFFFFF", "dark": "#0E1117"}  # Streamlit's themes
TEXT_COLOUR: dict[Theme, str] = {"light": "#31333F", "dark": "#FAFAFA"}
SEQUENTIAL_SCALE = "cividis"  # plotly's name
# ColorBrewer PuOr (11 classes), purple = -1 (pointing away), orange = +1 (same meaning).
DIVERGING_SCALE = (
    "#2D004B",
    "#542788",
    "#8073AC",
    "#B2ABD2",
    "#D8DAEB",
    "#F7F7F7",
    "#FEE0B6",
    "#FDB863",
    "#E08214",
    "#B35806",
    "#7F3B08",
)

# Machado et al. (2009), severity 1.0, for linear RGB (the paper's supplementary table).
MACHADO_2009: dict[Deficiency, np.ndarray] = {
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}


def category_colours(theme: Theme = "light") -> list[str]:
    """Okabe-Ito hex colours for categories, in the order a chart should use them."""
    return [OKABE_ITO[name] for name in CATEGORY_ORDER[theme]]


def diverging_colorscale() -> list[list[float | str]]:
    """The diverging scale as a plotly colorscale: [[0, colour], …, [1, colour]]."""
    steps = len(DIVERGING_SCALE) - 1
    return [[index / steps, colour] for index, colour in enumerate(DIVERGING_SCALE)]


# ---------------------------------------------------------------- colour science
def hex_to_rgb(colour: str) -> np.ndarray:
    """'#RRGGBB' (or plotly's 'rgb(r, g, b)') -> (3,) sRGB in [0, 1]."""
    if colour.startswith("rgb(") and colour.endswith(")"):
        return np.array([float(part) / 255 for part in colour[4:-1].split(",")])
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return np.array([int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=np.float64)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


def simulate_cvd(rgb: np.ndarray, deficiency: Deficiency) -> np.ndarray:
    """How sRGB colours (…, 3) in [0, 1] look with a full colour-vision deficiency (sRGB out)."""
    linear = srgb_to_linear(rgb)
    return linear_to_srgb(linear @ MACHADO_2009[deficiency].T)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (…, 3) in [0, 1] -> CIE L*a*b* (D65 white)."""
    linear = srgb_to_linear(rgb)
    to_xyz = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    epsilon, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > epsilon, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference between L*a*b* colours (…, 3), kL = kC = kH = 1."""
    lab1, lab2 = np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64)
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, h1p)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, h2p)

    delta_l = l2 - l1
    delta_c = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    delta_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)

    l_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    h_sum = h1p + h2p
    hp_mean = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(
            np.abs(h1p - h2p) <= 180,
            h_sum / 2,
            np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2),
        ),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(hp_mean - 30))
        + 0.24 * np.cos(np.radians(2 * hp_mean))
        + 0.32 * np.cos(np.radians(3 * hp_mean + 6))
        - 0.20 * np.cos(np.radians(4 * hp_mean - 63))
    )
    delta_theta = 30 * np.exp(-(((hp_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(np.radians(2 * delta_theta)) * r_c
    return np.sqrt(
        (delta_l / s_l) ** 2
        + (delta_c / s_c) ** 2
        + (delta_h / s_h) ** 2
        + r_t * (delta_c / s_c) * (delta_h / s_h)
    )


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG 2 relative luminance of sRGB colours (…, 3)."""
    return srgb_to_linear(rgb) @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(colour: str, background: str) -> float:
    """WCAG 2 contrast ratio (1 to 21) between two hex colours."""
    lighter, darker = sorted(
        (float(relative_luminance(hex_to_rgb(c))) for c in (colour, background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def smallest_difference(colours: list[str], deficiency: Deficiency | None = None) -> float:
    """The smallest CIEDE2000 difference between any two of `colours` (as seen with a CVD)."""
    rgb = np.stack([hex_to_rgb(colour) for colour in colours])  # (n, 3)
    if deficiency is not None:
        rgb = simulate_cvd(rgb, deficiency)
    lab = rgb_to_lab(rgb)
    first, second = np.triu_indices(len(colours), k=1)
    return float(delta_e_2000(lab[first], lab[second]).min())
