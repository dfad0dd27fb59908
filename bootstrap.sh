#!/bin/sh
# Set up everything hostql needs on Debian 12 (as root), then run `make TARGET`.
#   sh bootstrap.sh run     # the main job
#   sh bootstrap.sh test    # the whole test suite
set -eu
cd "$(dirname "$0")"

# Debian packages: the build basics, and the tools the live tests cross-check against.
PACKAGES="python3 python3-venv python3-dev make gcc iproute2 procps kmod util-linux
  e2fsprogs pciutils usbutils libmagic1 file iptables attr openssl openssh-client
  dbus-daemon rsyslog libaugeas0 augeas-lenses augeas-tools rpm db5.3-util
  inotify-tools auditd openjdk-17-jre-headless"

missing=""
for package in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $package"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages:$missing (run as root to install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Install services (auditd, rsyslog) without starting them: tests start private
  # instances by pid, and a system auditd would take the audit socket.
  policy=/usr/sbin/policy-rc.d
  own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && own_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  if [ -n "$own_policy" ]; then rm -f "$policy"; fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[dev]'

exec make "${1:-run}"
