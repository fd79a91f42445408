#!/usr/bin/env python3
"""Federation timings with default settings (peer.* and lb.* untouched except
the peers list): saturation -> first borrowed worker executing, drain -> all
workers home, kill -9 -> peer DEAD, and false DEAD verdicts while a flood
saturates both cores. Writes bench/results/federation-<date>.json."""
import json, os, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
state = tempfile.mkdtemp(prefix="orchd-fed-")
procs = {}


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def start(name, props):
    path = os.path.join(state, name + ".properties")
    with open(path, "w") as f:
        f.write(props + "logging.loggers.root.channel = file\nlogging.channels.file.class = FileChannel\n"
                "logging.channels.file.path = %s/%s.log\n" % (state, name))
    procs[name] = subprocess.Popen([os.path.join(BIN, "orchd"), "--config=" + path])


def log(name):
    try:
        return open(os.path.join(state, name + ".log")).read()
    except OSError:
        return ""


def wait(cond, timeout=30.0, step=0.02):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(step)
    return False


def status(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/v1/status" % port, timeout=5) as r:
        return json.load(r)


ports = {"fa": free_port(), "fb": free_port()}
for m, other in (("fa", "fb"), ("fb", "fa")):
    start(m, "orchd.role = master\norchd.id = %s\nplugins.dir = %s/build/plugins\nmaster.listen = 127.0.0.1:%d\n"
             "master.peers = %s@127.0.0.1:%d\nqueue.capacity = 100000\n" % (m, ROOT, ports[m], other, ports[other]))
for m in ports:
    assert wait(lambda: "master listening" in log(m))
def worker(name, home, concurrency):
    start(name, "orchd.role = worker\norchd.id = %s\nplugins.dir = %s/build/plugins\nstore.connection = %s/a.db\n"
                "worker.home = %s@127.0.0.1:%d\nworker.concurrency = %d\n" % (name, ROOT, state, home, ports[home], concurrency))
    assert wait(lambda: "connected to master" in log(name))
worker("wa1", "fa", 1)
worker("wb1", "fb", 4)
worker("wb2", "fb", 4)
assert wait(lambda: "fb: UNKNOWN -> ALIVE" in log("fa"))

results = {}
try:
    bench = subprocess.Popen([os.path.join(BIN, "orchctl"), "--master", "127.0.0.1:%d" % ports["fa"], "bench", "--tasks=60000",
                              "--concurrency=256", "--mix=ECHO:100", "--accounts=1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert wait(lambda: status(ports["fa"])["queue"]["depth"] > 100, 30, 0.01)
    saturated = time.time()
    def borrowed_busy():
        return any(w.get("borrowed") and w["completed"] > 0 for w in status(ports["fa"])["workers"])
    assert wait(borrowed_busy, 30, 0.01), log("fa")
    results["saturation_to_borrowed_worker_executing_s"] = round(time.time() - saturated, 3)
    out, _ = bench.communicate(timeout=300)
    drained = time.time()
    results["bench"] = out.strip().splitlines()[-6:]
    def all_home():
        s = status(ports["fb"])
        return sum(1 for w in s["workers"] if w["owner"] == "fb" and w["state"] != "lent") == 2 and \
            not any(w.get("borrowed") for w in status(ports["fa"])["workers"])
    assert wait(all_home, 30, 0.01), log("fa") + log("fb")
    results["drain_to_all_home_s"] = round(time.time() - drained, 3)
    results["false_dead_verdicts_during_flood"] = log("fa").count("-> DEAD") + log("fb").count("-> DEAD")
    procs["fb"].send_signal(signal.SIGKILL)
    killed = time.time()
    def dead():
        return any(p["id"] == "fb" and p["state"] == "DEAD" for p in status(ports["fa"])["peers"])
    assert wait(dead, 30, 0.01)
    results["kill_to_peer_dead_s"] = round(time.time() - killed, 3)
    results["settings"] = "defaults: peer.heartbeat_ms 1000, peer.dead_after_ms 5000, lb.max_queue 100, lb.min_queue 10, lb.window_ms 1000, lb.cooldown_ms 2000"
finally:
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs.values():
        try:
            p.wait(timeout=40)
        except subprocess.TimeoutExpired:
            p.kill()

os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
path = os.path.join(ROOT, "bench", "results", "federation-%s.json" % time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
with open(path, "w") as f:
    json.dump(results, f, indent=2)
targets = {"saturation_to_borrowed_worker_executing_s": 2.0, "drain_to_all_home_s": 3.0, "kill_to_peer_dead_s": 5.0}
print("%-44s %10s %10s" % ("measure", "seconds", "target"))
for key, target in targets.items():
    print("%-44s %10.3f %10s  %s" % (key, results[key], "<= %.1f" % target, "met" if results[key] <= target else "NOT MET"))
print("%-44s %10d %10s  %s" % ("false DEAD verdicts during the flood", results["false_dead_verdicts_during_flood"], "0",
                               "met" if results["false_dead_verdicts_during_flood"] == 0 else "NOT MET"))
print("results:", path)
