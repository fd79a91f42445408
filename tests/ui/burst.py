#!/usr/bin/env python3
"""A steady burst for the dashboard test: CLIENTS threads each POST
{"TASK":"ECHO","DELAY_MS":D} to a master's /v1/tasks, one after the other,
until STOP_FILE exists. With more clients than the master's credits plus
lb.max_queue, its queue stays above lb.max_queue and it borrows workers.

    burst.py PORT TOKEN_FILE STOP_FILE [CLIENTS] [DELAY_MS]
"""
import http.client
import os
import sys
import threading
import time

port, token_file, stop_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 40
delay = int(sys.argv[5]) if len(sys.argv) > 5 else 150
with open(token_file) as f:
    token = f.readline().strip()
body = '{"TASK":"ECHO","PAYLOAD":"dashboard","DELAY_MS":%d}' % delay
answered = [0, 0]  # OK, other
lock = threading.Lock()


def client():
    while not os.path.exists(stop_file):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/v1/tasks", body, {"Content-Type": "application/json", "Authorization": "Bearer " + token})
            ok = conn.getresponse().status == 200
            conn.close()
        except OSError:
            ok = False
            time.sleep(0.05)
        with lock:
            answered[0 if ok else 1] += 1


threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("burst: %d answered OK, %d not" % tuple(answered))
