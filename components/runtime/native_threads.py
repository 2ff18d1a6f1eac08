"""Thread pools of the native libraries (BLAS, OpenMP), set deliberately for a shared server.

numpy, scipy and scikit-learn each load an OpenBLAS or OpenMP pool sized to the machine's cores.
On a server where every session runs its script on its own thread (and onnxruntime has its own
pool), a 2-thread BLAS call only waits for a core another session holds: on the loaded 2-core
development machine a 120 x 384 PCA plus a 240 x 240 cosine matrix took 0.51 s median (7.6 s at
worst) with the default 2 threads and 0.018 s (0.045 s at worst) with 1. The lab's matrices are
small, so one thread per call is also the fastest when the machine is idle.

No streamlit here; `services.startup.start()` calls `one_thread_per_call()` once per process.
"""

from __future__ import annotations

import threading

_LOCK = threading.Lock()
_LIMITED: set[str] = set()  # library paths already limited


def one_thread_per_call() -> int:
    """Limit every BLAS / OpenMP pool loaded so far to one thread (idempotent, thread-safe).

    Libraries loaded later (e.g. by a lazy import) keep their own default until this is called
    again.

    Returns:
        How many newly loaded pools were limited.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, nothing to do
        return 0
    with _LOCK:
        controller = ThreadpoolController()
        fresh = [pool for pool in controller.lib_controllers if pool.filepath not in _LIMITED]
        for pool in fresh:
            pool.set_num_threads(1)
            _LIMITED.add(pool.filepath)
        return len(fresh)
