#!/usr/bin/env bash
# The exporters in tools/ (export_*.py) need PyTorch and torchvision: Debian 12's python3-torch 1.13 for
# /usr/bin/python3 here, or, for the PyTorch 2.6 corpus, the same packages inside the Debian 13 root:
#   tools/install_exporter_deps.sh && /usr/bin/python3 tools/export_torchvision.py --out DIR
#   tools/in-debian13.sh tools/install_exporter_deps.sh && tools/in-debian13.sh python3 tools/export_torchvision.py --out DIR
# (hundreds of packages: kept out of the build and test set-up).
set -euo pipefail
exec "$(dirname "$0")/install_deps.sh" python3-torch python3-torchvision
