"""Issue 9 in a real browser: an upload survives a page switch, a waiting session sees the queue
and can cancel, text shows as typed on the 3D map."""

from __future__ import annotations

from tests.e2e.conftest import plot_traces, settle, shot

ONE_COLUMN_CSV = "text\nThe cat sat on the mat.\nStocks fell.\n"


def test_a_one_column_csv_upload_survives_a_page_switch(page, app_url, tmp_path):
    upload = tmp_path / "one_column.csv"
    upload.write_text(ONE_COLUMN_CSV)
    page.goto(f"{app_url}/Explore")
    settle(page)
    page.locator(".st-key-explore_source").get_by_text("Upload a file").click()
    settle(page)
    page.locator(".st-key-explore_upload input[type=file]").set_input_files(str(upload))
    settle(page)
    labels = page.evaluate(
        """() => document.querySelector('.st-key-explore_heatmap .js-plotly-plot')
                   ._fullData[0].y"""
    )
    assert len(labels) == 2 and any("The cat sat on the mat." in label for label in labels)
    assert not any("he ma" == label.split(". ", 1)[-1] for label in labels)
    shot(page, "shared_1_one_column_csv")
    page.get_by_role("link", name="🧩 Tokens & pooling").first.click()
    settle(page)
    page.get_by_role("link", name="🔭 Explore").first.click()
    settle(page)
    page.get_by_text("uploaded earlier in this session").wait_for()
    assert plot_traces(page, "explore_heatmap")[0]["n"] == 2
    shot(page, "shared_2_upload_kept_after_page_switch")


def test_a_waiting_session_sees_its_place_can_cancel_and_a_closed_tab_frees_the_queue(
    browser, app_url
):
    trainer = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    waiter = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        waiter.goto(f"{app_url}/Explore")
        settle(waiter)
        trainer.goto(f"{app_url}/Loss_Lab")
        settle(trainer)
        trainer.locator(".st-key-loss_epochs input[type=range]").focus()
        trainer.keyboard.press("End")  # 10 epochs: a job long enough to queue behind
        settle(trainer)
        trainer.get_by_text("10 epochs").first.wait_for()
        trainer.locator(".st-key-loss_train button:visible").first.click()
        trainer.get_by_text("Epoch 1/10").wait_for(timeout=300_000)

        box = waiter.locator(".st-key-explore_text textarea")
        box.fill("A sentence nobody encoded yet, 7f3a.\nAnother new one, 7f3a.")
        box.press("Control+Enter")
        waiter.get_by_text("Waiting for the shared server").wait_for(timeout=60_000)
        assert waiter.get_by_text("1 job ahead of yours").count() >= 1
        shot(waiter, "shared_3_waiting_in_the_queue")
        waiter.get_by_role("button", name="Cancel").click()
        waiter.get_by_text("Cancelled: this heavy step did not run").wait_for(timeout=60_000)
        settle(waiter)
        shot(waiter, "shared_4_cancelled")

        # Closing the training tab drops its job at the next step: the queue frees up long
        # before ten epochs would have finished, and the waiter's retry runs.
        trainer.context.close()
        waiter.locator(".st-key-retry_sentences button").click()
        settle(waiter, timeout=600_000)
        assert plot_traces(waiter, "explore_heatmap")[0]["n"] == 2
    finally:
        for page in (trainer, waiter):
            try:
                page.context.close()
            except Exception:  # noqa: BLE001 - closed already
                pass


def test_apostrophes_show_as_typed_on_the_3d_map(page, app_url):
    page.goto(f"{app_url}/Explore")
    settle(page)
    box = page.locator(".st-key-explore_text textarea")
    box.fill("you're right\nit's fine\n<b>bold</b> & co")
    box.press("Control+Enter")
    settle(page)
    page.locator(".st-key-explore_dims").get_by_text("3D").click()
    settle(page)
    texts = page.evaluate(
        """() => document.querySelector('.st-key-explore_scatter .js-plotly-plot')
                   ._fullData.flatMap(t => t.text || [])"""
    )
    assert "you're right" in texts and "<b>bold</b> & co" in texts, texts
    page.locator(".st-key-explore_scatter").scroll_into_view_if_needed()
    shot(page, "shared_5_3d_labels_as_typed")
