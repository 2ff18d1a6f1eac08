from __future__ import annotations

from tests.app.conftest import open_page, texts_of


def test_home_shows_the_lesson_labs_and_model():
    app = open_page()
    assert not app.exception
    assert app.title[0].value.endswith("Sentence Embedding Lab")
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics == {
        "Model": "all-MiniLM-L6-v2",
        "Vector size": "384 d",
        "Context window": "256 tokens",
    }
    assert "Tokenizer" in texts_of(app.markdown) and "Pooling head" in texts_of(app.markdown)


def test_a_model_that_cannot_load_shows_a_message_and_keeps_the_default():
    app = open_page()
    app.selectbox(key="model_choice").select("Another model…").run()
    app.text_input(key="model_custom_name").input("nobody/no-such-model-xyz").run()
    app.button(key="model_load").click().run()
    assert not app.exception
    assert "Cannot load `nobody/no-such-model-xyz`" in texts_of(app.error)
    assert {m.label: m.value for m in app.metric}["Model"] == "all-MiniLM-L6-v2"


def test_a_local_model_folder_loads(tmp_path):
    from components.models.encoder import packaged_model_path

    app = open_page()
    app.selectbox(key="model_choice").select("Another model…").run()
    app.text_input(key="model_custom_name").input(packaged_model_path()).run()
    app.button(key="model_load").click().run()
    assert not app.exception and not app.error
    assert app.selectbox(key="model_choice").value == packaged_model_path()
    assert "local folder" in texts_of(app.caption)
