#!/usr/bin/env bash
# Debian packages the test suite uses: human-recorded prompts (asterisk-core-sounds-en ships the
# sounds/en link and the prompt texts; apt only recommends it), hold music, TTS voices, sox,
# and chromium: the report tests open report.html in headless Chromium (driven by playwright);
# sip-tester is SIPp, the scripted SIP peer the SIP line's tests call (busy, 404, no answer, BYE);
# baresip-core is an independent SIP phone that reports the RFC 4733 digits it receives;
# kamailio is the registrar (digest authentication) the SIP line registers with.
# The rest builds Asterisk 20 for tests/test_asterisk.py (scripts/asterisk.sh builds it from
# ../shared/vendor once per machine; Debian no longer packages Asterisk).
# Runs as root (as CI does) or through sudo.
set -euo pipefail
packages=(asterisk-core-sounds-en asterisk-core-sounds-en-wav asterisk-moh-opsound-wav espeak-ng flite sox chromium sip-tester baresip-core kamailio
          build-essential libjansson-dev libxml2-dev libsqlite3-dev uuid-dev libedit-dev libssl-dev pkg-config libncurses-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Asterisk 20 for tests/test_asterisk.py, built once per machine from the vendored source
# (a few minutes, cached outside the clone) so that the tests only start it.
"$(dirname "$0")/asterisk.sh" --if-vendored >/dev/null
