#!/usr/bin/env python3
"""Enforces the dependency rule of docs/architecture.md at include level.

Each file under src/<layer> may include project headers only from the layers its row allows,
and third-party headers only where that library's adapter lives; files under sdk/ only what
SDK_ALLOWED_PROJECT and SDK_ALLOWED_SYSTEM list. Exit status 1 lists offenders.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)

# Project include prefixes each layer may use (its own always included).
ALLOWED_PROJECT = {
    "core": ["core/"],
    "ports": ["core/", "ports/"],
    "app": ["core/", "ports/", "app/"],
    "api": ["core/", "ports/", "app/", "api/"],
    "adapters/http_server": ["core/", "ports/", "api/", "adapters/http_server/"],
    # The SQL stores share adapters/sql (pure SQL building, stored-value decoding, the group
    # commit queue; no database library), never each other.
    "adapters/sqlite": ["core/", "ports/", "adapters/sql/", "adapters/sqlite/"],
    "adapters/postgres": ["core/", "ports/", "adapters/sql/", "adapters/postgres/"],
    "cli": None,  # the composition root may use everything
}
# Third-party headers and the only places that may include them.
LIBRARY_OWNERS = {
    "nlohmann/": ["core/codec/"],
    "sqlite3.h": ["adapters/sqlite/"],
    "libpq-fe.h": ["adapters/postgres/"],
    "boost/": ["adapters/http_server/"],
    "curl/": ["adapters/http_client/", "adapters/kubernetes/"],
    "yaml-cpp/": ["adapters/kubernetes/"],
    "spdlog/": ["adapters/logging/"],
    "openssl/": ["adapters/crypto/", "adapters/http_server/"],  # hashing; the TLS listener
    "CLI/": ["bin/", "cli/"],
}
# System headers that would give the pure core I/O, threads, clocks or randomness.
CORE_FORBIDDEN_SYSTEM = {
    "thread", "mutex", "shared_mutex", "condition_variable", "future", "atomic", "fstream",
    "filesystem", "random", "iostream", "cstdio", "ctime", "unistd.h", "fcntl.h",
}

# The handler SDK (sdk/) is shipped to handler authors: it may include the model and codec of
# core/ (with the base and JSON types their interfaces use), its own public headers, zlib, libcurl
# (the pod report channel), and
# the C++ standard library (an angle include without '.' or '/'); nothing else.
SDK_ALLOWED_PROJECT = ("core/model/", "core/codec/", "core/base/", "core/json/", "pop_sdk/")
SDK_ALLOWED_SYSTEM = {"zlib.h", "curl/curl.h"}

# The check-failure path prints its message before aborting.
CORE_EXCEPTIONS = {("core/base/check.cc", "cstdio")}
# Adapter headers included from outside their adapter; filled in by main().
PUBLIC_HEADERS = set()


def layer_of(rel: str) -> str:
    parts = rel.split("/")
    if parts[0] == "adapters":
        return "adapters/" + parts[1]
    return parts[0]


def allowed_project(layer: str):
    if layer in ALLOWED_PROJECT:
        return ALLOWED_PROJECT[layer]
    if layer.startswith("adapters/"):
        return ["core/", "ports/", layer + "/"]
    return None


def check_file(path: pathlib.Path, rel_root: pathlib.Path, problems: list) -> None:
    rel = path.relative_to(rel_root).as_posix()
    text = path.read_text(encoding="utf-8", errors="replace")
    layer = layer_of(rel) if rel_root.name == "src" else rel_root.name
    scope = (rel_root.name + "/" if rel_root.name != "src" else "") + rel
    for delimiter, header in INCLUDE.findall(text):
        if ".." in header.split("/"):
            problems.append(f"{scope}: relative include '{header}'")
        for prefix, owners in LIBRARY_OWNERS.items():
            if header.startswith(prefix) and not any(scope.startswith(o) for o in owners):
                problems.append(f"{scope}: '{header}' may only be used in {', '.join(owners)}")
        if delimiter == "<" and header.startswith(tuple(LIBRARY_OWNERS)) and scope in PUBLIC_HEADERS:
            problems.append(f"{scope}: library header '{header}' in a header used outside its adapter")
        if rel_root.name != "src":
            continue
        if layer == "core" and delimiter == "<" and header in CORE_FORBIDDEN_SYSTEM \
                and (scope, header) not in CORE_EXCEPTIONS:
            problems.append(f"{scope}: core must stay pure, but includes <{header}>")
        if delimiter == '"':
            allowed = allowed_project(layer)
            if allowed is not None and not header.startswith(tuple(allowed)):
                problems.append(f"{scope}: layer '{layer}' may not include \"{header}\"")


def check_sdk_file(path: pathlib.Path, problems: list) -> None:
    scope = path.relative_to(ROOT).as_posix()
    for delimiter, header in INCLUDE.findall(path.read_text(encoding="utf-8", errors="replace")):
        if delimiter == '"':
            if not header.startswith(SDK_ALLOWED_PROJECT) or ".." in header.split("/"):
                problems.append(f"{scope}: the sdk may not include \"{header}\"")
        elif header not in SDK_ALLOWED_SYSTEM and ("." in header or "/" in header):
            problems.append(f"{scope}: the sdk may not include <{header}>")


def collect_public_headers() -> None:
    for tree in ("src", "bin"):
        for path in (ROOT / tree).rglob("*"):
            if path.suffix not in (".h", ".cc"):
                continue
            rel = path.relative_to(ROOT / tree).as_posix()
            for delimiter, header in INCLUDE.findall(path.read_text(errors="replace")):
                if delimiter == '"' and header.startswith("adapters/"):
                    owner = "/".join(header.split("/")[:2]) + "/"
                    if not rel.startswith(owner):
                        PUBLIC_HEADERS.add(header)


def main() -> int:
    collect_public_headers()
    problems = []
    for tree in ("src", "bin"):
        root = ROOT / tree
        for path in sorted(root.rglob("*")):
            if path.suffix in (".h", ".cc") and path.is_file():
                check_file(path, root, problems)
    for path in sorted((ROOT / "sdk").rglob("*")):
        if path.suffix in (".h", ".cc") and path.is_file():
            check_sdk_file(path, problems)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_layers: {len(problems)} problem(s)")
        return 1
    print("check_layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
