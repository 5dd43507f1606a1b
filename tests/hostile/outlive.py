"""Start processes that outlive the run: fork + setsid (a daemon), subprocess, multiprocessing, a thread."""
import multiprocessing
import os
import subprocess
import threading
import time

import numpy as np

started = []
try:
    if os.fork() == 0:
        os.setsid()
        os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 300 # __TOKEN__"])
    started.append("fork")
except OSError:
    pass
try:
    subprocess.Popen(["/bin/sh", "-c", "sleep 300 # __TOKEN__"], start_new_session=True)
    started.append("subprocess")
except OSError:
    pass
try:
    multiprocessing.Process(target=time.sleep, args=(300,), daemon=False).start()
    started.append("multiprocessing")
except OSError:
    pass
threading.Thread(target=time.sleep, args=(300,), daemon=False).start()  # a non-daemon thread: the job must still end


def compute_mean_variance(X):
    return np.zeros((X.shape[0], 1)), np.full((X.shape[0], 1), float(len(started)))
