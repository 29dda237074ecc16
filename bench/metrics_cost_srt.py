#!/usr/bin/env python3
"""Cost of srtrtp-metrics on srtbondsink and srtbondsrc: one SRT stream over
loopback between two gst-launch-1.0 processes (fakesrc ! srtbondsink, caller;
srtbondsrc ! fakesink, listener), run alternately without and with
GST_TRACERS="srtrtp-metrics(...)" in both (off, on, off, on, ...), the
endpoints scraped once a second while it runs as Prometheus would. Each
side's CPU time (wait4) per message, medians; cost = on / off.
    bench/metrics_cost_srt.py [--rounds N] [--seconds S] [--rate MBIT/S]"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

PAYLOAD = 1316

parser = argparse.ArgumentParser()
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--seconds", type=float, default=10)
parser.add_argument("--rate", type=float, default=50, help="Mbit/s of payload")
opts = parser.parse_args()
messages = int(opts.rate * 1e6 / 8 / PAYLOAD * opts.seconds)


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(ports):
    for port in ports:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        except OSError:
            pass


def cpu_of(proc, scrape_ports=()):
    """Waits for `proc` (scraping `scrape_ports` once a second meanwhile) and
    returns its CPU seconds."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if scrape_ports else 0)
        if pid:
            break
        scrape(scrape_ports)
        time.sleep(1)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if proc.returncode != 0:
        sys.exit(f"gst-launch-1.0 (pid {proc.pid}) failed with {proc.returncode}")
    return usage.ru_utime + usage.ru_stime


def run(tracer):
    srt_port = free_port(socket.SOCK_DGRAM)
    metric_ports = (free_port(), free_port())
    envs = []
    for port in metric_ports:
        env = dict(os.environ)
        env.pop("GST_TRACERS", None)
        if tracer:
            env["GST_TRACERS"] = f"srtrtp-metrics(address=127.0.0.1:{port})"
        envs.append(env)
    recv = subprocess.Popen(
        ["gst-launch-1.0", "-q", "srtbondsrc", f"uri=srt://127.0.0.1:{srt_port}?mode=listener",
         "!", "fakesink", "sync=false"], env=envs[0], stdout=subprocess.DEVNULL)
    # No wait for the listener: a caller repeats its induction until it answers.
    send = subprocess.Popen(
        ["gst-launch-1.0", "-q", "fakesrc", f"num-buffers={messages}", "sizetype=fixed",
         f"sizemax={PAYLOAD}", "filltype=zero", f"datarate={int(opts.rate * 1e6 / 8)}", "sync=true",
         "!", "srtbondsink", f"uri=srt://127.0.0.1:{srt_port}?mode=caller"],
        env=envs[1], stdout=subprocess.DEVNULL)
    send_cpu = cpu_of(send, metric_ports if tracer else ())
    recv_cpu = cpu_of(recv)
    return send_cpu / messages * 1e6, recv_cpu / messages * 1e6


results = {False: [], True: []}
for r in range(opts.rounds):
    for tracer in (False, True):
        results[tracer].append(run(tracer))
        print(f"  round {r + 1}/{opts.rounds} tracer {'on' if tracer else 'off'} done",
              file=sys.stderr)

print(f"srtrtp-metrics cost on SRT elements: {opts.rate} Mbit/s of {PAYLOAD}-byte messages for "
      f"{opts.seconds} s over loopback, {opts.rounds} alternating runs each, medians")
print(f"{'element':<14} {'us/msg off':>11} {'us/msg on':>10} {'cost':>6}")
for i, name in enumerate(("srtbondsink", "srtbondsrc")):
    off = statistics.median(x[i] for x in results[False])
    on = statistics.median(x[i] for x in results[True])
    print(f"{name:<14} {off:11.3f} {on:10.3f} {on / off:6.3f}")
print("us of process CPU per message (gst-launch-1.0 start-up included); cost = on / off")
