"""Click through the Tokens & pooling lab in a real browser; a screenshot of each section."""

from __future__ import annotations

from tests.e2e.conftest import plot_traces, settle, shot


def section_shot(page, key: str, name: str) -> None:
    page.locator(f".st-key-{key}").scroll_into_view_if_needed()
    page.mouse.move(5, 5)  # no hover: Plotly's toolbar would cover the chart titles
    page.wait_for_timeout(300)
    shot(page, name)


def test_tokens_and_pooling_main_flow(page, app_url):
    page.goto(f"{app_url}/Tokens_and_Pooling")
    settle(page)
    page.get_by_text("1 · The tokenizer").wait_for()
    chips = page.locator(".tok-view .tok")
    assert chips.count() == 4  # [CLS] quantum ##ness [SEP]
    assert page.locator(".tok-view .tok.cont").first.inner_text().startswith("##ness")

    box = page.locator(".st-key-pooling_text textarea")
    box.fill("<b>not bold</b> quantumness, superconductivity, recieve, Schwarzenegger 🚀 東京")
    box.press("Control+Enter")
    settle(page)
    assert page.locator(".tok-view .tok.unknown").count() == 1
    assert page.locator(".tok-view b").count() == 0  # user text is shown, never rendered
    shot(page, "pooling_1_tokenizer")

    box.fill("Superconductors expel magnetic fields. " * 250)
    box.press("Control+Enter")
    settle(page)
    page.get_by_text("window of 256 tokens ends here").wait_for()
    page.locator(".tok-cut").scroll_into_view_if_needed()
    shot(page, "pooling_1b_truncated")

    assert plot_traces(page, "pooling_word_heatmap")[0]["n"] == 6
    section_shot(page, "pooling_word_heatmap", "pooling_2_word_in_context")
    assert len(plot_traces(page, "pooling_token_map")) == 6  # one trace per sentence
    section_shot(page, "pooling_token_map", "pooling_2b_token_map")

    assert [t["name"] for t in plot_traces(page, "pooling_mode_heatmaps")] == [
        "cls",
        "mean",
        "max",
        "mean_sqrt_len",
        "attention",
    ]
    section_shot(page, "pooling_mode_heatmaps", "pooling_3_modes")
    section_shot(page, "pooling_spearman", "pooling_4_quality")

    page.locator(".st-key-pooling_train").get_by_role("button", name="Train head").first.click()
    settle(page)
    page.locator(".st-key-pooling_loss_curve .js-plotly-plot").wait_for()
    assert plot_traces(page, "pooling_learned_weights")[0]["type"] == "heatmap"
    section_shot(page, "pooling_loss_curve", "pooling_5_trained_head")

    bars = plot_traces(page, "pooling_training_quality")[0]["y"]
    assert bars[0] > bars[1] + 0.3  # trained vs random weights
    section_shot(page, "pooling_training_quality", "pooling_6_random_weights")


def test_bad_input_gets_messages(page, app_url):
    page.goto(f"{app_url}/Tokens_and_Pooling")
    settle(page)
    box = page.locator(".st-key-pooling_text textarea")
    box.fill("[CLS] [SEP]")
    box.press("Control+Enter")
    settle(page)
    warning = page.get_by_text("Nothing but special tokens")
    warning.wait_for()
    warning.scroll_into_view_if_needed()
    shot(page, "pooling_7_only_special_tokens")
    sentences = page.locator(".st-key-pooling_sentences textarea")
    sentences.fill("   ")
    sentences.press("Control+Enter")
    settle(page)
    message = page.get_by_text("Type one sentence per line to compare the pooling modes")
    message.wait_for()
    message.scroll_into_view_if_needed()
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, "pooling_8_no_sentences_to_pool")
