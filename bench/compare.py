#!/usr/bin/env python3
"""Puts orchd's and gearmand's figures from one bench/run.sh run side by
side, with the ratio and the performance issue's targets, and draws PNG
charts with gnuplot (throughput per point; p50/p99).
Usage: compare.py ORCHD.json GEARMAND.json OUTPUT_PREFIX
       compare.py --scale ORCHD.json IDLE.json FLOOR.json
The second form prints the floors (SQLite alone, WebSocket round trips
through orchd's event loop), each orchd figure as a fraction of its floor,
and the 1,000-idle-workers target."""
import json, shutil, subprocess, sys


def scale(orchd, idle, floor, misbehave):
    print("\nfloors (same machine, same run)")
    for f in floor:
        if f["floor"] == "sqlite":
            print("  SQLite alone, one connection: %-17s %3d per transaction  %9.0f updates/s" % (f["job"], f["per_transaction"], f["updates_per_second"]))
        else:
            print("  WebSocket round trips via orchd's event loop, %2d in flight: %9.0f/s  p50 %.3f ms  p99 %.3f ms" % (
                f["concurrency"], f["round_trips_per_second"], f["p50_ms"], f["p99_ms"]))
    ws = {f["concurrency"]: f["round_trips_per_second"] for f in floor if f["floor"] == "websocket"}
    sq = max((f["updates_per_second"] for f in floor if f["floor"] == "sqlite" and f["job"] == "idempotent_update"), default=0)
    print("\norchd as a fraction of its floor (a task is two round trips: client-master, master-worker)")
    for r in orchd:
        if r["mix"] == "ECHO:100":
            trips = ws.get(r["concurrency"]) or max(ws.values(), default=0)
            if trips:
                print("  ECHO   %d / %-3d %9.0f tasks/s = %3.0f%% of %9.0f (round trips / 2)" % (r["workers"], r["concurrency"], r["tasks_per_second"],
                      100.0 * r["tasks_per_second"] / (trips / 2), trips / 2))
        if r["mix"] == "UPDATE:100" and sq:
            print("  UPDATE %d / %-3d %9.0f tasks/s = %3.0f%% of %9.0f (SQLite, idempotent, batched)" % (r["workers"], r["concurrency"], r["tasks_per_second"],
                  100.0 * r["tasks_per_second"] / sq, sq))
    def median(rows):
        rows = sorted(rows, key=lambda r: r["tasks_per_second"])
        return rows[len(rows) // 2] if rows else None
    base = median([r for r in idle if r["idle_workers"] == 0])
    loaded = median([r for r in idle if r["idle_workers"] > 0])
    if base and loaded:
        ratio = loaded["tasks_per_second"] / base["tasks_per_second"] if base["tasks_per_second"] else 0
        rss_mib = loaded["master_rss_kib"] / 1024.0
        ok = rss_mib <= 64 and ratio >= 0.9
        print("\nidle workers: ECHO 2 / 16 with %d idle worker connections, median of %d runs: %.0f tasks/s (%.0f without, %.0f%%), master RSS %.1f MiB (%.1f without)"
              "  target RSS <= 64 MiB, throughput within 10%%: %s" % (loaded["idle_workers"], len(idle) // 2, loaded["tasks_per_second"], base["tasks_per_second"],
              100 * ratio, rss_mib, base["master_rss_kib"] / 1024.0, "met" if ok else "NOT MET"))
    calm = next((r for r in misbehave if r["misbehaving_clients"] == 0), None)
    bad = next((r for r in misbehave if r["misbehaving_clients"] > 0), None)
    if calm and bad:
        rise = bad["p99_ms"] - calm["p99_ms"]
        print("misbehaving clients: ECHO 2 / 16 while one client sits mid-frame and one floods without reading: p99 %.2f ms (%.2f without, %+.2f ms),"
              " %.0f tasks/s (%.0f without)  target p99 rise <= 1 ms: %s" % (bad["p99_ms"], calm["p99_ms"], rise, bad["tasks_per_second"],
              calm["tasks_per_second"], "met" if rise <= 1.0 else "NOT MET"))


if sys.argv[1] == "--scale":
    scale(json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), json.load(open(sys.argv[4])), json.load(open(sys.argv[5])))
    sys.exit(0)

orchd = json.load(open(sys.argv[1]))
gear = json.load(open(sys.argv[2]))
prefix = sys.argv[3]
MIX = {"echo": "ECHO:100", "update": "UPDATE:100"}
TARGET = {"echo": 2.0, "update": 1.5}

rows = []
for g in gear:
    o = next((r for r in orchd if r["mix"] == MIX[g["job"]] and r["workers"] == g["workers"] and r["concurrency"] == g["concurrency"]), None)
    if not o:
        continue
    ratio = o["tasks_per_second"] / g["tasks_per_second"] if g["tasks_per_second"] else 0
    ok = ratio >= TARGET[g["job"]] and (o["p99_ms"] <= g["p99_ms"] or g["job"] != "echo")
    rows.append((g["job"], g["workers"], g["concurrency"], o, g, ratio, ok))

print("%-7s %7s %9s | %10s %8s %8s | %10s %8s %8s | %7s %7s  %s" % ("job", "workers", "in_flight", "orchd/s", "p50", "p99",
      "gearmand/s", "p50", "p99", "ratio", "target", "verdict"))
for job, w, c, o, g, ratio, ok in rows:
    print("%-7s %7d %9d | %10.0f %8.2f %8.2f | %10.0f %8.2f %8.2f | %6.2fx %6.1fx  %s" % (job, w, c, o["tasks_per_second"], o["p50_ms"], o["p99_ms"],
          g["tasks_per_second"], g["p50_ms"], g["p99_ms"], ratio, TARGET[job], "met" if ok else "NOT MET"))

with open(prefix + ".dat", "w") as f:
    for job, w, c, o, g, ratio, ok in rows:
        f.write("%s-%d/%d %.1f %.1f %.3f %.3f %.3f %.3f\n" % (job, w, c, o["tasks_per_second"], g["tasks_per_second"],
                o["p50_ms"], o["p99_ms"], g["p50_ms"], g["p99_ms"]))
if shutil.which("gnuplot") and rows:
    script = """
set terminal pngcairo size 900,500
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set key top right
set grid ytics
set yrange [0:*]
set output '{p}-throughput.png'
set title 'Throughput (tasks/s): job-workers/in flight, orchd vs gearmand, same machine, same run'
set ylabel 'tasks/s'
plot '{p}.dat' using 2:xtic(1) title 'orchd', '' using 3 title 'gearmand'
set output '{p}-latency.png'
set title 'Latency percentiles (ms)'
set ylabel 'ms'
plot '{p}.dat' using 4:xtic(1) title 'orchd p50', '' using 5 title 'orchd p99', '' using 6 title 'gearmand p50', '' using 7 title 'gearmand p99'
""".format(p=prefix)
    subprocess.run(["gnuplot"], input=script, text=True, check=False)
    print("charts: %s-throughput.png %s-latency.png" % (prefix, prefix))
