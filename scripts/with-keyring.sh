#!/bin/sh
# Runs "$@" inside a private D-Bus session with an unlocked, throw-away gnome-keyring,
# so tests (and the demo on a headless machine) use the real OS keychain (Secret Service)
# without touching the user's own.
#   sh scripts/with-keyring.sh npm run demo
# Needs: dbus, gnome-keyring, libsecret-tools (see README).
#
# Two halves. Outside the session, scripts/keyring-session.mjs stays the top process: it
# makes the scratch folder, starts dbus-run-session, passes Ctrl-C / SIGTERM on to the
# command, and removes the scratch folder on every way out. Inside the session (below), this
# script starts the keyring and then becomes the command.
set -eu
if [ -z "${HESO_KEYRING_SESSION:-}" ]; then
  exec node "$(dirname "$0")/keyring-session.mjs" "$@"
fi

scratch=${HESO_KEYRING_SCRATCH:?with-keyring: start it as sh scripts/with-keyring.sh COMMAND}
mkdir -p "$scratch/home" "$scratch/run"
chmod 700 "$scratch/run"
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run"
export XDG_DATA_HOME="$scratch/home/.local/share" XDG_CONFIG_HOME="$scratch/home/.config"

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
# The launcher signals this pid; exec keeps it the command's own. fd 3 is the real stderr
# (fd 2 is the launcher's filter for the session daemons' noise).
echo $$ >"$scratch/command.pid"
if { true >&3; } 2>/dev/null; then
  exec "$@" 2>&3 3>&-
fi
exec "$@"
