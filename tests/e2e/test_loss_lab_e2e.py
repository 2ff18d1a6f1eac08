"""Click through the Loss lab in a real browser: table, sliders, uploads, training, other pages."""

from __future__ import annotations

from tests.e2e.conftest import plot_traces, settle, shot

TRIPLETS = (
    "anchor,positive,negative\n"
    "A cat sat on the mat.,A kitten rested on the rug.,Stocks fell sharply today.\n"
    "How do I bake bread?,Steps for making a loaf at home,How do I fix a flat tyre?\n"
    "The train was late.,The railway service was delayed.,The training was hard.\n"
)


def wait_for_triplets(page, count: int) -> None:
    """Wait until the triplet landscape shows `count` markers (the upload has been applied)."""
    page.wait_for_function(
        """count => {
            const plot = document.querySelector('.st-key-loss_landscape_triplet .js-plotly-plot');
            return plot && plot._fullData[2] && plot._fullData[2].x.length === count;
        }""",
        arg=count,
        timeout=60_000,
    )
    settle(page)


def sidebar_caption(page) -> str:
    text = page.locator("[data-testid='stSidebar']").inner_text()
    return text[text.index("In use:") :]


def test_loss_lab_main_flow(page, app_url, tmp_path):
    page.goto(f"{app_url}/Loss_Lab")
    settle(page)
    page.get_by_text("2 · Three losses").wait_for()
    wait_for_triplets(page, 26)
    shot(page, "loss_1_default_preset")

    # A slider moves the landscape: α from 0.2 to 0.3 with the keyboard.
    page.locator(".st-key-loss_alpha input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    settle(page)
    title = page.evaluate(
        """() => document.querySelector('.st-key-loss_landscape_triplet .js-plotly-plot')
                 ._fullLayout.title.text"""
    )
    assert "Triplet, α = 0.3" in title
    page.locator(".st-key-loss_landscape_triplet").scroll_into_view_if_needed()
    shot(page, "loss_2_landscapes")

    # A CSV with the wrong headers: a message, the table is kept.
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("question,answer\nq,a\n")
    page.locator(".st-key-loss_upload input[type=file]").set_input_files(str(wrong))
    settle(page)
    page.get_by_text("needs the columns").first.wait_for()
    wait_for_triplets(page, 26)
    page.locator(".st-key-loss_upload").scroll_into_view_if_needed()
    shot(page, "loss_3_wrong_headers")

    good = tmp_path / "three.csv"
    good.write_text(TRIPLETS)
    page.locator(".st-key-loss_upload input[type=file]").set_input_files(str(good))
    wait_for_triplets(page, 3)

    # Train one epoch with InfoNCE on the three triplets.
    page.locator(".st-key-loss_train_loss").get_by_text("InfoNCE").click()
    settle(page)
    page.locator(".st-key-loss_epochs input[type=range]").focus()
    page.keyboard.press("Home")
    settle(page)
    page.locator(".st-key-loss_train").scroll_into_view_if_needed()
    shot(page, "loss_4_before_training")
    page.locator(".st-key-loss_train").get_by_role("button", name="Train", exact=True).first.click()
    settle(page, timeout=300_000)
    page.get_by_text("Result of the last run").wait_for()
    assert "fine-tuned copy" in sidebar_caption(page)
    assert {t["type"] for t in plot_traces(page, "loss_movement")} == {"scatter"}
    page.get_by_text("Result of the last run").scroll_into_view_if_needed()
    shot(page, "loss_5_after_training")
    page.locator(".st-key-loss_shift").scroll_into_view_if_needed()
    shot(page, "loss_6_cosines_before_after")
    page.locator(".st-key-loss_movement").scroll_into_view_if_needed()
    shot(page, "loss_6_movement")

    # Other pages of the session use the fine-tuned copy.
    page.locator("[data-testid='stSidebar']").get_by_text("Explore").click()
    settle(page)
    assert "fine-tuned copy" in sidebar_caption(page)
    picker = page.locator("[data-testid='stSidebar'] .st-key-model_choice input").input_value()
    assert "fine-tuned copy" in picker
    shot(page, "loss_7_explore_with_fine_tuned_copy")

    # Back on the lab: the uploaded table is still there; Reset returns to the shared model.
    page.locator("[data-testid='stSidebar']").get_by_text("Loss lab").click()
    settle(page)
    wait_for_triplets(page, 3)
    page.locator(".st-key-loss_reset button").first.click()
    settle(page)
    assert "fine-tuned copy" not in sidebar_caption(page)
    page.get_by_text("Press Train").wait_for()
