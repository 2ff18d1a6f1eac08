"""Presenter colours: checked against colour-vision-deficiency simulations, and the checks checked."""

from __future__ import annotations

import colorspacious
import numpy as np
import plotly.colors as plotly_colors
import pytest
from plotly.colors import qualitative

from components.charts import charts
from components.charts.presenter import ROOT_FONT_PX, present_figure, presenter_css
from components.charts.scatter import projection_scatter
from components.core.palettes import (
    BACKGROUND,
    DIVERGING_SCALE,
    OKABE_ITO,
    SEQUENTIAL_SCALE,
    category_colours,
    contrast_ratio,
    delta_e_2000,
    hex_to_rgb,
    rgb_to_lab,
    simulate_cvd,
    smallest_difference,
)

DEFICIENCIES = ("protanopia", "deuteranopia", "tritanopia")
COLORSPACIOUS_NAMES = {
    "protanopia": "protanomaly",
    "deuteranopia": "deuteranomaly",
    "tritanopia": "tritanomaly",
}
# Categories must differ by at least this CIEDE2000 for every viewer. ΔE00 ≈ 1 is a just
# noticeable difference between two large patches; small chart markers need far more. 10 is
# what Okabe-Ito keeps under full protanopia / deuteranopia / tritanopia (10.9 at worst).
MIN_CATEGORY_DE00 = 10.0
MIN_NORMAL_VISION_DE00 = 20.0

# Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
# supplementary test data and mathematical observations", Table 1 (L*a*b* pairs, ΔE00).
SHARMA_2005 = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0009), 7.1792),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0011), 7.2195),
    ((50.0, -0.0010, 2.4900), (50.0, 0.0009, -2.4900), 4.8045),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


# ---------------------------------------------------------------- the colour science itself
def test_ciede2000_matches_sharma_2005_test_data():
    first = np.array([row[0] for row in SHARMA_2005])
    second = np.array([row[1] for row in SHARMA_2005])
    expected = np.array([row[2] for row in SHARMA_2005])
    np.testing.assert_allclose(delta_e_2000(first, second), expected, atol=1e-4)
    np.testing.assert_allclose(delta_e_2000(second, first), expected, atol=1e-4)  # symmetric


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_cvd_simulation_equals_colorspacious_machado_2009(deficiency):
    rng = np.random.default_rng(0)
    rgb = np.vstack([rng.random((200, 3)), [hex_to_rgb(c) for c in OKABE_ITO.values()]])
    theirs = colorspacious.cspace_convert(
        rgb,
        {"name": "sRGB1+CVD", "cvd_type": COLORSPACIOUS_NAMES[deficiency], "severity": 100},
        "sRGB1",
    )
    np.testing.assert_allclose(simulate_cvd(rgb, deficiency), np.clip(theirs, 0, 1), atol=1e-9)


def test_lab_conversion_agrees_with_colorspacious():
    rgb = np.random.default_rng(1).random((100, 3))
    np.testing.assert_allclose(
        rgb_to_lab(rgb), colorspacious.cspace_convert(rgb, "sRGB1", "CIELab"), atol=0.05
    )


def test_the_check_can_fail_plotly_default_colours_collapse_for_protanopes():
    # Without a simulation plotly's default colours look distinct (12.6) but under protanopia
    # two of its first seven become nearly the same colour: the check is not a rubber stamp.
    assert smallest_difference(qualitative.Plotly[:7]) > MIN_CATEGORY_DE00
    assert smallest_difference(qualitative.Plotly[:7], "protanopia") < 1.0


# ---------------------------------------------------------------- the palettes
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_category_colours_are_okabe_ito(theme):
    colours = category_colours(theme)
    assert len(colours) == 7 and len(set(colours)) == 7
    assert set(colours) <= set(OKABE_ITO.values())


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_every_pair_of_category_colours_stays_distinguishable(theme, deficiency):
    colours = category_colours(theme)
    assert smallest_difference(colours) >= MIN_NORMAL_VISION_DE00
    assert smallest_difference(colours, deficiency) >= MIN_CATEGORY_DE00


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_category_colours_stand_out_from_the_background(theme):
    # WCAG asks 3:1 of graphics; Okabe-Ito's orange and sky blue reach 2.25 and 2.31 on white
    # (filled markers, not thin text). Nothing sits below 2:1, and dark pages reach 3.6:1.
    ratios = [contrast_ratio(colour, BACKGROUND[theme]) for colour in category_colours(theme)]
    assert min(ratios) >= (2.0 if theme == "light" else 3.5)


def _scale_lab(colours: list[str], deficiency: str | None) -> np.ndarray:
    rgb = np.stack([hex_to_rgb(c) for c in colours])
    return rgb_to_lab(simulate_cvd(rgb, deficiency) if deficiency else rgb)


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_sequential_scale_gets_lighter_step_by_step_for_every_viewer(deficiency):
    colours = [colour for _, colour in plotly_colors.get_colorscale(SEQUENTIAL_SCALE)]
    lightness = _scale_lab(colours, deficiency)[:, 0]
    assert np.all(np.diff(lightness) > 2.0), lightness


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_diverging_scale_reads_from_both_ends_for_every_viewer(deficiency):
    lab = _scale_lab(list(DIVERGING_SCALE), deficiency)
    middle = len(DIVERGING_SCALE) // 2
    lightness = lab[:, 0]
    assert np.all(np.diff(lightness[: middle + 1]) > 0)  # dark purple -> white
    assert np.all(np.diff(lightness[middle:]) < 0)  # white -> dark orange
    assert delta_e_2000(lab[0], lab[-1]) > 15  # -1 and +1 never look alike
    assert delta_e_2000(lab[2], lab[-3]) > 15


def test_the_lab_default_heatmap_rdbu_is_also_checked():
    # RdBu (the lab's normal cosine scale) keeps its two ends apart for every viewer too.
    colours = [c for _, c in plotly_colors.get_colorscale("RdBu")]
    for deficiency in DEFICIENCIES:
        lab = _scale_lab(colours, deficiency)
        assert delta_e_2000(lab[0], lab[-1]) > 15


# ---------------------------------------------------------------- presenter mode
def test_presenter_css_has_a_large_root_font_and_both_themes():
    light, dark = presenter_css("light"), presenter_css("dark")
    assert f"font-size: {ROOT_FONT_PX}px" in light and ROOT_FONT_PX >= 20
    assert "#31333F" in light and "#FAFAFA" in dark
    assert "st-key-advanced_" in light


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_present_figure_swaps_in_the_safe_colours(theme):
    scatter = projection_scatter(
        np.random.default_rng(0).random((6, 2)), list("abcdef"), list("xyxyzz"), highlight=0
    )
    present_figure(scatter, theme)
    safe = category_colours(theme)
    categories = [trace.marker.color for trace in scatter.data if trace.name in ("x", "y", "z")]
    assert categories == safe[:3]
    assert scatter.layout.font.size >= 20
    heatmap = charts.similarity_heatmap(np.eye(3), ["a", "b", "c"], show_values=True)
    present_figure(heatmap, theme)
    assert [c for _, c in heatmap.data[0].colorscale] == list(DIVERGING_SCALE)
