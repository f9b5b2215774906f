#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python side of kiln's file-format interop tests.

Reads and writes safetensors and .npy files with PyTorch and NumPy so the tests can check
kiln against them. Safetensors files are handled twice: by a small reader/writer written here
straight from the format's specification (struct + json + torch.frombuffer), and, where the
`safetensors` package imports, by the reference library too.

Usage:
  interop.py probe              print which of torch, numpy, safetensors import, as JSON
  interop.py run REQUEST.json   run the tasks listed in the request, print the results as JSON
  interop.py fixtures DIR       write the fixture files that test/io/fixtures.test.ts loads
"""
import json
import os
import struct
import sys

# The reference state dict; test/io/reference.ts builds the same one in kiln.
REFERENCE_METADATA = {"framework": "kiln-test"}


def reference_state_dict():
    import torch

    return {
        "weight": torch.tensor([i * 0.25 - 0.5 for i in range(6)], dtype=torch.float32).reshape(2, 3),
        "bias": torch.tensor([1 / 3, -2.5, 1e-300], dtype=torch.float64),
        "step": torch.tensor(2**53 + 1, dtype=torch.int64),
        "idx": torch.tensor([-1, 0, 7, 2**31 - 1], dtype=torch.int32),
        "mask": torch.tensor([[True, False], [False, True]]),
        "empty": torch.zeros((0, 3), dtype=torch.float32),
        "layer.10.w": torch.tensor([10.0]),
        "layer.2.w": torch.tensor([2.0]),
    }


# ---- safetensors from the specification -------------------------------------------------

def spec_dtypes():
    import torch

    # name -> (torch dtype, rank in the reference library's Dtype enum, which orders the data)
    return {
        "BOOL": (torch.bool, 0),
        "I32": (torch.int32, 9),
        "F32": (torch.float32, 11),
        "F64": (torch.float64, 12),
        "I64": (torch.int64, 13),
    }


def spec_write(tensors, path, metadata):
    names = {dt: name for name, (dt, _) in spec_dtypes().items()}
    ranks = {name: rank for name, (_, rank) in spec_dtypes().items()}
    order = sorted(tensors, key=lambda k: (-ranks[names[tensors[k].dtype]], k.encode("utf-8")))
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for k in order:
        raw = tensors[k].contiguous().numpy().astype(tensors[k].numpy().dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": names[tensors[k].dtype], "shape": list(tensors[k].shape), "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def spec_read(path):
    import torch

    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    data = blob[8 + n :]
    tensors = {}
    for name, info in header.items():
        dtype = spec_dtypes()[info["dtype"]][0]
        begin, end = info["data_offsets"]
        if begin == end:
            t = torch.zeros(info["shape"], dtype=dtype)
        else:
            t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(info["shape"])
        tensors[name] = t
    return tensors, metadata


def describe(t):
    flat = t.reshape(-1).tolist()
    if t.dtype in (__import__("torch").int64,):
        flat = [str(v) for v in flat]
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": flat}


def has_module(name):
    try:
        __import__(name)
        return True
    except Exception:
        return False


def st_read(task):
    import torch

    tensors, metadata = spec_read(task["path"])
    out = {"tensors": {k: describe(v) for k, v in tensors.items()}, "metadata": metadata, "library": None}
    if has_module("safetensors"):
        from safetensors import safe_open
        from safetensors.torch import load_file

        lib = load_file(task["path"])
        with safe_open(task["path"], framework="pt") as f:
            lib_metadata = f.metadata()
        same = set(lib) == set(tensors) and all(lib[k].dtype == tensors[k].dtype and torch.equal(lib[k], tensors[k]) for k in lib)
        out["library"] = {"equal": bool(same), "metadata": lib_metadata}
    return out


def st_write(task):
    if task["writer"] == "library":
        from safetensors.torch import save_file

        save_file(reference_state_dict(), task["path"], metadata=REFERENCE_METADATA)
    else:
        spec_write(reference_state_dict(), task["path"], REFERENCE_METADATA)
    return {"written": task["path"]}


# ---- .npy ----------------------------------------------------------------------------------

def reference_arrays():
    """name -> (array, np.lib.format version or None for np.save)."""
    import numpy as np

    f8 = np.arange(12, dtype=np.float64).reshape(2, 3, 2) / 8 - 0.75
    return {
        "c-f4": (np.array([[0.5, -1.25, 3.0], [1e-3, 2.0**-20, -0.0]], dtype=np.float32), None),
        "fortran-f8": (np.asfortranarray(f8), None),
        "big-i8": (np.array([[1, -2], [2**40 + 3, -(2**62)]], dtype=">i8"), None),
        "i4": (np.array([-7, 0, 2**31 - 1], dtype=np.int32), None),
        "bool": (np.array([[True, False, True]]), None),
        "scalar-f8": (np.array(2.5), None),
        "empty-f4": (np.zeros((0, 4), dtype=np.float32), None),
        "v2-f4": (np.array([1.5, -2.5], dtype=np.float32), (2, 0)),
        "v3-i8": (np.array([[3, 4]], dtype=np.int64), (3, 0)),
    }


def npy_write(task):
    import numpy as np

    written = []
    for name, (arr, version) in reference_arrays().items():
        path = os.path.join(task["dir"], f"numpy-{name}.npy")
        if version is None:
            np.save(path, arr)
        else:
            with open(path, "wb") as f:
                np.lib.format.write_array(f, arr, version=version)
        written.append(path)
    return {"written": written}


def npy_read(task):
    import numpy as np

    arr = np.load(task["path"])
    flat = arr.ravel(order="C").tolist()
    if arr.dtype.kind == "i" and arr.dtype.itemsize == 8:
        flat = [str(v) for v in flat]
    return {"descr": arr.dtype.str, "shape": list(arr.shape), "values": flat}


TASKS = {"st_read": st_read, "st_write": st_write, "npy_read": npy_read, "npy_write": npy_write}


def main(argv):
    if argv[1] == "probe":
        print(json.dumps({m: has_module(m) for m in ("torch", "numpy", "safetensors")}))
    elif argv[1] == "run":
        with open(argv[2]) as f:
            tasks = json.load(f)
        print(json.dumps([TASKS[t["op"]](t) for t in tasks]))
    elif argv[1] == "fixtures":
        out = argv[2]
        writer = "library" if has_module("safetensors") else "spec"
        st_write({"path": os.path.join(out, "torch-small.safetensors"), "writer": writer})
        npy_write({"dir": out})
        print(f"wrote fixtures to {out} (safetensors writer: {writer})")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
