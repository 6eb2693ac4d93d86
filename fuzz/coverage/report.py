#!/usr/bin/env python3
"""Coverage report for scripts/fuzz_coverage.sh: line and branch coverage per layer (from
`llvm-cov export -summary-only` JSON) and protocol-transition coverage (from the
UB_TRANSITION_FILE dumps of protocol/common/transitions.hpp), for each run set the script
measured (the fuzz corpora together, each fuzz target alone, the scenario examples).

Usage: report.py --out DIR --tables TABLES.tsv SET=COV.json:TRANSITIONS.tsv [...]
  SET           a name: "corpus", "scenarios", or "target:<name>"
  COV.json      llvm-cov export -summary-only output (may be "-": none)
  TRANSITIONS   the concatenated dumps of every process of that set (may be missing: no hits)
Writes DIR/coverage.md and DIR/coverage.json and prints the tables on stdout. Exit status 1 if
any run took an undeclared transition (a protocol finding, or a table that is incomplete).
"""

import argparse
import json
import os
import sys
from collections import OrderedDict

PROTOCOL_LAYERS = ["phy", "dl", "nl", "tp", "ta", "fn", "packet", "mgmt", "common"]


def layer_of(path, root):
    """The layer a source file belongs to, or None for files outside the report (tests, fuzz
    targets, tools, system headers)."""
    rel = os.path.relpath(path, root) if os.path.isabs(path) else path
    if rel.startswith(".."):
        return None
    parts = rel.split(os.sep)
    if parts[0] == "protocol":
        if len(parts) == 2:  # protocol/transition_tables.hpp and the like
            return "common"
        return parts[1]
    if parts[0] == "sim":
        return "sim/" + parts[1] if len(parts) > 2 else "sim"
    return None


def layer_order(name):
    if name in PROTOCOL_LAYERS:
        return (0, PROTOCOL_LAYERS.index(name), name)
    return (1, 0, name)


def load_cov(path, root):
    """{layer: {lines, lines_covered, branches, branches_covered, files}} from an export."""
    if path == "-" or not os.path.exists(path):
        return None
    with open(path) as f:
        data = json.load(f)
    layers = {}
    for d in data.get("data", []):
        for fobj in d.get("files", []):
            layer = layer_of(fobj["filename"], root)
            if layer is None:
                continue
            s = fobj["summary"]
            acc = layers.setdefault(layer, {"lines": 0, "lines_covered": 0, "branches": 0,
                                            "branches_covered": 0, "files": 0})
            acc["lines"] += s["lines"]["count"]
            acc["lines_covered"] += s["lines"]["covered"]
            acc["branches"] += s["branches"]["count"]
            acc["branches_covered"] += s["branches"]["covered"]
            acc["files"] += 1
    return layers


def load_transitions(tables_path, dump_path):
    """(machines, undeclared): machines = {name: {layer, transitions: {(state, event): {to,
    clause, count}}}} with every declared transition (count summed over the dumps)."""
    machines = OrderedDict()
    undeclared = {}

    def read(path, add_counts):
        if path is None or not os.path.exists(path):
            return
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if parts[0] == "declared" and len(parts) == 8:
                    _, layer, name, state, event, to, count, clause = parts
                    m = machines.setdefault(name, {"layer": layer, "transitions": OrderedDict()})
                    t = m["transitions"].setdefault((state, event),
                                                    {"to": to, "clause": clause, "count": 0})
                    if add_counts:
                        t["count"] += int(count)
                elif parts[0] == "undeclared" and len(parts) == 5:
                    _, name, state, event, count = parts
                    key = (name, state, event)
                    undeclared[key] = undeclared.get(key, 0) + int(count)
                elif line.strip():
                    raise SystemExit(f"report.py: {path}: unreadable line: {line!r}")

    read(tables_path, False)
    read(dump_path, True)
    return machines, undeclared


def pct(n, d):
    return f"{100.0 * n / d:5.1f}%" if d else "    -"


def cov_rows(layers):
    layers = dict(layers)
    for name in PROTOCOL_LAYERS:  # a layer no binary links has no files in the export
        layers.setdefault(name, {"lines": 0, "lines_covered": 0, "branches": 0,
                                 "branches_covered": 0, "files": 0})
    rows = []
    tot = {"lines": 0, "lines_covered": 0, "branches": 0, "branches_covered": 0}
    for name in sorted(layers, key=layer_order):
        a = layers[name]
        rows.append((name, a))
        if not name.startswith("sim"):
            for k in tot:
                tot[k] += a[k]
    return rows, tot


def md_cov_table(layers):
    rows, tot = cov_rows(layers)
    out = ["| layer | lines | line cov | branches | branch cov |", "|---|---:|---:|---:|---:|"]
    for name, a in rows:
        if a["files"] == 0 and name in PROTOCOL_LAYERS:
            out.append(f"| {name} | not linked | - | - | - |")
            continue
        out.append(f"| {name} | {a['lines_covered']}/{a['lines']} | "
                   f"{pct(a['lines_covered'], a['lines']).strip()} | "
                   f"{a['branches_covered']}/{a['branches']} | "
                   f"{pct(a['branches_covered'], a['branches']).strip()} |")
    out.append(f"| **protocol/ total** | {tot['lines_covered']}/{tot['lines']} | "
               f"{pct(tot['lines_covered'], tot['lines']).strip()} | "
               f"{tot['branches_covered']}/{tot['branches']} | "
               f"{pct(tot['branches_covered'], tot['branches']).strip()} |")
    return out


