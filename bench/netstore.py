#!/usr/bin/env python3
"""Prints bench/netstore.sh's results: orchd beside gearmand per backend and
point, the database floors, and the scale rows, with the targets of the
stores issue (orchd >= 3x gearmand on UPDATE at (4, 64); scale within 20 %
of the 64-account figure; balance OK everywhere)."""
import json
import sys

rows = json.load(open(sys.argv[1]))
ok = True
for backend in sorted({r["backend"] for r in rows}):
    print(f"\n{backend}")
    print(f"  {'mix':34} {'W':>2} {'in flight':>9} {'orchd/s':>9} {'p99 ms':>7} {'gearmand/s':>10} {'p99 ms':>7} {'ratio':>6}  balance")
    gear = {(r["workers"]): r for r in rows if r["backend"] == backend and r["kind"] == "gearmand"}
    for r in rows:
        if r["backend"] != backend or r["kind"] != "orchd":
            continue
        g = gear.get(r["workers"]) if r["mix"] == "UPDATE:100" else None
        ratio = r["tasks_per_second"] / g["tasks_per_second"] if g else None
        verdict = ""
        if g and r["workers"] == 4:
            verdict = "  target >= 3x: " + ("met" if ratio >= 3 else "NOT met")
        print(f"  {r['mix']:34} {r['workers']:>2} {r['concurrency']:>9} {r['tasks_per_second']:>9.0f} {r['p99_ms']:>7.2f} "
              + (f"{g['tasks_per_second']:>10.0f} {g['p99_ms']:>7.2f} {ratio:>5.2f}x" if g else f"{'':>10} {'':>7} {'':>6}")
              + f"  {'OK' if r['balance_ok'] else 'MISMATCH'}{verdict}")
        ok = ok and r["balance_ok"]
    for r in rows:
        if r["backend"] == backend and r["kind"] == "floor":
            print(f"  floor: {r['mix']:>14} per transaction, one connection: {r['updates_per_second']:>9.0f} updates/s")
    scale = [r for r in rows if r["backend"] == backend and r["kind"] == "scale"]
    base = next((r["tasks_per_second"] for r in scale if r["accounts"] == 64), None)
    for r in scale:
        rel = r["tasks_per_second"] / base if base else 0
        print(f"  scale: UPDATE (4, 64) over {r['accounts']:>9,} accounts: {r['tasks_per_second']:>8.0f}/s = {rel:.0%} of 64"
              + f"  balance {'OK' if r['balance_ok'] else 'MISMATCH'}" + ("" if rel >= 0.8 else "  (target: within 20 %: NOT met)"))
        ok = ok and r["balance_ok"]
sys.exit(0 if ok else 1)
