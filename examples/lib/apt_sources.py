#!/usr/bin/env python3
"""Prints one-line apt sources for a Debian SUITE, taken from this machine's own apt configuration.

Usage: apt_sources.py SUITE

Reads /etc/apt/sources.list, /etc/apt/sources.list.d/*.list and *.sources (deb822) and keeps the
"deb" entries of SUITE, SUITE-updates and SUITE-security with the "main" component. When the host
runs another release, the host's own Debian entries are reused with the suite name replaced.
No mirror is hard-coded: the build uses whatever mirror the machine is configured with.
"""
import glob
import os
import re
import sys


def one_line(path):
    for raw in open(path, encoding="utf-8", errors="replace"):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        options = {}
        m = re.match(r"^(deb|deb-src)\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$", line)
        if not m:
            continue
        if m.group(2):
            for item in m.group(2).strip()[1:-1].split():
                if "=" in item:
                    k, v = item.split("=", 1)
                    options[k.lower()] = v
        yield {"types": [m.group(1)], "uris": [m.group(3)], "suites": [m.group(4)],
               "components": m.group(5).split(), "signed-by": options.get("signed-by")}


def deb822(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    for stanza in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and key:
                fields[key] += " " + raw.strip()
                continue
            if ":" in raw:
                key, value = raw.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if not fields or fields.get("enabled", "yes").lower() == "no":
            continue
        signed = fields.get("signed-by")
        if signed and not signed.startswith("/"):
            signed = None  # an inline key block or fingerprints: let apt use its default keyrings
        yield {"types": fields.get("types", "").split(), "uris": fields.get("uris", "").split(),
               "suites": fields.get("suites", "").split(), "components": fields.get("components", "").split(),
               "signed-by": signed}


def entries():
    paths = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    for path in paths:
        if os.path.isfile(path):
            yield from one_line(path)
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        yield from deb822(path)


def host_codename():
    try:
        for line in open("/etc/os-release"):
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return None


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: apt_sources.py SUITE")
    suite = sys.argv[1]
    suffixes = ["", "-updates", "-security", "/updates"]
    found = []
    all_entries = [e for e in entries() if "deb" in e["types"] and "main" in e["components"]]
    for base in [suite, host_codename()]:
        if not base:
            continue
        for e in all_entries:
            for s in e["suites"]:
                for suffix in suffixes:
                    if s == base + suffix:
                        for uri in e["uris"]:
                            found.append((uri, suite + suffix, e["signed-by"]))
        if found:
            break
    if not any(s == suite for _, s, _ in found):
        raise SystemExit(f"apt_sources.py: no Debian '{suite}' (or host release) entry with component main "
                         "in /etc/apt/sources.list or /etc/apt/sources.list.d/")
    seen = set()
    for uri, s, signed in found:
        if (uri, s) in seen:
            continue
        seen.add((uri, s))
        option = f"[signed-by={signed}] " if signed and os.path.exists(signed) else ""
        print(f"deb {option}{uri} {s} main")


if __name__ == "__main__":
    main()
