"""Oracle for test/layout-*.test.ts: DataProcessingTools' argument hash (DPObject.hashalt), Python's str()/repr()
of arg values, and DPT's path-level functions (DPT DataProcessingTools/levels.py, transcribed below with the
default config.json), computed by Python itself.

Usage: pyhipp_names_ref.py JOB.json   -> prints JSON {"hash": [...], "str": [...], "repr": [...], "levels": [...]}

JOB = {
  "hash":   [[[name, value], ...], ...]     args lists -> md5(str(k) + str(v) ...)[:4] and the hashed text
  "str":    [value, ...]                    -> str(value)
  "repr":   [value, ...]                    -> repr(value)
  "levels": [{"fn": "level" | "resolve_level" | "get_level_name" | "get_level_path" | "normpath" |
              "get_shortname", "cwd": str, "target": str?}, ...]   -> str or {"error": ExceptionName}
}
Values are tagged so Python ints and floats stay apart: {"t": "int", "v": "123"}, {"t": "float", "v": 16 hex
digits of the IEEE-754 bits}, {"t": "bool"|"str", "v": ...}, {"t": "none"}, {"t": "list"|"tuple", "v": [...]},
{"t": "dict", "v": [[key, value], ...]}.
"""
import hashlib
import json
import os
import re
import struct
import sys

# ---- DPT levels.py with its default config.json ---------------------------------------------------------
levels = ["subjects", "subject", "day", "session", "array", "channel", "cell"]
level_patterns_s = ["([a-zA-Z]+)", "([a-zA-Z]+)", "([0-9]+)", "(session)([a-z0-9]+)", "(array)([0-9]+)",
                    "(channel)([0-9]+)", "(cell)([0-9]+)"]


def level(cwd):
    leaf = cwd.split(os.sep)[-1]
    ll = ""
    if leaf.isdigit():
        ll = "day"
    else:
        for pattern in level_patterns_s[::-1]:
            m = re.compile(pattern).match(leaf)
            if m is not None:
                ll = m.groups()[0]
                break
    return ll


def resolve_level(target_level, cwd):
    this_idx = levels.index(level(cwd))
    target_idx = levels.index(target_level)
    pl = ["."]
    for _ in range(0, this_idx - target_idx):
        pl.append("..")
    return os.path.join(*pl)


def get_level_name(target_level, cwd):
    this_idx = levels.index(level(cwd))
    target_idx = levels.index(target_level)
    i = this_idx
    cw = cwd
    pp = ""
    while i >= target_idx:
        cw, pp = os.path.split(cw)
        i -= 1
    return pp


def get_level_path(target_level, cwd):
    q = ""
    for ll in levels:
        q = os.path.join(q, get_level_name(ll, cwd))
        if ll == target_level:
            break
    return q


def normpath(cwd):
    this_idx = levels.index(level(cwd))
    parts = cwd.split(os.path.sep)
    return os.path.join(*parts[-this_idx:])


def get_id(ss):
    return ss.replace(level(ss), "")


shortnames = {"subjects": lambda x: "", "subject": lambda x: x[0], "day": lambda x: x,
              "session": lambda x: "s{0}".format(get_id(x)), "array": lambda x: "a{0}".format(get_id(x)),
              "channel": lambda x: "g{0}".format(get_id(x)), "cell": lambda x: "c{0}".format(get_id(x))}


def get_shortname(lvl, cwd):
    return shortnames[lvl](get_level_name(lvl, cwd))


# ---- values and the hash ------------------------------------------------------------------------------
def decode(x):
    t = x["t"]
    if t == "int":
        return int(x["v"])
    if t == "float":
        return struct.unpack(">d", bytes.fromhex(x["v"]))[0]
    if t in ("bool", "str"):
        return x["v"]
    if t == "none":
        return None
    if t == "list":
        return [decode(v) for v in x["v"]]
    if t == "tuple":
        return tuple(decode(v) for v in x["v"])
    if t == "dict":
        return {decode(k): decode(v) for k, v in x["v"]}
    raise ValueError(t)


def hashalt(args):
    m = hashlib.md5()
    text = ""
    for k, v in args.items():
        m.update(str(k).encode("utf-8"))
        m.update(str(v).encode("utf-8"))
        text += str(k) + str(v)
    return {"hash": m.hexdigest()[:4], "text": text}


def run_level(q):
    fns = {"level": lambda: level(q["cwd"]), "resolve_level": lambda: resolve_level(q["target"], q["cwd"]),
           "get_level_name": lambda: get_level_name(q["target"], q["cwd"]),
           "get_level_path": lambda: get_level_path(q["target"], q["cwd"]),
           "normpath": lambda: normpath(q["cwd"]), "get_shortname": lambda: get_shortname(q["target"], q["cwd"])}
    try:
        return fns[q["fn"]]()
    except Exception as e:  # noqa: BLE001 - the exception type is the answer
        return {"error": type(e).__name__}


def main(job_path):
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    out = {
        "hash": [hashalt({k: decode(v) for k, v in args}) for args in job.get("hash", [])],
        "str": [str(decode(v)) for v in job.get("str", [])],
        "repr": [repr(decode(v)) for v in job.get("repr", [])],
        "levels": [run_level(q) for q in job.get("levels", [])],
    }
    sys.stdout.write(json.dumps(out, ensure_ascii=True))


if __name__ == "__main__":
    main(sys.argv[1])
