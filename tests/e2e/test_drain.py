"""SIGTERM stops accepting, lets in-flight requests finish, and exits 0."""
import http.client
import signal
import threading
import time


def test_sigterm_drains_and_exits_zero(make_server):
    server = make_server({"AGENTGATE_RATE_BURST": "1000"})
    results = []

    def worker():
        for _ in range(20):
            try:
                results.append(server.ask("Versand nach Österreich").status)
            except (OSError, http.client.HTTPException):  # the listener closed
                results.append("refused")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(results) < 8 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert server.stop(signal.SIGTERM) == 0
    for t in threads:
        t.join(timeout=30)
    # Every request either completed normally or was refused after the listener closed.
    assert set(results) <= {200, "refused"}
    assert results.count(200) >= 8
    assert "drained in_flight_left=0" in server.read_log()
