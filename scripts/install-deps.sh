#!/usr/bin/env bash
# Installs the Debian packages Simulacra builds against, and nothing else.
# Called by `make run`, `make test`, `make bench` and CI; a no-op when all are present.
# python3-sklearn: the market labels' classifier test, and the real tables the benchmarks use.
# python3-h5py: the exporter tests read our HDF5 files as h5py users do.
# chromium: the HTML reports' test opens them headless and counts the images that rendered.
# libopenmpi-dev, openmpi-bin: ensembles and partitioned runs across ranks (mpirun).
set -euo pipefail

PACKAGES=(
  build-essential cmake make pkg-config ccache
  libboost-dev libboost-graph-dev
  libtbb-dev libyaml-cpp-dev libhdf5-dev libdeflate-dev
  catch2 libpcg-cpp-dev libeigen3-dev libpugixml-dev libtorch-dev libnlopt-dev
  pybind11-dev python3-dev python3-numpy python3-pandas python3-pytest python3-matplotlib python3-sklearn python3-h5py
  libopenmpi-dev openmpi-bin
  hdf5-tools sumo-tools chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "deps: missing ${missing[*]} and not root, and sudo is not available" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps: installing ${missing[*]}"
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  echo "deps: refreshing package lists and retrying"
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
