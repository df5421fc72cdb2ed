#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing: zbar-tools (zbarimg, an independent
# QR decoder), python3 (the independent log verifier in test/independent), chromium (real browser for the page's end-to-end tests) and poppler-utils
# (pdftoppm, to rasterise printed cards), fonts-dejavu-core (Unicode text on printed cards), and
# softhsm2 with opensc (a real PKCS#11 token for the HSM tests, and pkcs11-tool to inspect it),
# python3-prometheus-client (Prometheus's text-format parser, for the metrics test), and
# imagemagick (photo-like degradations of printed cards, for npm run bench:print), and
# postgresql (the tests start throwaway clusters from its binaries: the PostgreSQL registry).
# Needs root or sudo; does nothing if all are present.
set -euo pipefail
need=()
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v python3 >/dev/null 2>&1 || need+=(python3) # the independent log verifier (and node-gyp)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
# ImageMagick (Debian's; /usr/local/bin may hold a stand-in) degrades card photos in bench:print.
[ -x /usr/bin/convert ] || need+=(imagemagick)
# Prometheus's own text-format parser (the Python client), to check GET /metrics independently.
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || need+=(python3-prometheus-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "installing Debian packages: ${need[*]}" >&2
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
