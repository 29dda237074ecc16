#!/usr/bin/env python3
"""Cost of srtrtp-metrics: bench-rtp's rows with the tracer off and on, side by
side in one run. The tracer can only be switched per process, so bench-rtp
runs alternately without and with GST_TRACERS="srtrtp-metrics(...)" (off, on,
off, on, ...), and scrapes the endpoint once a second while it runs; each row
shows the medians. `ours` is our element's CPU time per
packet; `vs theirs` is ours / gst-plugins-good's measured in the same process
(which the tracer does not touch), so machine noise between the processes
cancels out. cost = on / off of that ratio: 1.05 is 5% more CPU per packet.
    bench/metrics_cost.py BENCH_RTP [--rounds N] [bench-rtp arguments...]"""
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

args = sys.argv[1:]
bench = args.pop(0)
rounds = 3
if args[:1] == ["--rounds"]:
    rounds = int(args[1])
    args = args[2:]

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(tracer):
    env = dict(os.environ)
    env.pop("GST_TRACERS", None)
    port = free_port()
    if tracer:
        env["GST_TRACERS"] = f"srtrtp-metrics(address=127.0.0.1:{port})"
    p = subprocess.Popen([bench] + args, env=env, stdout=subprocess.PIPE, text=True)
    # With the tracer on, scrape once a second as Prometheus would (elements
    # time buffers only once their endpoint has been scraped).
    while tracer and p.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        except OSError:
            pass
        time.sleep(1)
    out = p.communicate()[0]
    if p.returncode != 0:
        sys.exit(f"bench-rtp failed ({p.returncode})")
    rows = {}
    for line in out.splitlines():
        if line.count("|") != 2 or line.startswith("input"):
            continue
        left, mid, _ = line.split("|")
        cells = mid.split()
        name = " ".join(left.split()[:-1])  # without the packet count
        rows[name] = (float(cells[1]), float(cells[1]) / float(cells[2]))  # ours, ours/theirs
    return rows

results = {False: [], True: []}
for r in range(rounds):
    for tracer in (False, True):
        results[tracer].append(run(tracer))
        print(f"  round {r + 1}/{rounds} tracer {'on' if tracer else 'off'} done", file=sys.stderr)

print(f"srtrtp-metrics cost: bench-rtp {' '.join(args)}; {rounds} alternating runs each, medians")
print(f"{'row':<86} {'ours off':>9} {'ours on':>9} {'vs theirs off':>13} {'on':>6} {'cost':>6}")
costs = []
names = [n for n in results[False][0] if all(n in r for r in results[False] + results[True])]
for name in names:
    off = [r[name] for r in results[False]]
    on = [r[name] for r in results[True]]
    o_ns, n_ns = statistics.median(x[0] for x in off), statistics.median(x[0] for x in on)
    o_r, n_r = statistics.median(x[1] for x in off), statistics.median(x[1] for x in on)
    costs.append(n_r / o_r)
    print(f"{name[:86]:<86} {o_ns:9.1f} {n_ns:9.1f} {o_r:13.3f} {n_r:6.3f} {n_r / o_r:6.3f}")
print(f"median cost over {len(costs)} rows: {statistics.median(costs):.3f}, "
      f"max {max(costs):.3f}")
print("ns per packet; cost = (ours/theirs with the tracer on) / (the same off)")
