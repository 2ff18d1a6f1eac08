from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.explore.axes import (
    AXIS_PRESETS,
    SUBJECT_VS_MEANING,
    AxisError,
    axis_map,
    axis_positions,
    make_axis,
    parse_pole,
    pole_centre,
)
from components.models.encoder import embed


def test_parse_pole_reads_words_and_sentences():
    assert parse_pole("physics, quantum,  energy\n\nfood") == [
        "physics",
        "quantum",
        "energy",
        "food",
    ]
    sentence = "Cooled below a certain temperature, a superconductor pushes magnetic fields out."
    assert parse_pole(sentence) == [sentence]
    assert parse_pole("ice cream, hot dog\nice cream") == ["ice cream", "hot dog"]
    assert parse_pole("  \n ,, \n") == []


def test_positions_by_hand():
    """Poles e0 and e1 in 3-d: the axis is (e1 - e0)/sqrt(2), the origin (0.5, 0.5, 0)."""
    axis = make_axis(np.array([1.0, 0, 0]), np.array([0, 2.0, 0]))  # lengths do not matter
    np.testing.assert_allclose(axis.direction, np.array([-1, 1, 0]) / np.sqrt(2))
    assert axis.half_length == pytest.approx(np.sqrt(2) / 2) and axis.pole_cosine == 0.0
    points = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 5.0], [1.0, 1.0, 0]])
    np.testing.assert_allclose(
        axis_positions(points, axis), [-np.sqrt(2) / 2, np.sqrt(2) / 2, 0.0, 0.0], atol=1e-12
    )


def test_a_group_pole_is_the_mean_of_unit_vectors():
    group = np.array([[3.0, 0, 0], [0, 0.5, 0]])
    np.testing.assert_allclose(pole_centre(group), [0.5, 0.5, 0])
    axis = make_axis(group, np.array([0, 0, 1.0]))
    assert axis_positions(np.array([[0, 0, 7.0]]), axis)[0] == pytest.approx(axis.half_length)


def test_identical_or_empty_poles_are_refused():
    with pytest.raises(AxisError, match="same centre"):
        make_axis(np.array([1.0, 2.0]), np.array([2.0, 4.0]))  # same direction
    with pytest.raises(AxisError, match="at least one"):
        make_axis(np.zeros((0, 3)), np.eye(3)[:1])


def test_nearly_parallel_axes_are_flagged():
    x = make_axis(np.array([1.0, 0, 0]), np.array([0, 1.0, 0]))
    y = make_axis(np.array([1.0, 0.01, 0]), np.array([0, 1.0, 0.01]))
    result = axis_map(np.eye(3), x, y)
    assert result.axes_cosine > 0.9 and "almost the same way" in result.note
    z = make_axis(np.array([0, 0, 1.0]), np.array([0, 0, -1.0]))
    assert axis_map(np.eye(3), x, z).note == "" and axis_map(np.eye(3), x, z).coords.shape == (3, 2)
    assert axis_map(np.zeros((0, 3)), x, z).coords.shape == (0, 2)


def test_preset_file_has_four_groups_of_six():
    sentences = SUBJECT_VS_MEANING.sentences()
    assert len(sentences.texts) == 24 and set(pd.Series(sentences.labels).value_counts()) == {6}
    assert SUBJECT_VS_MEANING.name in AXIS_PRESETS
    # the x poles are the lesson's two physics sentences, also the first sentence of two groups
    assert SUBJECT_VS_MEANING.x_poles[0] in sentences.texts
    assert SUBJECT_VS_MEANING.x_poles[1] in sentences.texts


def test_same_subject_vs_same_meaning_with_the_real_model(model):
    """Meaning separates on x, subject on y: the lesson the preset teaches, measured."""
    preset = SUBJECT_VS_MEANING
    sentences = preset.sentences()

    def pole(text: str) -> np.ndarray:
        return embed(model, parse_pole(text))

    x = make_axis(pole(preset.x_poles[0]), pole(preset.x_poles[1]))
    y = make_axis(pole(preset.y_poles[0]), pole(preset.y_poles[1]))
    result = axis_map(embed(model, sentences.texts), x, y)
    table = pd.DataFrame(
        {"group": sentences.labels, "x": result.coords[:, 0], "y": result.coords[:, 1]}
    )
    mean = table.groupby("group").mean()
    a, b = "means the same as A (entanglement)", "means the same as B (superconductors)"
    physics, food = "same subject (physics), other meaning", "other subject (food), other meaning"
    # x: paraphrases at the ends; other physics in the middle, as close to halfway as the tacos
    assert mean.loc[a, "x"] < -0.3 and mean.loc[b, "x"] > 0.3
    assert abs(mean.loc[physics, "x"]) < 0.15 and abs(mean.loc[food, "x"]) < 0.15
    # y: every physics sentence on the physics side, every food sentence on the food side
    assert (table.loc[table.group != food, "y"] > 0).all()
    assert (table.loc[table.group == food, "y"] < 0).all()
    assert abs(result.axes_cosine) < 0.2 and result.note == ""
    # the lesson's two physics sentences share a subject, not a meaning: nearly orthogonal poles
    assert x.pole_cosine < 0.1
