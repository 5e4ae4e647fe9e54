"""kiosk.yaml settings: every problem named with file, line, key and what is wrong; flags override."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import build_parser
from kiosk.config import DEFAULT_PIN, Settings, SettingsError, load_settings, settings_from_args

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_example_is_valid_and_means_what_it_says():
    settings = load_settings(REPO / "docs" / "kiosk.example.yaml")
    assert settings.engine == "auto"
    assert settings.idle_timeout == 90
    assert settings.result_timeout == 300
    # no PIN anyone can read in the docs, and no alert file a Pi user cannot write
    assert settings.default_pin and settings.alert_file is None and settings.printer is None
    text = (REPO / "docs" / "kiosk.example.yaml").read_text()
    for key in ("pin", "alert_file", "printer", "result_timeout"):
        assert f"{key}:" in text  # each is still documented there


def test_every_key_is_read(tmp_path):
    path = write(tmp_path, """
engine: pocketsphinx
model: /opt/vosk-small
microphone: "USB Audio"
mic_file: answers/
voice: en-gb
rate: 130
volume: 0.8
mute: true
idle_timeout: 45
pin: "0042"
staff_key: f10
alert_command: "notify-send kiosk"
alert_file: /tmp/alerts.log
intents: /srv/intents
""")
    s = load_settings(path)
    assert (s.engine, s.microphone, s.voice, s.rate, s.volume, s.mute) == ("pocketsphinx", "USB Audio", "en-gb", 130, 0.8, True)
    assert (s.idle_timeout, s.pin, s.staff_key, s.alert_command) == (45.0, "0042", "f10", "notify-send kiosk")
    assert s.model == Path("/opt/vosk-small") and s.mic_file == Path("answers") and s.intents == Path("/srv/intents")
    assert not s.default_pin


def test_all_problems_are_listed_with_file_line_and_key(tmp_path):
    path = write(tmp_path, "engine: google\nvolume: loud\npin: 12\nidle_timout: 30\nmute: maybe\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 5
    assert lines[0].startswith(f"{path}:1: engine: must be one of auto, vosk, pocketsphinx")
    assert f"{path}:2: volume: must be a number from 0 to 1" in lines[1]
    assert f"{path}:3: pin: must be 4 to 8 digits" in lines[2]
    assert f"{path}:4: idle_timout: unknown setting (did you mean 'idle_timeout'?)" == lines[3]
    assert f"{path}:5: mute: must be true or false" in lines[4]


@pytest.mark.parametrize("text, expected", [
    ("rate: 2000\n", "rate: must be from 60 to 400"),
    ("rate: 1.5\n", "rate: must be a whole number"),
    ("staff_key: ctrl+c\n", "blocked in kiosk mode"),
    ("staff_key: '1'\n", "used by patients"),
    ("staff_key: w\n", "used by patients"),  # W is the Why key, C the code, P print
    ("- engine\n", "must be a list of 'key: value' lines"),
    ("engine: [\n", "not valid YAML"),
])
def test_bad_values_are_explained(tmp_path, text, expected):
    with pytest.raises(SettingsError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_settings(write(tmp_path, text))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SettingsError, match="cannot read the settings file"):
        load_settings(tmp_path / "nope.yaml")


def test_empty_file_gives_defaults(tmp_path):
    assert load_settings(write(tmp_path, "# nothing set\n")) == Settings()
    assert Settings().pin == DEFAULT_PIN and Settings().idle_timeout == 90


def test_flags_override_the_file(tmp_path):
    path = write(tmp_path, "engine: vosk\nrate: 120\nmute: false\nidle_timeout: 60\n")
    args = build_parser().parse_args(["--config", str(path), "--engine", "pocketsphinx", "--mute", "--idle-timeout", "5"])
    s = settings_from_args(args)
    assert (s.engine, s.rate, s.mute, s.idle_timeout) == ("pocketsphinx", 120, True, 5.0)


def test_kiosk_yaml_in_the_working_folder_is_found(tmp_path):
    write(tmp_path, "voice: en-us\n")
    assert settings_from_args(build_parser().parse_args([]), cwd=tmp_path).voice == "en-us"
    assert settings_from_args(build_parser().parse_args([]), cwd=tmp_path / "elsewhere") == Settings()


def test_bad_flag_values_are_reported_like_the_file(tmp_path):
    args = build_parser().parse_args(["--volume", "3", "--idle-timeout", "0"])
    with pytest.raises(SettingsError) as caught:
        settings_from_args(args, cwd=tmp_path)
    assert "--volume: must be from 0 to 1" in str(caught.value)
    assert "--idle-timeout: must be from 0.5 to 3600" in str(caught.value)


def test_the_kiosk_refuses_to_start_on_bad_settings_and_says_why(tmp_path, capsys):
    from kiosk.cli import main

    path = write(tmp_path, "volume: loud\n")
    assert main(["--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the settings have problems" in err and f"{path}:1: volume:" in err


def test_the_kiosk_refuses_to_start_on_a_broken_knowledge_base(tmp_path, capsys):
    from kiosk.cli import main

    (tmp_path / "intents").mkdir()
    assert main(["--intents", str(tmp_path / "intents")]) == 1
    assert "the knowledge base has problems" in capsys.readouterr().err
