#!/bin/sh
# Runs "$@" inside a private D-Bus session with an unlocked, throw-away gnome-keyring,
# so tests use the real OS keychain (Secret Service) without touching the user's own.
# Needs: dbus, gnome-keyring, libsecret-tools (installed by .ci/run; see README).
set -eu
if [ -z "${HESO_KEYRING_SESSION:-}" ]; then
  command -v dbus-run-session >/dev/null 2>&1 || {
    echo "with-keyring: dbus-run-session not found. Install: apt-get install -y dbus gnome-keyring libsecret-tools" >&2
    exit 127
  }
  exec dbus-run-session -- env HESO_KEYRING_SESSION=1 sh "$0" "$@"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/heso-keyring.XXXXXX")
mkdir -p "$scratch/home" "$scratch/run"
chmod 700 "$scratch/run"
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run"
export XDG_DATA_HOME="$scratch/home/.local/share" XDG_CONFIG_HOME="$scratch/home/.config"
trap 'rm -rf "$scratch"' EXIT

echo -n heso-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null

# Wait until the Secret Service owns its bus name; otherwise D-Bus may auto-start a second daemon.
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
  i=$((i + 1))
  if [ "$i" -gt 50 ]; then
    echo "with-keyring: gnome-keyring did not start within 5 s" >&2
    exit 1
  fi
  sleep 0.1
done
export HESO_TEST_KEYRING=1
"$@"
