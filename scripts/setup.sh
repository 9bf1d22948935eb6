#!/usr/bin/env bash
# Installs what Prova needs from Debian when it is missing. Mirrors come from the machine's apt configuration.
set -euo pipefail

packages=(runc umoci skopeo busybox-static golang-github-containers-common mmdebstrap python3-venv gcc libc6-dev etcd-server iproute2)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Prova needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "Installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
