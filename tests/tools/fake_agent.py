"""A fake pirackd control socket for libpirackpace's tests.

fake_agent.py SOCKET DELAY LOG [PACES]: answers each request line, in
order, after DELAY seconds; "pace" with the next of PACES (a comma list,
the last repeating; default 1), "report ..." with ok. Logs each request's
first word to LOG. One thread per connection, as many as come.
"""
import json
import socketserver
import sys
import threading
import time

sock, delay, log = sys.argv[1], float(sys.argv[2]), sys.argv[3]
paces = [float(x) for x in (sys.argv[4] if len(sys.argv) > 4 else "1").split(",")]
asked = 0
lock = threading.Lock()


def next_pace():
    global asked
    with lock:
        pace = paces[min(asked, len(paces) - 1)]
        asked += 1
    return pace


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            self.serve()
        except (BrokenPipeError, ConnectionResetError):
            pass  # a rank that ended with a reply on its way

    def serve(self):
        for raw in self.rfile:
            line = raw.decode(errors="replace").strip()
            with open(log, "a") as f:
                f.write(line.split(" ")[0] + "\n")
            time.sleep(delay)
            if line == "pace":
                r = {"node": "fake", "pace": next_pace(), "temp_c": 60.0,
                     "target_c": 77, "limit_c": 80}
            elif line.startswith("report "):
                r = {"ok": True}
            else:
                r = {"error": "unknown request"}
            self.wfile.write((json.dumps(r) + "\n").encode())
            self.wfile.flush()


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


Server(sock, Handler).serve_forever()
