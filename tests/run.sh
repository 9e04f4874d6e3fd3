#!/usr/bin/env bash
# The README's test command: `bash tests/run.sh` (extra arguments go to pytest).
# Installs the real spreadsheet engine (headless LibreOffice and its Python-UNO
# bridge, used by the tests that recalculate and re-save forms) when missing,
# installs the package with its test extras into the current Python, runs the
# linter (ruff) and the type checker (mypy), then the whole test suite. Exits
# non-zero on any failure. CI runs it via .ci/run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Tests needing LibreOffice fail instead of skipping when CI is set.
export CI="${CI:-true}"

packages=()
if ! command -v soffice >/dev/null 2>&1 && [ ! -x /usr/lib/libreoffice/program/soffice ]; then
    # Liberation fonts are metric-compatible with Times New Roman, the forms' font (PDF layout).
    packages+=(libreoffice-calc-nogui fonts-liberation2)
fi
# pdftotext/pdfinfo read the exported report in the tests.
if ! command -v pdftotext >/dev/null 2>&1; then
    packages+=(poppler-utils)
fi
# UNO scripts (tests/lo_scripts) run under the system Python with Debian's bridge.
if ! /usr/bin/python3 -c 'import uno' >/dev/null 2>&1; then
    packages+=(python3-uno)
fi
if [ "${#packages[@]}" -gt 0 ]; then
    as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        as_root=(sudo)
    fi
    echo "Installing: ${packages[*]}"
    "${as_root[@]}" apt-get update
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
fi

python --version
soffice --version || /usr/lib/libreoffice/program/soffice --version

python -m pip install --disable-pip-version-check -e '.[test]'

echo "ruff check ."
python -m ruff check .
echo "mypy (src/xlplan)"
python -m mypy

python -m pytest -q "$@"
