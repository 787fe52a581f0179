#!/usr/bin/env python3
"""Counts the aarch64 instructions edgert executes per invoke of real models.

The machine here has no aarch64 CPU to time the NEON kernels on, so this
measures their work instead: the aarch64 edgert-bench (cross-built into
build-arm, as scripts/test-arm.sh builds its tests) runs under qemu-aarch64
with tools/qemu/insn_count_plugin.c, once with 1 timed run and once with 3
(no warm-up); half the difference is the instructions of one invoke, without
load, prepare and the first run. The emulated CPU picks the ISA level
(cortex-a53: neon; cortex-a76: neon-dotprod with fp16; max: neon-i8mm).

Instructions are not time (they differ in latency and throughput, and memory
is not modelled), but for the same model and level, fewer instructions from a
kernel change is a real saving, and a scalar reference kernel left on the path
shows up as a large share.

  scripts/arm-insn-count.py MODEL.ert [MODEL.ert ...] [--cpu cortex-a53 --cpu cortex-a76 ...]
      [--isa LEVEL] [--profile [N]] [--bench PATH] [--json]

--profile lists the N functions (default 15) with the most instructions per
invoke (the same 3-runs-minus-1-run difference, by function of the bench
binary's symbol table; code in shared libraries counts as [shared library]).
--isa sets EDGERT_ISA (a lower level, or reference) for the runs.
"""
import argparse
import bisect
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("EDGERT_ARM_BUILD", os.path.join(ROOT, "build-arm"))
PLUGIN_SRC = os.path.join(ROOT, "tools", "qemu", "insn_count_plugin.c")
# Where qemu-user maps a position-independent aarch64 executable (its load bias).
PIE_BASE = 0x5500000000
DEFAULT_CPUS = ["cortex-a53", "cortex-a76", "max"]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build(bench_path):
    """Builds the aarch64 edgert-bench (unless given) and the plugin; returns their paths."""
    if bench_path is None:
        run(["bash", os.path.join(ROOT, "scripts", "install-deps-arm.sh")], stdout=subprocess.DEVNULL)
        if not os.path.exists(os.path.join(BUILD, "build.ninja")):
            run(["cmake", "-S", ROOT, "-B", BUILD, "-G", "Ninja",
                 "-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(ROOT, "cmake", "aarch64-linux-gnu.cmake"),
                 "-DCMAKE_BUILD_TYPE=Release", "-DEDGERT_BUILD_BENCH=OFF"], stdout=subprocess.DEVNULL)
        run(["cmake", "--build", BUILD, "--target", "edgert-bench"], stdout=subprocess.DEVNULL)
        bench_path = os.path.join(BUILD, "bin", "edgert-bench")
    plugin = os.path.join(BUILD, "libinsn_count.so")
    if not os.path.exists(plugin) or os.path.getmtime(plugin) < os.path.getmtime(PLUGIN_SRC):
        os.makedirs(BUILD, exist_ok=True)
        # The plugin's QEMU entry points are resolved by qemu when it loads the plugin.
        run(["cc", "-shared", "-fPIC", "-O2", PLUGIN_SRC, "-o", plugin, "-Wl,--unresolved-symbols=ignore-all"])
    return bench_path, plugin


def count(bench, plugin, model, cpu, isa, runs, pcs=None):
    """Instructions of one bench process (and, with pcs, the per-block file)."""
    env = dict(os.environ, QEMU_CPU=cpu)
    if isa:
        env["EDGERT_ISA"] = isa
    spec = plugin + (",pcs=" + pcs if pcs else "")
    p = subprocess.run(["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-plugin", spec, bench, model, "--runs",
                        str(runs), "--warmup", "0"], env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"edgert-bench failed on {model} ({cpu}):\n{p.stdout}\n{p.stderr}")
    for line in p.stderr.splitlines():
        if line.startswith("instructions: "):
            return int(line.split()[1])
    sys.exit("the plugin printed no count:\n" + p.stderr)


def symbols(bench):
    """Sorted (start address, name) of the bench binary's functions, at the load bias."""
    out = subprocess.run(["aarch64-linux-gnu-nm", "-C", "--defined-only", "-n", bench], capture_output=True,
                         text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16) + PIE_BASE, parts[2]))
    return syms


def by_function(pcs_file, syms, text_end):
    starts = [s for s, _ in syms]
    totals = {}
    with open(pcs_file) as f:
        for line in f:
            addr, n = line.split()
            a, n = int(addr, 16), int(n)
            i = bisect.bisect_right(starts, a) - 1
            name = syms[i][1] if i >= 0 and a < text_end else "[shared library]"
            totals[name] = totals.get(name, 0) + n
    return totals


def short(name, width=110):
    return name if len(name) <= width else name[:width - 3] + "..."


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--cpu", action="append", help="qemu CPU model (repeatable; default: %s)" % " ".join(DEFAULT_CPUS))
    ap.add_argument("--isa", default="", help="EDGERT_ISA for the runs")
    ap.add_argument("--profile", nargs="?", const=15, type=int, default=0)
    ap.add_argument("--bench", help="an aarch64 edgert-bench to use instead of building build-arm's")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    bench, plugin = build(args.bench)
    cpus = args.cpu or DEFAULT_CPUS
    syms = symbols(bench) if args.profile else None
    text_end = syms[-1][0] + 4096 if syms else 0
    results = []
    for model in args.models:
        for cpu in cpus:
            with tempfile.TemporaryDirectory() as tmp:
                pcs1 = os.path.join(tmp, "1.txt") if args.profile else None
                pcs3 = os.path.join(tmp, "3.txt") if args.profile else None
                one = count(bench, plugin, model, cpu, args.isa, 1, pcs1)
                three = count(bench, plugin, model, cpu, args.isa, 3, pcs3)
                per_invoke = (three - one) / 2
                row = {"model": os.path.basename(model), "cpu": cpu, "isa": args.isa or "best",
                       "instructions_per_invoke": per_invoke}
                if args.profile:
                    f1, f3 = by_function(pcs1, syms, text_end), by_function(pcs3, syms, text_end)
                    fn = {k: (f3.get(k, 0) - f1.get(k, 0)) / 2 for k in set(f1) | set(f3)}
                    row["functions"] = sorted(((v, k) for k, v in fn.items() if v > 0), reverse=True)[:args.profile]
                results.append(row)
                if not args.json:
                    print("%-40s %-11s %-10s %9.2f M instructions per invoke" %
                          (row["model"], cpu, row["isa"], per_invoke / 1e6), flush=True)
                    for v, k in row.get("functions", []):
                        print("    %8.2f M %5.1f%%  %s" % (v / 1e6, 100 * v / per_invoke, short(k)))
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
