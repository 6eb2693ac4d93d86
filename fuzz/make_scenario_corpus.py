#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/scenario (fuzz/corpus/scenario/): small versions of the shipped
scenarios (scenarios/default.toml and scenarios/examples/*.toml) and one seed per transport,
fault kind and topology shape, encoded in the input format of fuzz/README.md ("scenario: the
input format"; decoded by fuzz/scenario_input.hpp). Deterministic; run by fuzz/make_corpus.sh.

Usage: fuzz/make_scenario_corpus.py [OUT_DIR]   (default fuzz/corpus/scenario)
"""
import os
import sys

# Index tables of fuzz/scenario_input.hpp.
SHAPES = {"star": 0, "two": 1, "two2": 2, "mesh": 3, "mesh2": 4, "chain": 5, "dual": 6,
          "two_dh": 7}
TRANSPORTS = {"rtp": 0, "ctp": 1, "utp": 2}
SELECTORS = {"hash": 0, "adaptive": 1, "pinned": 2}
RATES = {"100G": 0, "400G": 1, "25G": 2, "200G": 3}
LATENCIES = {"100ns": 0, "10ns": 1, "1us": 2, "50ns": 3}
MTUS = {4096: 0, 1024: 1, 256: 2, 512: 3}
VL_BUFFERS = {"64KiB": 0, "16KiB": 1, "8KiB": 2, "256KiB": 3}
RETX = {"auto": 0, "gbn_fast": 1, "gbn_rto": 2, "selective_fast": 3, "selective_rto": 4}
PROCESSING = {"50ns": 0, "0": 1, "200ns": 2, "1us": 3}
OUTSTANDING = {64: 0, 1: 1, 2: 2, 4: 3, 8: 4, 16: 5, 32: 6, 3: 7}
OPS = {"write": 0, "read": 1, "send": 2, "load": 3, "store": 4, "fetch_add": 5}
WINDOWS = {0: 0, 1: 1, 2: 2, 4: 3, 8: 4}
BYTES = {64: 0, 256: 1, 1000: 2, 4096: 3, 8192: 4, 2048: 5, 1: 6, 3000: 7}
OP_BYTES = {4096: 0, 64: 1, 256: 2, 1024: 3, 512: 4, 8: 5, 100: 6, 2048: 7}
STARTS = {"0": 0, "1us": 1, "5us": 2, "20us": 3}
FAULTS = {"link_down": 0, "link_up": 1, "ber": 2, "lanes": 3, "switch_down": 4, "switch_up": 5,
          "link_flap": 6, "switch_flap": 7}
AT_NS = [0, 500, 1000, 2000, 3000, 5000, 8000, 10000, 15000, 20000, 30000, 50000, 80000,
         120000, 300000, 1000000]
FOR_NS = [100, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000,
          1500, 3000, 7000, 2000000]
BERS = {0: 0, 1e-9: 1, 1e-7: 2, 1e-6: 3, 1e-5: 4, 3e-5: 5, 1e-4: 6}


def header(shape, n, transport="rtp", rt=0, selector="hash", dwrr=False, vls=2, retry=True,
           cc=False, rate="100G", latency="100ns", mtu=4096, vl_buffer="64KiB", retx="auto",
           processing="50ns", outstanding=64, seed=1):
    assert 2 <= n <= 8
    h0 = SHAPES[shape] | (n - 2) << 3 | TRANSPORTS[transport] << 6
    h1 = rt | SELECTORS[selector] << 2 | dwrr << 4 | (vls == 1) << 5 | (not retry) << 6 | cc << 7
    h2 = RATES[rate] | LATENCIES[latency] << 2 | MTUS[mtu] << 4 | VL_BUFFERS[vl_buffer] << 6
    h3 = RETX[retx] | PROCESSING[processing] << 3 | OUTSTANDING[outstanding] << 5
    return [h0, h1, h2, h3, seed - 1]


def flow(op, src, dst, nbytes, op_bytes=4096, window=0, priority=0, small=False, start="0",
         after_prev=False, after_prev2=False, rate=False, repeat=False):
    assert src != dst and src < 8 and dst < 8
    f0 = OPS[op] | WINDOWS[window] << 3 | priority << 6 | small << 7
    f1 = src | dst << 3
    f2 = BYTES[nbytes] | OP_BYTES[op_bytes] << 3 | STARTS[start] << 6
    f3 = after_prev | after_prev2 << 1 | rate << 2 | repeat << 3
    return [f0, f1, f2, f3]


def fault(kind, target, at_ns, for_ns=100, value=0):
    k2 = BERS[value] if kind == "ber" else (value - 1 if kind == "lanes" else 0)
    return [FAULTS[kind] | target << 3, AT_NS.index(at_ns) | FOR_NS.index(for_ns) << 4, k2]


def seed(h, flows, faults=()):
    assert 1 <= len(flows) <= 8
    out = h + [len(flows) - 1]
    for f in flows:
        out += f
    for k in faults:
        out += k
    return bytes(out)


def recipes():
    r = {}
    # scenarios/default.toml: a rack's full mesh with a ring of writes, load streams and random
    # writes; one link fails and comes back.
    r["default-mesh"] = seed(
        header("mesh", 8, rt=2, rate="400G"),
        [flow("write", 0, 1, 4096), flow("write", 1, 2, 4096, after_prev=True),
         flow("write", 2, 3, 4096, after_prev=True),
         flow("load", 0, 5, 1000, op_bytes=64, window=4),
         flow("write", 6, 3, 8192, start="1us")],
        [fault("link_flap", 0, 1000, 5000)])
    # scenarios/examples/incast.toml: a star's hosts write to host 0 at once; FECN marking,
    # C-AQM and the transport's congestion control.
    r["incast"] = seed(
        header("star", 8, cc=True, latency="1us"),
        [flow("write", i, 0, 4096) for i in range(1, 8)])
    # scenarios/examples/custom-ring-deadlock.toml: packets sprayed over the two paths between
    # two switches, one VL and small buffers.
    r["spray-one-vl"] = seed(
        header("two2", 4, rt=3, vls=1, mtu=1024, vl_buffer="8KiB"),
        [flow("write", 0, 3, 8192), flow("write", 1, 2, 8192), flow("write", 3, 0, 8192),
         flow("write", 2, 1, 8192)])
    # scenarios/examples/clos-cm384-moe.toml: dispatch (sends) to experts, then combine back.
    r["moe-dual-homed"] = seed(
        header("dual", 6, selector="adaptive", rt=1),
        [flow("send", 0, 4, 1000), flow("send", 1, 5, 1000), flow("send", 2, 4, 1000),
         flow("send", 4, 0, 1000, after_prev=True, after_prev2=True),
         flow("send", 5, 1, 1000, after_prev2=True)])
    # scenarios/examples/ub-mesh-pod.toml: loads and stores over a mesh with two links a pair.
    r["ub-mesh-ldst"] = seed(
        header("mesh2", 4, rt=0, rate="400G", latency="50ns"),
        [flow("load", 0, 3, 1000, op_bytes=64, window=8),
         flow("store", 1, 2, 1000, op_bytes=64, window=8),
         flow("fetch_add", 3, 1, 64, op_bytes=8)])
    # One per transport, fault kind and shape.
    r["ctp-link-flap"] = seed(
        header("two", 4, transport="ctp"),
        [flow("write", 0, 3, 4096), flow("read", 3, 0, 4096)],
        [fault("link_flap", 0, 500, 2000)])
    r["utp-sends"] = seed(
        header("star", 3, transport="utp", mtu=1024),
        [flow("send", 0, 1, 3000, op_bytes=1024), flow("send", 2, 1, 256)])
    r["ber-no-retry"] = seed(
        header("star", 2, retry=False, retx="selective_fast"),
        [flow("write", 0, 1, 8192, op_bytes=1024)],
        [fault("ber", 0, 0, value=1e-5)])
    r["ber-retry"] = seed(
        header("chain", 3),
        [flow("read", 0, 2, 8192)],
        [fault("ber", 1, 0, value=1e-5), fault("ber", 1, 20000, value=0)])
    r["lanes"] = seed(
        header("two_dh", 4, rate="25G"),
        [flow("write", 0, 3, 8192), flow("write", 1, 2, 8192)],
        [fault("lanes", 0, 1000, value=1), fault("lanes", 0, 5000, value=4)])
    r["switch-flap"] = seed(
        header("two", 4, retx="gbn_rto"),
        [flow("write", 0, 2, 4096, window=1), flow("read", 1, 3, 4096)],
        [fault("switch_flap", 1, 1000, 3000)])
    r["switch-down-for-good"] = seed(
        header("star", 3),
        [flow("write", 0, 1, 4096)],
        [fault("switch_down", 0, 500)])
    r["open-loop-priorities"] = seed(
        header("two", 6, dwrr=True, outstanding=4),
        [flow("write", 0, 5, 8192, rate=True, priority=1), flow("write", 1, 4, 8192),
         flow("read", 2, 3, 4096, repeat=True, start="5us")])
    return r


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "scenario")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(recipes().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"scenario: {len(recipes())} seeds")


if __name__ == "__main__":
    main()
