"""Times generated NumPy modules against the hand-written functions of numpy_handwritten.py: per
case, batches of at least 2 ms, the two functions interleaved round by round, the median per call.
Also checks that both agree. argv: a JSON file of jobs {source, module, inputs: {key: nested lists}},
the time budget per case in ms. Prints one JSON result per job."""
import importlib.util, json, os, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_handwritten as hand

jobs = json.load(open(sys.argv[1]))
budget = float(sys.argv[2]) / 1000.0


def per_call(f, seconds):
    start = time.perf_counter()
    calls = 0
    while calls < 5 or time.perf_counter() - start < seconds * 0.1:
        f()
        calls += 1
    return (time.perf_counter() - start) / calls


out = []
for k, job in enumerate(jobs):
    spec = importlib.util.spec_from_file_location(f"generated_{k}", job["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    inputs = {key: np.asarray(v, dtype=np.float64) if isinstance(v, list) else float(v) for key, v in job["inputs"].items()}
    written = hand.BY_SOURCE[job["source"]]
    value, grad = module.value_and_grad(inputs)
    value_h, grad_h = written({key: (v.copy() if isinstance(v, np.ndarray) else v) for key, v in inputs.items()})
    worst = abs(value - value_h) / max(1.0, abs(value_h))
    for key, g in grad_h.items():
        worst = max(worst, float(np.linalg.norm(np.asarray(grad[key]) - g) / max(1e-300, np.linalg.norm(g))))
    fns = {"generated": lambda: module.value_and_grad(inputs), "handwritten": lambda: written(inputs)}
    batch = {name: max(1, int(np.ceil(0.002 / per_call(f, budget)))) for name, f in fns.items()}
    samples = {name: [] for name in fns}
    start = time.perf_counter()
    rounds = 0
    while rounds < 7 or (time.perf_counter() - start < budget * 2 and rounds < 200):
        for name, f in fns.items():
            t0 = time.perf_counter()
            for _ in range(batch[name]):
                f()
            samples[name].append((time.perf_counter() - t0) / batch[name])
        rounds += 1
    ms = {name: float(np.median(s)) * 1000.0 for name, s in samples.items()}
    out.append({"generatedMs": ms["generated"], "handwrittenMs": ms["handwritten"], "ratio": ms["generated"] / ms["handwritten"], "relativeError": worst, "rounds": rounds})
print(json.dumps(out))
