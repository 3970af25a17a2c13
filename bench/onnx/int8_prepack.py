"""Issue #18: does ONNX Runtime's MatMulInteger gain from pre-packing constant int8 codes?

One MatMulInteger node, queries uint8 [Q x D] times codes int8 [D x N], scores int32 [Q x N] written into a
preallocated buffer (IOBinding, as the Java scorer binds its output). The codes go in three ways:
  input     - a graph input on every call (today's OnnxInt8Scorer): MLAS packs B on every run
  init      - a constant initializer embedded in the model: ONNX Runtime pre-packs B once at session creation
  external  - an initializer declared with an external-data location, its data handed over by
              SessionOptions.add_external_initializers (the route the Java API's addExternalInitializers takes)
  noprepack - as init, with session.disable_prepacking=1 (the control)
Rounds alternate the modes; every round is printed. Usage:
  python int8_prepack.py [--rounds 3] [--calls 10] [--queries 252,1000] [--rows 4096,16384,65536] [--modes ...]
"""
import argparse, os, resource, time
import numpy as np, onnxruntime as ort
from onnx import helper, TensorProto as T

D = 512


def model(mode, n):
    a = helper.make_tensor_value_info("queries", T.UINT8, [None, D])
    y = helper.make_tensor_value_info("scores", T.INT32, [None, n if mode != "input" else None])
    node = helper.make_node("MatMulInteger", ["queries", "codes"], ["scores"])
    inputs, inits = [a], []
    if mode == "input":
        inputs.append(helper.make_tensor_value_info("codes", T.INT8, [D, None]))
    elif mode == "external":
        t = T(name="codes", data_type=T.INT8, dims=[D, n])
        t.data_location = T.EXTERNAL
        for k, v in (("location", "in-memory-codes"), ("offset", "0"), ("length", str(D * n))):
            e = t.external_data.add(); e.key = k; e.value = v
        inits.append(t)
    else:
        inits.append(None)  # filled by the caller with the real codes
    g = helper.make_graph([node], "int8", inputs, [y], initializer=[i for i in inits if i is not None])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return m


def session(mode, codes, threads):
    n = codes.shape[1]
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.add_session_config_entry("session.intra_op.allow_spinning", "0")
    m = model(mode, n)
    keep = None
    if mode in ("init", "noprepack"):
        m.graph.initializer.append(helper.make_tensor("codes", T.INT8, [D, n], codes.tobytes(), raw=True))
    if mode == "noprepack":
        o.add_session_config_entry("session.disable_prepacking", "1")
    if mode == "external":
        keep = ort.OrtValue.ortvalue_from_numpy(codes)
        o.add_external_initializers(["codes"], [keep])
    t = time.perf_counter()
    s = ort.InferenceSession(m.SerializeToString(), o, providers=["CPUExecutionProvider"])
    return s, time.perf_counter() - t, keep


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--calls", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--queries", default="252,1000")
    p.add_argument("--rows", default="4096,16384,65536")
    p.add_argument("--modes", default="input,init,external,noprepack")
    a = p.parse_args()
    rng = np.random.default_rng(0)
    modes = a.modes.split(",")
    print(f"onnxruntime {ort.__version__}, {a.threads} threads, D={D}, median of {a.calls} calls after one warm-up")
    for q in map(int, a.queries.split(",")):
        queries = rng.integers(0, 256, (q, D), dtype=np.uint8)
        for n in map(int, a.rows.split(",")):
            codes = rng.integers(-128, 128, (D, n), dtype=np.int8)
            want = queries.astype(np.int64) @ codes.astype(np.int64)
            out = np.empty((q, n), dtype=np.int32)
            for r in range(a.rounds):
                order = modes[r % len(modes):] + modes[:r % len(modes)]
                for mode in order:
                    before = rss_mib()
                    s, build, keep = session(mode, codes, a.threads)
                    after = rss_mib()
                    b = s.io_binding()
                    b.bind_cpu_input("queries", queries)
                    if mode == "input":
                        b.bind_cpu_input("codes", codes)
                    b.bind_output("scores", "cpu", 0, np.int32, [q, n], out.ctypes.data)
                    s.run_with_iobinding(b)
                    assert np.array_equal(out, want), mode
                    ts = []
                    for _ in range(a.calls):
                        t = time.perf_counter()
                        s.run_with_iobinding(b)
                        ts.append(time.perf_counter() - t)
                    dt = float(np.median(ts))
                    print(f"Q={q:5d} N={n:6d} round {r + 1} {mode:9s}: {dt * 1e3:8.2f} ms/call "
                          f"(min {min(ts) * 1e3:.2f}), {2 * q * D * n / dt / 1e9:6.0f} GOP/s, "
                          f"{dt * 1e3 * 100000 / n:7.1f} ms per 100k rows; session {build * 1e3:.0f} ms, "
                          f"RSS +{after - before:.0f} MiB (codes {D * n / 2**20:.0f} MiB)", flush=True)
                    del b, s, keep


if __name__ == "__main__":
    main()
