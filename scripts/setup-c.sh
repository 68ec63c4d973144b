#!/usr/bin/env bash
# Installs what the C tests and the header check need (a C and a C++ compiler, valgrind,
# readelf, python3, pkg-config and cmake for the install and example tests, and abidw/abidiff
# for the ABI gate), with apt-get and only when something is missing. Idempotent.
set -euo pipefail

declare -A package_of=(
    [cc]=gcc [c++]=g++ [valgrind]=valgrind [readelf]=binutils [python3]=python3
    [pkg-config]=pkg-config [cmake]=cmake [make]=make [nm]=binutils
    [abidw]=abigail-tools [abidiff]=abigail-tools
)
missing=()
for tool in "${!package_of[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
# AddressSanitizer's runtime comes with gcc on Debian (libasan); check that it links.
if command -v cc >/dev/null 2>&1 &&
    ! echo 'int main(void){return 0;}' | cc -x c -fsanitize=address,undefined -o /dev/null - 2>/dev/null; then
    missing+=(gcc)
fi
if ((${#missing[@]} == 0)); then
    exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "setup-c: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
