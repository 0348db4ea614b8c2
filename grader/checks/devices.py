"""Which devices the torch checks run on, and how the report describes them.

``auto`` runs every torch check on the CPU and, where CUDA is present, also on the GPU (in
float32 and bfloat16, compared with the CPU); ``cpu`` never touches a GPU; ``cuda`` insists
on one. TF32 is switched off on the GPU (in the sandboxed child) so float32 means float32.
Imports torch: only the torch track calls this.
"""

from __future__ import annotations

from grader.errors import UsageError


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def gpu_device(setting: str) -> str | None:
    """'cuda' when the GPU checks should run, None when they are skipped."""
    if setting == "cpu":
        return None
    if cuda_available():
        return "cuda"
    if setting == "cuda":
        raise UsageError("--device cuda was asked for, but CUDA is not available here")
    return None


def skip_reason(setting: str) -> str:
    if setting == "cpu":
        return "skipped: not run with --device cpu (GPU checks run only with --device auto or cuda on a CUDA machine)"
    return "skipped: no CUDA device here; GPU checks run only on a machine with CUDA and are never counted as passed"


def describe_devices(setting: str) -> dict[str, str]:
    import torch

    gpu = gpu_device(setting)
    described = {"torch": torch.__version__, "device": "cpu", "tf32": "off"}
    if gpu:
        described["device"] = f"cpu + cuda ({torch.cuda.get_device_name(0)})"
    return described