def text_cov_table(layers):
    rows, tot = cov_rows(layers)
    out = [f"{'layer':<16}{'lines':>16}{'line%':>8}{'branches':>16}{'branch%':>9}"]
    for name, a in rows + [("protocol/ total", tot)]:
        if a.get("files", 1) == 0 and name in PROTOCOL_LAYERS:
            out.append(f"{name:<16}{'not linked':>16}")
            continue
        out.append(f"{name:<16}{a['lines_covered']:>8}/{a['lines']:<7}"
                   f"{pct(a['lines_covered'], a['lines']):>8}"
                   f"{a['branches_covered']:>8}/{a['branches']:<7}"
                   f"{pct(a['branches_covered'], a['branches']):>9}")
    return out


def transition_summary(machines):
    per_machine = []
    per_layer = OrderedDict()
    for name, m in machines.items():
        total = len(m["transitions"])
        covered = sum(1 for t in m["transitions"].values() if t["count"] > 0)
        uncovered = [f"{s} --{e}--> {t['to']}" for (s, e), t in m["transitions"].items()
                     if t["count"] == 0]
        per_machine.append({"machine": name, "layer": m["layer"], "covered": covered,
                            "total": total, "uncovered": uncovered})
        lay = per_layer.setdefault(m["layer"], {"covered": 0, "total": 0})
        lay["covered"] += covered
        lay["total"] += total
    return per_machine, per_layer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tables", required=True)
    ap.add_argument("--root", default=os.getcwd())
    ap.add_argument("--note", action="append", default=[])
    ap.add_argument("sets", nargs="+")
    args = ap.parse_args()
    root = os.path.abspath(args.root)

    result = OrderedDict()
    findings = []
    for spec in args.sets:
        name, _, files = spec.partition("=")
        cov_path, _, tr_path = files.partition(":")
        layers = load_cov(cov_path, root)
        machines, undeclared = load_transitions(args.tables, tr_path or None)
        per_machine, per_layer = transition_summary(machines)
        und = [{"machine": m, "state": s, "event": e, "count": c}
               for (m, s, e), c in sorted(undeclared.items())]
        for u in und:
            findings.append((name, u))
        result[name] = {"coverage": layers, "transitions": per_machine,
                        "transitions_by_layer": per_layer, "undeclared": und}

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "coverage.json"), "w") as f:
        json.dump(result, f, indent=1, default=str)

    md = ["# Coverage report (scripts/fuzz_coverage.sh)", ""]
    md += [f"- {n}" for n in args.note]
    txt = []
    main_sets = [s for s in result if not s.startswith("target:")]
    target_sets = [s for s in result if s.startswith("target:")]
    for s in main_sets:
        r = result[s]
        md += ["", f"## {s}: line and branch coverage per layer", ""]
        txt += ["", f"== {s}: line and branch coverage per layer"]
        if r["coverage"] is None:
            md.append("(not measured)")
            txt.append("(not measured)")
        else:
            md += md_cov_table(r["coverage"])
            txt += text_cov_table(r["coverage"])
        md += ["", f"## {s}: protocol-transition coverage", "",
               "| layer | covered/total |", "|---|---:|"]
        txt += ["", f"== {s}: protocol-transition coverage (per layer, then per machine)"]
        for lay, v in r["transitions_by_layer"].items():
            md.append(f"| {lay} | {v['covered']}/{v['total']} |")
            txt.append(f"{lay:<26}{v['covered']:>4}/{v['total']}")
        md += ["", "| machine | covered/total | not taken |", "|---|---:|---|"]
        for m in r["transitions"]:
            md.append(f"| {m['machine']} | {m['covered']}/{m['total']} | "
                      f"{'; '.join(m['uncovered']) or '-'} |")
            txt.append(f"{m['machine']:<26}{m['covered']:>4}/{m['total']}"
                       + (f"   not taken: {'; '.join(m['uncovered'])}" if m["uncovered"] else ""))
        if r["undeclared"]:
            md += ["", "**ERROR: undeclared transitions taken** (a protocol finding, or a table "
                   "that lacks a transition the spec allows):", ""]
            txt.append("ERROR: undeclared transitions taken:")
            for u in r["undeclared"]:
                line = f"{u['machine']}: ({u['state']}, {u['event']}) x{u['count']}"
                md.append(f"- {line}")
                txt.append("  " + line)
    if target_sets:
        md += ["", "## Per fuzz target", "",
               "| target | protocol lines | protocol branches | transitions | by layer |",
               "|---|---:|---:|---:|---|"]
        txt += ["", "== per fuzz target",
                f"{'target':<20}{'line%':>8}{'branch%':>9}{'transitions':>13}  by layer (lines)"]
        for s in target_sets:
            r = result[s]
            t = s.split(":", 1)[1]
            _, tot = cov_rows(r["coverage"] or {})
            tr_cov = sum(m["covered"] for m in r["transitions"])
            tr_tot = sum(m["total"] for m in r["transitions"])
            lay = ", ".join(f"{k} {pct(v['lines_covered'], v['lines']).strip()}"
                            for k, v in sorted((r["coverage"] or {}).items(),
                                               key=lambda kv: layer_order(kv[0]))
                            if v["lines_covered"] > 0)
            md.append(f"| {t} | {pct(tot['lines_covered'], tot['lines']).strip()} | "
                      f"{pct(tot['branches_covered'], tot['branches']).strip()} | "
                      f"{tr_cov}/{tr_tot} | {lay} |")
            txt.append(f"{t:<20}{pct(tot['lines_covered'], tot['lines']):>8}"
                       f"{pct(tot['branches_covered'], tot['branches']):>9}"
                       f"{tr_cov:>8}/{tr_tot:<4}  {lay}")
        md += ["", "Per target, the percentages are of the protocol/ code linked into that "
               "target's binary."]
    with open(os.path.join(args.out, "coverage.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(txt))
    if findings:
        print(f"\n{len(findings)} undeclared transition(s): see {args.out}/coverage.md",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
